// `redpack` and `workwx`: normal red packets (sendredpack, resolved with gethbinfo) and WeCom red packets
// (sendworkwxredpack, resolved with queryworkwxredpack). Same columns, same reply, same record; they differ in the
// send path, the sender field and the query.
import type { PayoutKind, PayoutKindName, RowData } from './kind.js';
import { queryRedpack, type RedpackQuery, reconcileRedpack } from './redpack-query.js';

interface RedPacketKind {
  name: PayoutKindName;
  sendPath: string;
  query: RedpackQuery;
  /** The request field the `send_name` column fills. */
  senderField: 'send_name' | 'sender_name';
  /** Fields only this endpoint takes. */
  own: (clientIp: string) => Record<string, string | number>;
}

function redPacketKind(spec: RedPacketKind): PayoutKind {
  const columnsOfFields: Readonly<Record<string, string>> = {
    re_openid: 'openid',
    total_amount: 'amount',
    [spec.senderField]: 'send_name',
  };
  return {
    name: spec.name,
    sendPath: spec.sendPath,
    numberField: 'mch_billno',
    columns: ['send_name', 'wishing', 'act_name', 'remark', 'scene_id'],
    amountRequired: true,
    columnOf: (field) => columnsOfFields[field] ?? field,
    request: (row: RowData, settings, number) => ({
      mch_billno: number,
      wxappid: settings.appid,
      [spec.senderField]: row.fields.send_name,
      re_openid: row.openid,
      total_amount: row.amount,
      wishing: row.fields.wishing,
      act_name: row.fields.act_name,
      remark: row.fields.remark,
      scene_id: row.fields.scene_id,
      ...spec.own(settings.clientIp),
    }),
    accepted: (reply) => ({ state: 'sent', wxId: String(reply.send_listid ?? ''), status: 'SENT' }),
    query: (wxpay, _row, settings, number) => queryRedpack(wxpay, spec.query, number, settings.appid),
    reconcile: (wxpay, _row, settings, number) => reconcileRedpack(wxpay, spec.query, number, settings.appid),
  };
}

export const redpackKind = redPacketKind({
  name: 'redpack',
  sendPath: 'v2/mmpaymkttransfers/sendredpack',
  query: { path: 'v2/mmpaymkttransfers/gethbinfo', extra: { bill_type: 'MCHT' } },
  senderField: 'send_name',
  own: (clientIp) => ({ total_num: 1, client_ip: clientIp }),
});

export const workwxKind = redPacketKind({
  name: 'workwx',
  sendPath: 'v2/mmpaymkttransfers/sendworkwxredpack',
  query: { path: 'v2/mmpaymkttransfers/queryworkwxredpack', extra: {} },
  senderField: 'sender_name',
  own: () => ({}),
});
