// Seed document: query a cross-border order on the global API (查询订单), by WeChat order id and by out_trade_no,
// in common mode (a merchant for itself) and institutional mode (an institution for its sub-merchant).
// Run: npx tsx examples/global-query-order.ts
import type { Wxpay } from 'wxpay';
import { isMain, withSandboxClient } from './support/sandbox-client.js';

export type Mode = { mchid: string } | { sp_mchid: string; sub_mchid: string };
export const COMMON: Mode = { mchid: '1900000109' };
export const INSTITUTIONAL: Mode = { sp_mchid: '1900000100', sub_mchid: '1900000109' };

/** Creates a Native (QR code) order to have something to query; the payer scans `code_url`. */
export async function createNativeOrder(wxpay: Wxpay, outTradeNo: string, notifyUrl: string, mode: Mode = COMMON) {
  const ids = 'mchid' in mode ? { ...mode, appid: 'wx2421b1c4370ec43b' } : { ...mode, sp_appid: 'wxd678efh567hg6787' };
  return wxpay.v3.global.transactions.native.post({
    json: {
      ...ids,
      description: 'Image形象店-深圳腾大-QQ公仔',
      out_trade_no: outTradeNo,
      notify_url: notifyUrl,
      trade_type: 'NATIVE',
      merchant_category_code: '4111',
      amount: { total: 1, currency: 'HKD' },
    },
  });
}

export async function queryById(wxpay: Wxpay, id: string, mode: Mode = COMMON) {
  return wxpay.v3.global.transactions.id._id_.get({ id, query: mode });
}

export async function queryByOutTradeNo(wxpay: Wxpay, outTradeNo: string, mode: Mode = COMMON) {
  return wxpay.v3.global.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: outTradeNo, query: mode });
}

if (isMain(import.meta.url)) {
  await withSandboxClient('1900000109', async (wxpay) => {
    const outTradeNo = `demo${Date.now()}`;
    await createNativeOrder(wxpay, outTradeNo, 'https://127.0.0.1/wxpay/notify');
    const byNo = await queryByOutTradeNo(wxpay, outTradeNo);
    const byId = await queryById(wxpay, byNo.id);
    console.log(byId.id, byId.out_trade_no, byId.trade_state);
  });
  await withSandboxClient('1900000100', async (institution) => {
    const outTradeNo = `demo${Date.now()}`;
    await createNativeOrder(institution, outTradeNo, 'https://127.0.0.1/wxpay/notify', INSTITUTIONAL);
    const order = await queryByOutTradeNo(institution, outTradeNo, INSTITUTIONAL);
    console.log(order.id, order.trade_state, 'sub_mchid' in order ? order.sub_mchid : '');
  });
}
