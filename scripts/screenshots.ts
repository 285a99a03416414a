// `npm run screenshots`: the sandbox dashboard's main views and the payer's page at 1280 and 375 px, saved to
// docs/screenshots/ (shown in packages/sandbox/README.md). Runs an in-memory sandbox with a little business in it and
// Debian's Chromium (CHROMIUM_PATH overrides /usr/bin/chromium), trusting exactly the sandbox's server key.

import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Wxpay } from 'wxpay';
import { DEFAULTS } from '../packages/sandbox/src/bootstrap.js';
import { startSandbox } from '../packages/sandbox/src/index.js';
import { launchUiBrowser } from '../packages/sandbox/test/support/ui-browser.js';

const out = 'docs/screenshots';
const widths = [1280, 375] as const;

const sandbox = await startSandbox({ dataDir: ':memory:', notifyIntervalMs: 3_600_000 });
// A receiver that is down: the notifications view then shows failed attempts and their next retry.
const receiver = createServer((_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json' });
  res.end('{"code":"FAIL","message":"service unavailable"}');
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/wxpay/notify`;

const mainland = new Wxpay(sandbox.merchantConfig('10000098'));
const global = new Wxpay(sandbox.merchantConfig('1900000109'));
const ui = await launchUiBrowser(sandbox);
try {
  const billnos: string[] = [];
  for (const [i, { openid }] of DEFAULTS.users.entries()) {
    const mch_billno = `1000009820250101${String(i + 1).padStart(10, '0')}`;
    billnos.push(mch_billno);
    await mainland.v2.mmpaymkttransfers.sendredpack.post({
      xml: {
        mch_billno,
        mch_id: DEFAULTS.mainland,
        wxappid: DEFAULTS.redpackAppid,
        send_name: '天虹百货',
        re_openid: openid,
        total_amount: 100 * (i + 1),
        total_num: 1,
        wishing: '感谢您参加猜灯谜活动，祝您元宵节快乐！',
        client_ip: '192.168.0.1',
        act_name: '猜灯谜抢红包活动',
        remark: '猜越多得越多，快来抢！',
      },
    });
  }
  await sandbox.admin.openRedpack({ mchid: '10000098', mch_billno: billnos[0] ?? '' });
  const order = (no: string, total: number) =>
    global.v3.global.transactions.native.post({
      json: {
        mchid: '1900000109',
        appid: DEFAULTS.globalAppid,
        description: 'Image形象店-深圳腾大-QQ公仔',
        out_trade_no: no,
        notify_url: notifyUrl,
        trade_type: 'NATIVE',
        merchant_category_code: '4111',
        amount: { total, currency: 'HKD' },
      },
    });
  const { code_url: codeUrl } = await order('SHOT20250101000001', 1888);
  await order('SHOT20250101000002', 990);
  await sandbox.admin.payOrder({ mchid: '1900000109', outTradeNo: 'SHOT20250101000002' });

  mkdirSync(out, { recursive: true });
  const shots: [string, string][] = [
    ['redpacks', '/_sandbox/ui/#redpacks'],
    ['merchants', '/_sandbox/ui/#merchants'],
    ['orders', '/_sandbox/ui/#orders'],
    ['notifications', '/_sandbox/ui/#notifications'],
    ['clock', '/_sandbox/ui/#clock'],
    ['pay', `/_sandbox/ui/pay?code_url=${encodeURIComponent(codeUrl)}`],
  ];
  for (const width of widths) {
    const page = await ui.newPage(width);
    for (const [name, path] of shots) {
      await page.goto(path);
      await page.locator(name === 'pay' ? '#state' : `.data[data-view="${name}"][aria-busy="false"]`).waitFor();
      await page.locator('#live.on, body.phone').first().waitFor();
      await page.screenshot({ path: `${out}/${name}-${width}.png`, fullPage: true });
      console.log(`  ${out}/${name}-${width}.png`);
    }
    await page.close();
  }
  if (ui.errors.length > 0) throw new Error(`the pages logged errors:\n${ui.errors.join('\n')}`);
} finally {
  await ui.close();
  await Promise.all([mainland.close(), global.close()]);
  await sandbox.close();
  receiver.close();
}
