// Red packets, normal and WeCom: sending (WeChat's limits, re-entry by mch_billno), the two queries, and the life of
// a packet (SENDING -> SENT -> RECEIVED, or unopened -> RFUND_ING -> REFUND with the money back), applied lazily.
import type { SandboxContext } from '../context.js';
import type { MerchantRow, NewRow, RedpackKind, RedpackRow, RedpackStatus } from '../store.js';
import {
  creditBalance,
  debitBalance,
  fail,
  merchantSetting,
  newWechatId,
  type Outcome,
  optionalField,
  type ReplyFields,
  replyTime,
  requestHash,
  requiredField,
  succeed,
  type V2Handler,
  writeTransaction,
} from './reply.js';

const hourSeconds = 60 * 60;
const daySeconds = 24 * hourSeconds;
/** China Standard Time is UTC+8 all year: the limits' "day" starts at 16:00 UTC. */
const chinaOffsetSeconds = 8 * hourSeconds;
/** An unopened packet expires 24 h after sending (current docs; older ones said 72 h). */
export const redpackExpirySeconds = 24 * hourSeconds;
/** Then it is RFUND_ING this long before the money is back: WeChat refunds in batches, not on the dot. */
export const redpackRefundingSeconds = hourSeconds;
/** Queries only see packets sent within the last 30 days; older ones answer NOT_FOUND, as WeChat's do. */
export const redpackQueryWindowSeconds = 30 * daySeconds;

/**
 * WeChat's default daily limits and the `merchant.config.settings` knob that overrides each. Per the docs: a user may
 * get at most 10 packets and 100000 fen a day (from this merchant: SENDNUM_LIMIT, SENDAMOUNT_LIMIT), and a merchant
 * may send at most 100000000 fen a day (MONEY_LIMIT). RCVDAMOUNT_LIMIT (what a user may receive from everyone) is not
 * simulated: the sandbox has no view of other merchants' users.
 */
const dailyLimits = {
  userCount: { setting: 'redpackUserDailyCount', fallback: 10 },
  userAmount: { setting: 'redpackUserDailyAmount', fallback: 100_000 },
  merchantAmount: { setting: 'redpackMerchantDailyAmount', fallback: 100_000_000 },
} as const;

/** The sandbox seconds a new packet stays SENDING (`config.settings.sendingSeconds`; 0: it is SENT at once). */
const sendingSecondsSetting = 'sendingSeconds';

type Fields = Readonly<Record<string, string>>;

/** What differs between a normal and a WeCom packet. */
interface KindRules {
  /** The appid the packet must be sent from: the merchant's red packet appid, or its WeCom corpid. */
  boundAppid(merchant: MerchantRow): string | undefined;
  /** What that appid is called in an ILLEGAL_APPID description. */
  appidName: string;
  /** Columns only this kind fills. */
  columns(fields: Fields): Partial<NewRow<'redpacks'>>;
  /** The kind's part of a query reply. */
  record(row: RedpackRow): ReplyFields;
}

const kinds: Readonly<Record<RedpackKind, KindRules>> = {
  NORMAL: {
    boundAppid: (merchant) => merchant.config.appids.redpack,
    appidName: 'red packet appid',
    columns: (fields) => ({
      send_name: requiredField(fields, 'send_name'),
      total_num: Number(requiredField(fields, 'total_num')),
      client_ip: optionalField(fields, 'client_ip'),
      risk_info: optionalField(fields, 'risk_info'),
      consume_mch_id: optionalField(fields, 'consume_mch_id'),
    }),
    record: (row) => ({
      hb_type: 'NORMAL',
      total_num: String(row.total_num),
      // One receipt per packet (total_num is 1), listed once the packet was opened.
      hblist:
        row.rcv_time === null
          ? undefined
          : {
              hbinfo: [{ openid: row.re_openid, amount: String(row.total_amount), rcv_time: replyTime(row.rcv_time) }],
            },
    }),
  },
  WORKWX: {
    boundAppid: (merchant) => merchant.config.workwx?.corpid,
    appidName: 'WeCom corpid',
    columns: (fields) => ({
      sender_name: optionalField(fields, 'sender_name'),
      sender_header_media_id: optionalField(fields, 'sender_header_media_id'),
      agentid: optionalField(fields, 'agentid'),
    }),
    // Flat receipt fields, present (like gethbinfo's hblist) once the packet was opened.
    record: (row) => ({
      openid: row.rcv_time === null ? undefined : row.re_openid,
      amount: row.rcv_time === null ? undefined : String(row.total_amount),
      rcv_time: replyTime(row.rcv_time),
      sender_name: row.sender_name ?? undefined,
      sender_header_media_id: row.sender_header_media_id ?? undefined,
    }),
  },
};

export const sendRedpack = sendHandler('NORMAL');
export const sendWorkwxRedpack = sendHandler('WORKWX');
export const getHbInfo = queryHandler('NORMAL');
export const queryWorkwxRedpack = queryHandler('WORKWX');

function sendHandler(kind: RedpackKind): V2Handler {
  const rules = kinds[kind];
  return (ctx, { merchant, fields, now }) =>
    writeTransaction(ctx, () => {
      const mchid = merchant.mchid;
      const billno = requiredField(fields, 'mch_billno');
      const hash = requestHash(fields);
      const existing = ctx.store.redpacks.get({ mch_id: mchid, mch_billno: billno });
      if (existing !== undefined) {
        // Re-entry: the same request gets the same answer and the same packet; it is never paid twice.
        if (existing.kind === kind && existing.request_hash === hash) {
          return succeed({ send_listid: existing.send_listid });
        }
        return fail('FATAL_ERROR', 'mch_billno was already used with other parameters; a resend must repeat them');
      }

      const wxappid = requiredField(fields, 'wxappid');
      if (wxappid !== rules.boundAppid(merchant)) {
        return fail('ILLEGAL_APPID', `wxappid is not the ${rules.appidName} bound to mch_id`);
      }
      const openid = requiredField(fields, 're_openid');
      // The store keeps one appid per user (the seed registers its users under the red packet appid and pays them
      // through WeCom too), so the check is "a user of this merchant".
      if (ctx.store.users.get({ openid, mchid }) === undefined) {
        return fail('OPENID_ERROR', 're_openid is not a user of this merchant');
      }

      const amount = Number(requiredField(fields, 'total_amount'));
      const overLimit = dailyLimitProblem(ctx, merchant, openid, amount, now);
      if (overLimit !== undefined) return overLimit;

      // Expired packets credit their money back when settled, so a short balance is checked again after settling.
      const paid =
        debitBalance(ctx, mchid, amount) || (settleRedpacks(ctx, mchid) > 0 && debitBalance(ctx, mchid, amount));
      // Nothing is recorded when the money is missing: after a top-up the same billno is a first send, not a re-entry.
      if (!paid) {
        return fail('NOTENOUGH', 'merchant balance is too low: top up, then resend with the same mch_billno');
      }
      const sendListid = newWechatId('1000041701', now);
      ctx.store.redpacks.insert({
        mch_id: mchid,
        mch_billno: billno,
        send_listid: sendListid,
        // gethbinfo's detail_id is documented as the red packet number the send returned.
        detail_id: sendListid,
        kind,
        wxappid,
        re_openid: openid,
        total_amount: amount,
        wishing: requiredField(fields, 'wishing'),
        act_name: requiredField(fields, 'act_name'),
        remark: requiredField(fields, 'remark'),
        scene_id: optionalField(fields, 'scene_id'),
        ...rules.columns(fields),
        status: merchantSetting(merchant, sendingSecondsSetting, 0) > 0 ? 'SENDING' : 'SENT',
        send_time: now,
        request_hash: hash,
        created_at: now,
      });
      return succeed({ send_listid: sendListid });
    });
}

/** The first daily limit this packet would break, counted over the China calendar day of `now`. */
function dailyLimitProblem(
  ctx: SandboxContext,
  merchant: MerchantRow,
  openid: string,
  amount: number,
  now: number,
): Outcome | undefined {
  const limit = (which: keyof typeof dailyLimits): number =>
    merchantSetting(merchant, dailyLimits[which].setting, dailyLimits[which].fallback);
  const dayStart = Math.floor((now + chinaOffsetSeconds) / daySeconds) * daySeconds - chinaOffsetSeconds;
  const range = [dayStart, dayStart + daySeconds] as const;
  const sums = (where: string, ...params: string[]): { n: number; fen: number } =>
    ctx.store.db
      .prepare<(string | number)[], { n: number; fen: number }>(
        `SELECT COUNT(*) AS n, COALESCE(SUM(total_amount), 0) AS fen FROM redpacks
         WHERE ${where} AND send_time >= ? AND send_time < ?`,
      )
      .get(...params, ...range) ?? { n: 0, fen: 0 };

  const user = sums('mch_id = ? AND re_openid = ?', merchant.mchid, openid);
  if (user.n >= limit('userCount')) {
    return fail('SENDNUM_LIMIT', `re_openid already got ${limit('userCount')} red packets today`);
  }
  if (user.fen + amount > limit('userAmount')) {
    return fail('SENDAMOUNT_LIMIT', `re_openid may get at most ${limit('userAmount')} fen a day`);
  }
  const merchantTotal = sums('mch_id = ?', merchant.mchid);
  if (merchantTotal.fen + amount > limit('merchantAmount')) {
    return fail('MONEY_LIMIT', `mch_id may send at most ${limit('merchantAmount')} fen a day`);
  }
  return undefined;
}

function queryHandler(kind: RedpackKind): V2Handler {
  return (ctx, { merchant, fields, now }) => {
    const found = ctx.store.redpacks.get({ mch_id: merchant.mchid, mch_billno: requiredField(fields, 'mch_billno') });
    // Another merchant's billno, or a packet of the other kind, is not there for this query.
    if (found === undefined || found.kind !== kind) return fail('NOT_FOUND', 'no red packet with this mch_billno');
    if (now - found.send_time > redpackQueryWindowSeconds) {
      return fail('NOT_FOUND', 'red packets can be queried for 30 days after sending');
    }
    if (requiredField(fields, 'appid') !== found.wxappid) {
      return fail('PARAM_ERROR', 'appid: not the appid the red packet was sent with');
    }
    const row = settledRedpack(ctx, found);
    return succeed({
      detail_id: row.detail_id,
      status: row.status,
      send_type: 'API',
      total_amount: String(row.total_amount),
      reason: row.reason ?? undefined,
      send_time: replyTime(row.send_time),
      refund_time: replyTime(row.refund_time),
      refund_amount: row.refund_amount === null ? undefined : String(row.refund_amount),
      wishing: row.wishing,
      remark: row.remark,
      act_name: row.act_name,
      ...kinds[kind].record(row),
    });
  };
}

// ---- The life of a packet.

/**
 * Brings every unsettled packet (of one merchant, or of all) up to sandbox time: SENDING ones become SENT, unopened
 * ones expire, expired ones are refunded. Returns how many packets changed.
 */
export function settleRedpacks(ctx: SandboxContext, mchid?: string): number {
  const now = ctx.clock.nowSeconds();
  // Only packets whose next step may be due are read (the `status, send_time` index), so settling stays cheap
  // however many packets wait. SENDING ones are few (only with settings.sendingSeconds) and are all looked at.
  const dueSince: readonly (readonly [RedpackStatus, number])[] = [
    ['SENDING', now],
    ['SENT', now - redpackExpirySeconds],
    ['RFUND_ING', now - redpackExpirySeconds - redpackRefundingSeconds],
  ];
  let changed = 0;
  for (const [status, sentBy] of dueSince) {
    const merchantTest = mchid === undefined ? '' : ' AND mch_id = ?';
    const rows = ctx.store.db
      .prepare<(string | number)[], RedpackRow>(
        `SELECT * FROM redpacks WHERE status = ? AND send_time <= ?${merchantTest} ORDER BY send_time`,
      )
      // redpacks has no JSON columns, so its rows come back from SQLite exactly as the typed table would give them.
      .all(status, sentBy, ...(mchid === undefined ? [] : [mchid]));
    for (const row of rows) if (settledRedpack(ctx, row) !== row) changed++;
  }
  return changed;
}

/** `row` as it is at sandbox time (updated in the store when it moved on); `row` itself when nothing changed. */
export function settledRedpack(ctx: SandboxContext, row: RedpackRow): RedpackRow {
  const merchant = ctx.store.merchants.get({ mchid: row.mch_id });
  const sendingSeconds = merchant === undefined ? 0 : merchantSetting(merchant, sendingSecondsSetting, 0);
  const changes = lifeChanges(row, ctx.clock.nowSeconds(), sendingSeconds);
  if (changes === undefined) return row;
  const key = { mch_id: row.mch_id, mch_billno: row.mch_billno };
  return writeTransaction(ctx, () => {
    // Guarded by the status this call read: when another caller settled the packet first, nothing changes here,
    // so the refund is credited exactly once.
    const updated = ctx.store.redpacks.update({ ...key, status: row.status }, changes);
    if (updated === 1 && changes.status === 'REFUND') creditBalance(ctx, row.mch_id, row.total_amount);
    return ctx.store.redpacks.get(key) ?? row;
  });
}

/**
 * What `row` has become by `now`. Every step happens at a fixed moment after sending, so a clock that jumps days
 * ahead lands all of them at once, with the times they would have had.
 */
function lifeChanges(row: RedpackRow, now: number, sendingSeconds: number): Partial<RedpackRow> | undefined {
  let status = row.status;
  if (status === 'SENDING' && now >= row.send_time + sendingSeconds) status = 'SENT';
  if (status === 'SENT' && now >= row.send_time + redpackExpirySeconds) status = 'RFUND_ING';
  const refundAt = row.send_time + redpackExpirySeconds + redpackRefundingSeconds;
  if (status === 'RFUND_ING' && now >= refundAt) {
    return { status: 'REFUND', refund_time: refundAt, refund_amount: row.total_amount };
  }
  return status === row.status ? undefined : { status };
}
