// `npm start`: an end-to-end tour of the four seed documents on an in-process sandbox, in all three chain styles.
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startSandbox } from '@wxpay/sandbox';
import { isKnownNotification, type Notification, Wxpay } from 'wxpay';
import { downloadBills, makeABillDay } from './download-bill.js';
import { COMMON, createNativeOrder, INSTITUTIONAL, queryById, queryByOutTradeNo } from './global-query-order.js';
import { payAndRefund } from './jsapi-pay.js';
import { queryCouponStock } from './query-coupon-stock.js';
import { queryWorkwxRedpack, sendWorkwxRedpack } from './query-workwx-redpack.js';
import { queryRedpack, sendRedpack } from './send-redpack.js';

const step = (title: string, detail: string) => console.log(`  ✔ ${title.padEnd(52)} ${detail}`);

const sandbox = await startSandbox({ dataDir: ':memory:' });
const clients: Wxpay[] = [];
const client = (mchid: string) => {
  const wxpay = new Wxpay(sandbox.merchantConfig(mchid));
  clients.push(wxpay);
  return wxpay;
};
const receiver = createServer({ cert: sandbox.tls.cert, key: sandbox.tls.key });
try {
  console.log(`wxpay tour — sandbox at ${sandbox.url}\n`);

  console.log('1. Red packet (mmpaymkttransfers/sendredpack, gethbinfo)');
  const mainland = client('10000098');
  const sent = await sendRedpack(mainland);
  step('sent with client.v2.mmpaymkttransfers.sendredpack', `send_listid ${sent.send_listid}`);
  const before = await queryRedpack(mainland);
  step("queried with client['v2/mmpaymkttransfers/gethbinfo']", `status ${before.status}`);
  await sandbox.admin.openRedpack({ mchid: '10000098', mch_billno: sent.mch_billno });
  const after = await queryRedpack(mainland);
  step('opened by the user, queried again', `status ${after.status}`);
  if (before.status !== 'SENT' || after.status !== 'RECEIVED') throw new Error('unexpected red packet states');

  console.log('\n2. WeCom red packet (sendworkwxredpack, queryworkwxredpack)');
  const workwx = await sendWorkwxRedpack(mainland);
  step("sent with client.chain('v2/.../sendworkwxredpack')", `send_listid ${workwx.send_listid}`);
  const workwxInfo = await queryWorkwxRedpack(mainland);
  step('queried (signed reply verified)', `status ${workwxInfo.status}, ${workwxInfo.total_amount} fen`);

  console.log('\n3. Coupon stock (query_coupon_stock)');
  const stock = await queryCouponStock(mainland);
  step(
    `stock ${stock.coupon_stock_id}`,
    `status ${stock.coupon_stock_status}, sent ${stock.is_send_num}/${stock.coupon_total}`,
  );

  console.log('\n4. Global order (apihk: create, pay, notification, query)');
  const global = client('1900000109');
  const notified = new Promise<Notification>((resolve) => {
    receiver.on(
      'request',
      global.nodeNotificationHandler((notification) => resolve(notification)),
    );
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const notifyUrl = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}/wxpay/notify`;
  const outTradeNo = `TOUR${Date.now()}`;
  const created = await createNativeOrder(global, outTradeNo, notifyUrl);
  step('created (native)', created.code_url);
  const unpaid = await queryByOutTradeNo(global, outTradeNo);
  step('queried by out-trade-no', `trade_state ${unpaid.trade_state}`);
  await sandbox.admin.payOrder({ mchid: '1900000109', outTradeNo });
  const notification = await Promise.race([
    notified,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no notification within 10 s')), 10_000)),
  ]);
  const paidId =
    isKnownNotification(notification) && notification.event_type === 'TRANSACTION.SUCCESS'
      ? String(notification.resource.id ?? '')
      : '';
  step('notification received, verified and decrypted', `${notification.event_type} ${paidId}`);
  const paid = await queryById(global, unpaid.id, COMMON);
  step('queried by id (common mode)', `trade_state ${paid.trade_state}`);
  if (paid.trade_state !== 'SUCCESS') throw new Error('order not paid');
  const institution = client('1900000100');
  const subOrderNo = `${outTradeNo}SUB`;
  await createNativeOrder(institution, subOrderNo, notifyUrl, INSTITUTIONAL);
  const subOrder = await queryByOutTradeNo(institution, subOrderNo, INSTITUTIONAL);
  const again = await queryById(institution, subOrder.id, INSTITUTIONAL);
  step('institution 1900000100 for sub-merchant 1900000109', `${again.out_trade_no} ${again.trade_state}`);

  console.log('\n5. Mainland APIv3 (1230000109: JSAPI order, payment, refund, bill)');
  const mainlandPay = client('1230000109');
  const control = { url: sandbox.url, ca: sandbox.tls.ca };
  const jsapi = await payAndRefund(mainlandPay, control, 'https://127.0.0.1/wxpay/notify');
  step('paid and refunded in part', `${jsapi.order.trade_state}, refund ${jsapi.refund.status}`);
  const { trade } = await downloadBills(mainlandPay, await makeABillDay(mainlandPay, control));
  step('next day: trade bill downloaded, hash checked', `${trade.summary.total_count} lines (payments and refunds)`);

  console.log('\nAll four seed documents ran against the sandbox.');
} finally {
  receiver.closeAllConnections();
  receiver.close();
  await Promise.all(clients.map((wxpay) => wxpay.close()));
  await sandbox.close();
}
