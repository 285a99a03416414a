// Seed document: query a WeCom (企业微信) red packet (查询企业红包记录); it sends one first so there is one to query.
// Run: npx tsx examples/query-workwx-redpack.ts
import type { Wxpay } from 'wxpay';
import { isMain, withSandboxClient } from './support/sandbox-client.js';

export async function sendWorkwxRedpack(wxpay: Wxpay, mchBillno = '100000982017072019616') {
  // workwx_sign is computed from the configured WeCom payment secret (workwxSecret), then sign covers it.
  return wxpay.chain('v2/mmpaymkttransfers/sendworkwxredpack').post({
    xml: {
      mch_billno: mchBillno,
      mch_id: '10000098',
      wxappid: 'wxe062425f740d30d8',
      sender_name: 'XX活动',
      re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
      total_amount: 1000,
      wishing: '感谢您参加猜灯谜活动，祝您元宵节快乐！',
      act_name: '猜灯谜抢红包活动',
      remark: '猜越多得越多，快来抢！',
    },
  });
}

export async function queryWorkwxRedpack(wxpay: Wxpay, mchBillno = '100000982017072019616') {
  return wxpay.chain('v2/mmpaymkttransfers/queryworkwxredpack').post({
    xml: { mch_billno: mchBillno, mch_id: '10000098', appid: 'wxe062425f740d30d8' },
    security: true,
  });
}

if (isMain(import.meta.url)) {
  await withSandboxClient('10000098', async (wxpay) => {
    await sendWorkwxRedpack(wxpay);
    const info = await queryWorkwxRedpack(wxpay);
    console.log(info.status, info.total_amount, info.sender_name);
  });
}
