// The sandbox's mainland APIv3 payments, refunds and bills with a client that is not the wxpay SDK (plain node:https
// and node:crypto, keys from the sandbox's files on disk, support/raw-v3-client.ts): every endpoint answers signed
// replies the client verifies its own way, the sandbox's own field rules answer PARAM_ERROR, and a bill download is the
// unsigned gzip file whose uncompressed bytes have the announced SHA1. Also: data directories seeded before the
// mainland merchant existed gain it on their next start.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTradeBill } from 'wxpay';
import { DEFAULTS } from '../src/bootstrap.js';
import type { Sandbox } from '../src/sandbox.js';
import { openStore } from '../src/store.js';
import { startNextChinaDay } from './support/china-day.js';
import { startTestSandbox, type TestSandbox, uniqueNo } from './support/fixtures.js';
import { expectV3Signed, type Merchant, rawClient, readDiskConfig, type V3Reply } from './support/raw-v3-client.js';

const SP = DEFAULTS.mainlandPay;
const SUB = DEFAULTS.global;
const NOTIFY = 'https://www.weixin.qq.com/wxpay/pay.php';

let dataDir: string;
let world: TestSandbox;
let sandbox: Sandbox;
let client: ReturnType<typeof rawClient>;
let sp: Merchant;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wxpay-mainland-raw-'));
  world = await startTestSandbox({ dataDir });
  sandbox = world.sandbox;
  const config = readDiskConfig(dataDir);
  client = rawClient(config);
  const found = config.merchants[SP];
  if (found === undefined) throw new Error(`${SP} is not in sandbox.json`);
  sp = found;
});

afterAll(async () => {
  await world?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A signed call whose reply must verify; returns it. */
async function signed(method: string, path: string, json?: unknown): Promise<V3Reply> {
  const reply = await client.callV3(sp, method, path, json);
  expectV3Signed(reply, sp);
  return reply;
}

function body(reply: V3Reply): Record<string, unknown> {
  return reply.json as Record<string, unknown>;
}

const direct = (outTradeNo: string, total = 100) => ({
  appid: 'wxd678efh567hg6787',
  mchid: '1230000109',
  description: 'Image形象店-深圳腾大-QQ公仔',
  out_trade_no: outTradeNo,
  notify_url: NOTIFY,
  amount: { total, currency: 'CNY' },
});

describe('mainland payments over raw HTTPS', () => {
  it('creates every trade type in both modes, queries, closes, refunds, each reply verified', async () => {
    const jsapiNo = uniqueNo('RJ');
    const jsapi = await signed('POST', '/v3/pay/transactions/jsapi', {
      ...direct(jsapiNo),
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    });
    expect(jsapi.status).toBe(200);
    expect(body(jsapi).prepay_id).toEqual(expect.any(String));
    const native = await signed('POST', '/v3/pay/transactions/native', direct(uniqueNo('RN')));
    expect(body(native).code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const app = await signed('POST', '/v3/pay/transactions/app', direct(uniqueNo('RA')));
    expect(body(app).prepay_id).toEqual(expect.any(String));
    const h5 = await signed('POST', '/v3/pay/transactions/h5', {
      ...direct(uniqueNo('RH')),
      scene_info: { payer_client_ip: '127.0.0.1', h5_info: { type: 'iOS' } },
    });
    expect(body(h5).h5_url).toEqual(expect.any(String));

    const partnerNo = uniqueNo('RP');
    const partner = await signed('POST', '/v3/pay/partner/transactions/native', {
      sp_appid: 'wx8888888888888888',
      sp_mchid: SP,
      sub_mchid: SUB,
      description: 'QQ公仔',
      out_trade_no: partnerNo,
      notify_url: NOTIFY,
      amount: { total: 10 },
    });
    expect(partner.status).toBe(200);

    const paid = await sandbox.admin.payOrder({ mchid: SP, outTradeNo: jsapiNo });
    const byNo = await signed('GET', `/v3/pay/transactions/out-trade-no/${jsapiNo}?mchid=${SP}`);
    expect(byNo.json).toEqual(paid);
    const byId = await signed('GET', `/v3/pay/transactions/id/${String(paid.transaction_id)}?mchid=${SP}`);
    expect(byId.json).toEqual(paid);
    const partnerQuery = `?sp_mchid=${SP}&sub_mchid=${SUB}`;
    const partnerOrder = await signed('GET', `/v3/pay/partner/transactions/out-trade-no/${partnerNo}${partnerQuery}`);
    expect(body(partnerOrder)).toMatchObject({ sp_mchid: SP, sub_mchid: SUB, trade_state: 'NOTPAY' });
    const closed = await signed('POST', `/v3/pay/partner/transactions/out-trade-no/${partnerNo}/close`, {
      sp_mchid: SP,
      sub_mchid: SUB,
    });
    expect(closed.status).toBe(204);
    expect(closed.body).toBe('');

    const refundNo = uniqueNo('RR');
    const refund = await signed('POST', '/v3/refund/domestic/refunds', {
      transaction_id: paid.transaction_id,
      out_refund_no: refundNo,
      amount: { refund: 40, total: 100, currency: 'CNY' },
    });
    expect(body(refund)).toMatchObject({ status: 'PROCESSING', amount: { refund: 40, total: 100 } });
    const queried = await signed('GET', `/v3/refund/domestic/refunds/${refundNo}`);
    expect(body(queried).refund_id).toBe(body(refund).refund_id);
  });

  it('answers PARAM_ERROR from its own field rules, naming the field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v3/pay/transactions/jsapi', { ...direct('abc') }, '/out_trade_no'],
      ['POST', '/v3/pay/transactions/h5', direct(uniqueNo('PH')), '/scene_info'],
      [
        'POST',
        '/v3/pay/transactions/native',
        { ...direct(uniqueNo('PC')), amount: { total: 1, currency: 'USD' } },
        '/amount/currency',
      ],
      ['POST', '/v3/pay/partner/transactions/native', direct(uniqueNo('PM')), '/sp_mchid'],
      ['GET', '/v3/bill/tradebill?bill_date=2025-02-30', undefined, 'bill_date'],
      ['GET', '/v3/bill/tradebill?bill_date=2025-02-01&tar_type=ZIP', undefined, 'tar_type'],
      [
        'POST',
        '/v3/refund/domestic/refunds',
        { out_trade_no: 'x', out_refund_no: 'y', amount: { refund: 2, total: 1, currency: 'CNY' } },
        '/amount/refund',
      ],
    ];
    for (const [method, path, json, field] of cases) {
      const reply = await signed(method, path, json);
      expect(reply.status, path).toBe(400);
      expect(body(reply)).toMatchObject({ code: 'PARAM_ERROR', detail: { field } });
    }
  });

  it('downloads a gzip bill unsigned; the uncompressed bytes have the announced SHA1 and parse', async () => {
    await startNextChinaDay(sandbox, 9);
    const day = new Date(sandbox.admin.clock().now + 8 * 3_600_000).toISOString().slice(0, 10);
    const no = uniqueNo('RB');
    await signed('POST', '/v3/pay/transactions/native', direct(no, 2500));
    await sandbox.admin.payOrder({ mchid: SP, outTradeNo: no });
    await sandbox.admin.advanceClock(86_400_000);
    const applied = await signed('GET', `/v3/bill/tradebill?bill_date=${day}&bill_type=ALL&tar_type=GZIP`);
    const { download_url: url, hash_value: hash } = body(applied) as { download_url: string; hash_value: string };
    const path = url.slice(sandbox.url.length);
    const file = await client.callV3(sp, 'GET', path);
    expect(file.status).toBe(200);
    expect(file.headers['wechatpay-signature']).toBeUndefined();
    const text = gunzipSync(file.bytes);
    expect(createHash('sha1').update(text).digest('hex')).toBe(hash);
    const { rows, summary } = parseTradeBill(text.toString('utf8'));
    expect(rows.map((row) => row.out_trade_no)).toEqual([no]);
    expect(summary.total_amount).toBe('25.00');
    // The token is the merchant's own: another merchant cannot fetch it.
    const other = readDiskConfig(dataDir).merchants[DEFAULTS.global] as Merchant;
    expect((await client.callV3(other, 'GET', path)).status).toBe(400);
  });
});

describe('data directories seeded before the mainland merchant existed', () => {
  it('gain 1230000109 and its sub-merchant 1900000109 on their next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wxpay-mainland-upgrade-'));
    try {
      const first = await startTestSandbox({ dataDir: dir });
      await first.close();
      // Back to how an older sandbox left it.
      const store = openStore(dir);
      store.db.prepare('DELETE FROM merchants WHERE mchid = ?').run(SP);
      store.db.prepare("DELETE FROM kv WHERE key = 'mainland-pay'").run();
      const sub = store.merchants.get({ mchid: SUB });
      if (sub === undefined) throw new Error('no 1900000109');
      const { serviceProviders: _, ...config } = sub.config;
      store.merchants.update({ mchid: SUB }, { config });
      store.close();

      const second = await startTestSandbox({ dataDir: dir });
      try {
        const wxpay = second.client(SP);
        const created = (await wxpay.chain('v3/pay/partner/transactions/native').post({
          json: {
            sp_appid: 'wx8888888888888888',
            sp_mchid: SP,
            sub_appid: 'wxd678efh567hg6787',
            sub_mchid: SUB,
            description: 'QQ公仔',
            out_trade_no: uniqueNo('UP'),
            notify_url: NOTIFY,
            amount: { total: 1 },
          },
        } as never)) as { code_url?: string };
        expect(created.code_url).toMatch(/^weixin:/);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
