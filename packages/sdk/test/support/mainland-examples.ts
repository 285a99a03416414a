// Test data: the mainland pages' example order fields and merchant transfer (docs/endpoints.md), shared by the
// catalogue tests and the client tests so both check the same documented calls.
import type { TransferBillRequest } from '../../src/catalog/transfers.js';

/** The fields every mainland order carries, whatever the mode and trade type, as in the pages' examples. */
export const exampleOrder = {
  description: 'Image形象店-深圳腾大-QQ公仔',
  out_trade_no: '1217752501201407033233368018',
  notify_url: 'https://www.weixin.qq.com/wxpay/pay.php',
  amount: { total: 100, currency: 'CNY' as const },
};

/** The transfer example: 4,000 yuan, so the payee name is required (and sent encrypted). */
export const exampleTransfer: TransferBillRequest = {
  appid: 'wxf636efh567hg4356',
  out_bill_no: 'plfk2020042013',
  transfer_scene_id: '1000',
  openid: 'o-MYE42l80oelYMDE34nYD456Xoy',
  transfer_amount: 400000,
  user_name: '张三',
  transfer_remark: '新会员开通有礼',
  transfer_scene_report_infos: [
    { info_type: '活动名称', info_content: '新会员有礼' },
    { info_type: '奖励说明', info_content: '注册会员抽奖一等奖' },
  ],
};
