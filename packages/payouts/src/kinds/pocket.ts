// `pocket`: WeCom pay to a staff member's pocket (promotion/paywwsptrans2pocket), by partner_trade_no. There is no
// query in the catalogue: an ambiguous payment is resolved by resending it unchanged under the same number, which
// WeChat Pay answers with the first payment's payment_no and never pays twice (docs/endpoints.md, pay to staff).
import type { PayoutKind } from './kind.js';

/** The page's limits on one payment: at least 1 yuan, at most 5,000 yuan (docs/endpoints.md). */
const MIN_FEN = 100;
const MAX_FEN = 500_000;

export const pocketKind: PayoutKind = {
  name: 'pocket',
  sendPath: 'v2/mmpaymkttransfers/promotion/paywwsptrans2pocket',
  numberField: 'partner_trade_no',
  columns: ['re_user_name', 'desc', 'act_name'],
  amountRequired: true,
  columnOf: (field) => field,
  rowRule: (row) =>
    row.amount < MIN_FEN || row.amount > MAX_FEN ? ['amount', `integer ${MIN_FEN}..${MAX_FEN} (fen)`] : undefined,
  request: (row, settings, number) => ({
    appid: settings.appid,
    partner_trade_no: number,
    openid: row.openid,
    check_name: row.fields.re_user_name ? 'FORCE_CHECK' : 'NO_CHECK',
    re_user_name: row.fields.re_user_name,
    amount: row.amount,
    desc: row.fields.desc,
    spbill_create_ip: settings.clientIp,
    ww_msg_type: 'NORMAL_MSG',
    act_name: row.fields.act_name,
  }),
  accepted: (reply) => ({ state: 'sent', wxId: String(reply.payment_no ?? ''), status: 'SUCCESS' }),
};
