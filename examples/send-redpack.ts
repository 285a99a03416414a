// Seed document: send a normal red packet (发放普通红包), then query it (查询红包记录).
// Run: npx tsx examples/send-redpack.ts   (set WXPAY_SANDBOX=.wxpay-sandbox to use a running sandbox)
import type { Wxpay } from 'wxpay';
import { isMain, withSandboxClient } from './support/sandbox-client.js';

export async function sendRedpack(wxpay: Wxpay, mchBillno = '10000098201411111234567890') {
  // The client certificate is presented automatically (this endpoint needs it); nonce_str and sign are added.
  const sent = await wxpay.v2.mmpaymkttransfers.sendredpack.post({
    xml: {
      mch_billno: mchBillno,
      mch_id: '10000098',
      wxappid: 'wx8888888888888888',
      send_name: '天虹百货',
      re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
      total_amount: 1000,
      total_num: 1,
      wishing: '感谢您参加猜灯谜活动，祝您元宵节快乐！',
      client_ip: '192.168.0.1',
      act_name: '猜灯谜抢红包活动',
      remark: '猜越多得越多，快来抢！',
      scene_id: 'PRODUCT_8',
    },
    security: true,
  });
  return sent;
}

export async function queryRedpack(wxpay: Wxpay, mchBillno = '10000098201411111234567890') {
  // Same endpoint through the index style.
  return wxpay['v2/mmpaymkttransfers/gethbinfo'].post({
    xml: { mch_billno: mchBillno, mch_id: '10000098', appid: 'wx8888888888888888', bill_type: 'MCHT' },
    security: true,
  });
}

if (isMain(import.meta.url)) {
  await withSandboxClient('10000098', async (wxpay) => {
    const sent = await sendRedpack(wxpay);
    console.log('sent:', sent.send_listid);
    const info = await queryRedpack(wxpay);
    console.log('status:', info.status, 'amount:', info.total_amount);
  });
}
