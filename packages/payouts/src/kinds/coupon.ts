// `coupon`: coupons (send_coupon) by partner_trade_no, reconciled with querycouponsinfo. A resend under the same
// number gets the coupon the first send got, so an ambiguous send is resolved by resending it unchanged.
import type { PayoutKind } from './kind.js';

export const couponKind: PayoutKind = {
  name: 'coupon',
  sendPath: 'v2/mmpaymkttransfers/send_coupon',
  numberField: 'partner_trade_no',
  columns: ['coupon_stock_id'],
  amountRequired: false,
  columnOf: (field) => field,
  request: (row, settings, number) => ({
    coupon_stock_id: row.fields.coupon_stock_id,
    openid_count: 1,
    partner_trade_no: number,
    openid: row.openid,
    appid: settings.appid,
  }),
  // result_code SUCCESS carries the per-user answer: ret_code FAILED means this user got no coupon.
  accepted: (reply) =>
    reply.ret_code === 'SUCCESS'
      ? { state: 'sent', wxId: String(reply.coupon_id ?? ''), status: 'SENT' }
      : { state: 'failed', code: 'FAILED', message: String(reply.ret_msg ?? 'the coupon was not sent') },
  reconcile: async (wxpay, row, settings, _number, wxId) => {
    const data = await wxpay.v2.mmpaymkttransfers.querycouponsinfo.post({
      xml: { coupon_id: wxId, openid: row.openid, stock_id: row.fields.coupon_stock_id ?? '', appid: settings.appid },
    });
    return { status: data.coupon_state };
  },
};
