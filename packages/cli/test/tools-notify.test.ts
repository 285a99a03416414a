// `wxpay notify verify` (APIv3) and `verify-v2` (APIv2) through the built binary: a real notification the sandbox
// signed and delivered, then the same bytes tampered with.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wxpay } from 'wxpay';
import { EXIT_SIGNATURE, EXIT_USAGE } from '../src/exit-codes.js';
import { type NotificationReceiver, startNotificationReceiver } from './support/notification-receiver.js';
import {
  GLOBAL,
  GLOBAL_APPID,
  MAINLAND,
  secretsOf,
  startToolsSandbox,
  type ToolsSandbox,
  tool,
  wxpayWithInput,
} from './support/tools-sandbox.js';
import { refundNotification, signedNotification } from './support/v2-notifications.js';

let s: ToolsSandbox;
let receiver: NotificationReceiver;
let global: string;
let mainland: string;
let headersFile: string;
let bodyFile: string;
const outTradeNo = `TOOLS${Date.now()}`;

beforeAll(async () => {
  s = await startToolsSandbox();
  receiver = await startNotificationReceiver();
  global = s.config('global.json', GLOBAL);
  mainland = s.config('mainland.json', MAINLAND);
  // A global order paid by its user: the sandbox signs and delivers TRANSACTION.SUCCESS to the notify_url.
  const client = new Wxpay(s.sandbox.merchantConfig(GLOBAL));
  try {
    await client.v3.global.transactions.native.post({
      json: {
        mchid: GLOBAL,
        appid: GLOBAL_APPID,
        description: 'Image形象店-深圳腾大-QQ公仔',
        out_trade_no: outTradeNo,
        notify_url: `${receiver.url}/paid`,
        merchant_category_code: '4111',
        amount: { total: 100, currency: 'HKD' },
        trade_type: 'NATIVE',
      },
    });
  } finally {
    await client.close();
  }
  await s.sandbox.admin.payOrder({ mchid: GLOBAL, outTradeNo });
  const notification = await receiver.next('/paid');
  headersFile = s.file('headers.json', notification.headers);
  bodyFile = s.file('body.json', notification.body);
});
afterAll(async () => {
  await receiver?.close();
  await s?.close();
});

function expectNoSecrets(output: { stdout: string; stderr: string }): void {
  for (const secret of secretsOf(s.sandbox.merchantConfig(GLOBAL))) {
    expect(output.stdout).not.toContain(secret);
    expect(output.stderr).not.toContain(secret);
  }
}

describe('wxpay notify verify', () => {
  it('verifies the saved notification and prints its decrypted resource as JSON (0)', async () => {
    const result = await tool(['notify', 'verify', '-c', global, '--headers', headersFile, '--body', bodyFile]);
    expect(result.stderr).toMatch(/^verified: notification \S+, TRANSACTION\.SUCCESS \(.+\), created /);
    expect(result.code).toBe(0);
    const resource = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(resource).toMatchObject({ mchid: GLOBAL, out_trade_no: outTradeNo, trade_state: 'SUCCESS' });
    expectNoSecrets(result);
  });

  it('refuses the body with one byte flipped (4), printing nothing', async () => {
    const body = readFileSync(bodyFile);
    const at = body.indexOf('"ciphertext":"') + 20;
    body[at] = body[at] === 0x41 ? 0x42 : 0x41;
    const tampered = s.file('body-tampered.json', body);
    const result = await tool(['notify', 'verify', '-c', global, '--headers', headersFile, '--body', tampered]);
    expect(result.code).toBe(EXIT_SIGNATURE);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('signature verification failed');
  });

  it('refuses a changed signature header, and a notification for another merchant (4)', async () => {
    const headers = JSON.parse(readFileSync(headersFile, 'utf8')) as Record<string, string>;
    const signature = headers['wechatpay-signature'] as string;
    const changed = s.file('headers-tampered.json', {
      ...headers,
      'wechatpay-signature': `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`,
    });
    const forged = await tool(['notify', 'verify', '-c', global, '--headers', changed, '--body', bodyFile]);
    expect(forged.code).toBe(EXIT_SIGNATURE);
    expect(forged.stdout).toBe('');
    // The mainland merchant trusts other keys: the signature is not one of its WeChat Pay's.
    const other = await tool(['notify', 'verify', '-c', mainland, '--headers', headersFile, '--body', bodyFile]);
    expect(other.code).toBe(EXIT_SIGNATURE);
    expect(other.stdout).toBe('');
  });

  it('treats a notification older than the window as a replay unless --any-age (4, then 0)', async () => {
    const strict = s.config('global-1s.json', GLOBAL, { signatureTolerance: 1 });
    const stamp = Number(JSON.parse(readFileSync(headersFile, 'utf8'))['wechatpay-timestamp']);
    // Past the 1 s window, measured on the notification's own timestamp.
    while (Date.now() / 1000 < stamp + 2.5) await new Promise((resolve) => setTimeout(resolve, 100));
    const late = await tool(['notify', 'verify', '-c', strict, '--headers', headersFile, '--body', bodyFile]);
    expect(late.code).toBe(EXIT_SIGNATURE);
    const saved = await tool([
      'notify',
      'verify',
      '-c',
      strict,
      '--headers',
      headersFile,
      '--body',
      bodyFile,
      '--any-age',
    ]);
    expect(saved.code).toBe(0);
    expect(JSON.parse(saved.stdout)).toMatchObject({ out_trade_no: outTradeNo });
  });

  it('refuses headers that are not a JSON object, and a missing body (2)', async () => {
    const list = await tool([
      'notify',
      'verify',
      '-c',
      global,
      '--headers',
      s.file('list.json', []),
      '--body',
      bodyFile,
    ]);
    expect(list.code).toBe(EXIT_USAGE);
    expect(list.stderr).toContain('--headers: a JSON object');
    const missing = await tool(['notify', 'verify', '-c', global, '--headers', headersFile, '--body', `${bodyFile}.x`]);
    expect(missing.code).toBe(EXIT_USAGE);
    expect(missing.stderr).toContain('--body: no such file');
    const flags = await tool(['notify', 'verify', '-c', global, '--headers', headersFile]);
    expect(flags.code).toBe(EXIT_USAGE);
  });
});

describe('wxpay notify verify-v2', () => {
  const payment = {
    appid: 'wx8888888888888888',
    mch_id: MAINLAND,
    nonce_str: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    result_code: 'SUCCESS',
    return_code: 'SUCCESS',
    openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
    out_trade_no: '1409811653',
    total_fee: '100',
    transaction_id: '1004400740201409030005092168',
  };

  it('checks the sign of a notification read from stdin and prints its fields (0)', async () => {
    const secret = s.sandbox.merchantConfig(MAINLAND).secret;
    const result = await wxpayWithInput(['notify', 'verify-v2', '-c', mainland], signedNotification(payment, secret));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('verified: sign (MD5) checked');
    expect(JSON.parse(result.stdout)).toMatchObject(payment);
    expect(result.stdout).not.toContain(secret);
  });

  it('refuses a notification whose amount was changed after signing (4)', async () => {
    const xml = signedNotification(payment, s.sandbox.merchantConfig(MAINLAND).secret);
    const tampered = xml.replace('<total_fee><![CDATA[100]]>', '<total_fee><![CDATA[10000]]>');
    expect(tampered).not.toBe(xml);
    const result = await wxpayWithInput(['notify', 'verify-v2', '-c', mainland], tampered);
    expect(result.code).toBe(EXIT_SIGNATURE);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('sign mismatch');
  });

  it('decrypts a refund notification (from a file), and refuses one sealed with another key (0, then 4)', async () => {
    const secret = s.sandbox.merchantConfig(MAINLAND).secret;
    const outer = { return_code: 'SUCCESS', appid: payment.appid, mch_id: MAINLAND, nonce_str: payment.nonce_str };
    const refund = { out_refund_no: 'R1409811653', refund_status: 'SUCCESS', refund_fee: '100', total_fee: '100' };
    const file = s.file('refund.xml', refundNotification(outer, refund, secret));
    const result = await tool(['notify', 'verify-v2', '-c', mainland, file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('confirm the refund with a refund query');
    expect(JSON.parse(result.stdout)).toMatchObject({ ...outer, req_info: refund });

    writeFileSync(file, refundNotification(outer, refund, 'k'.repeat(32)));
    const forged = await tool(['notify', 'verify-v2', '-c', mainland, file]);
    expect(forged.code).toBe(EXIT_SIGNATURE);
    expect(forged.stdout).toBe('');
  });

  it('refuses input that is not an APIv2 notification (2)', async () => {
    const result = await wxpayWithInput(['notify', 'verify-v2', '-c', mainland], '{"not":"xml"}');
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toContain('not an APIv2 notification');
  });
});
