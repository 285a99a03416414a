// `redpack`: normal red packets (sendredpack), resolved and reconciled with gethbinfo.
import type { PayoutKind } from './kind.js';
import { queryRedpack, type RedpackQuery, reconcileRedpack } from './redpack-query.js';

const query: RedpackQuery = { path: 'v2/mmpaymkttransfers/gethbinfo', extra: { bill_type: 'MCHT' } };

const columnsOfFields: Readonly<Record<string, string>> = { re_openid: 'openid', total_amount: 'amount' };

export const redpackKind: PayoutKind = {
  name: 'redpack',
  sendPath: 'v2/mmpaymkttransfers/sendredpack',
  numberField: 'mch_billno',
  columns: ['send_name', 'wishing', 'act_name', 'remark', 'scene_id'],
  amountRequired: true,
  columnOf: (field) => columnsOfFields[field] ?? field,
  request: (row, settings, number) => ({
    mch_billno: number,
    wxappid: settings.appid,
    send_name: row.fields.send_name,
    re_openid: row.openid,
    total_amount: row.amount,
    total_num: 1,
    wishing: row.fields.wishing,
    client_ip: settings.clientIp,
    act_name: row.fields.act_name,
    remark: row.fields.remark,
    scene_id: row.fields.scene_id,
  }),
  accepted: (reply) => ({ state: 'sent', wxId: String(reply.send_listid ?? ''), status: 'SENT' }),
  query: (wxpay, _row, settings, number) => queryRedpack(wxpay, query, number, settings.appid),
  reconcile: (wxpay, _row, settings, number) => reconcileRedpack(wxpay, query, number, settings.appid),
};
