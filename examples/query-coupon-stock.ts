// Seed document: query a coupon stock (查询代金券批次). No client certificate is needed for this one.
// Run: npx tsx examples/query-coupon-stock.ts
import type { Wxpay } from 'wxpay';
import { isMain, withSandboxClient } from './support/sandbox-client.js';

export async function queryCouponStock(wxpay: Wxpay) {
  return wxpay['v2/mmpaymkttransfers/query_coupon_stock'].post({
    xml: {
      coupon_stock_id: '1757',
      appid: 'wx5edab3bdfba3dc1c',
      mch_id: '10000098',
      op_user_id: '10000098',
      version: '1.0',
      type: 'XML',
    },
  });
}

if (isMain(import.meta.url)) {
  await withSandboxClient('10000098', async (wxpay) => {
    const stock = await queryCouponStock(wxpay);
    console.log(stock.coupon_stock_id, stock.coupon_stock_status, `${stock.is_send_num}/${stock.coupon_total}`);
  });
}
