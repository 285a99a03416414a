// Mainland JSAPI payment (JSAPI下单) from order to refund: create the order, hand the mini program / official account
// page its signed pay parameters, let the payer pay (on the sandbox: the control API in the payer's place), take the
// TRANSACTION.SUCCESS notification (tour.ts receives and verifies one) or query the order, and refund part of it.
// Run: npx tsx examples/jsapi-pay.ts
import type { Wxpay } from 'wxpay';
import { postControl, type SandboxControl } from './support/control.js';
import { isMain, withSandboxClient } from './support/sandbox-client.js';

export const MCHID = '1230000109';
export const APPID = 'wxd678efh567hg6787';
export const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

export async function createJsapiOrder(wxpay: Wxpay, outTradeNo: string, notifyUrl: string) {
  const { prepay_id } = await wxpay.v3.pay.transactions.jsapi.post({
    json: {
      appid: APPID,
      mchid: MCHID,
      description: 'Image形象店-深圳腾大-QQ公仔',
      out_trade_no: outTradeNo,
      notify_url: notifyUrl,
      amount: { total: 100, currency: 'CNY' },
      payer: { openid: OPENID },
    },
  });
  // What wx.requestPayment takes, signed with the merchant key.
  return wxpay.jsapiPayParams({ appId: APPID, prepayId: prepay_id });
}

export async function queryOrder(wxpay: Wxpay, outTradeNo: string) {
  return wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: outTradeNo, query: { mchid: MCHID } });
}

export async function refund(wxpay: Wxpay, outTradeNo: string, outRefundNo: string, fen: number) {
  return wxpay.v3.refund.domestic.refunds.post({
    json: {
      out_trade_no: outTradeNo,
      out_refund_no: outRefundNo,
      reason: '商品已售完',
      amount: { refund: fen, total: 100, currency: 'CNY' },
    },
  });
}

/**
 * The whole story against a sandbox whose control API is at `control.url`: order, payment (by the control API), the
 * paid order as queried (the TRANSACTION.SUCCESS notification carries the same object), and a 0.30 yuan refund.
 */
export async function payAndRefund(wxpay: Wxpay, control: SandboxControl, notifyUrl: string) {
  const outTradeNo = `jsapi${Date.now()}`;
  const payParams = await createJsapiOrder(wxpay, outTradeNo, notifyUrl);
  console.log('wx.requestPayment', payParams.package, payParams.signType);
  await postControl(control, '/_sandbox/orders/pay', { mchid: MCHID, out_trade_no: outTradeNo });
  const order = await queryOrder(wxpay, outTradeNo);
  console.log(order.out_trade_no, order.trade_state, order.transaction_id);
  const refunded = await refund(wxpay, outTradeNo, `${outTradeNo}R1`, 30);
  console.log(refunded.out_refund_no, refunded.status, refunded.amount.refund);
  return { order, refund: refunded };
}

if (isMain(import.meta.url)) {
  await withSandboxClient(MCHID, async (wxpay, config) => {
    // Notifications to this address fail and are retried harmlessly; nodeNotificationHandler() receives them for real.
    await payAndRefund(wxpay, { url: config.baseURL, ca: config.ca }, 'https://127.0.0.1/wxpay/notify');
  });
}
