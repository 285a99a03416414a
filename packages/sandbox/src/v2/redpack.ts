// Red packets, normal and WeCom: sending (WeChat's limits, re-entry by mch_billno), the two queries, and the life of
// a packet (SENDING -> SENT -> RECEIVED, or unopened -> RFUND_ING -> REFUND with the money back), a job of the clock's
// registry of work due as sandbox time passes.
import type { DueJob } from '../clock.js';
import type { SandboxContext } from '../context.js';
import { newWechatNumber } from '../ids.js';
import { credit, debit } from '../ledger.js';
import { v2RequestHash } from '../request-hash.js';
import type { MerchantRow, NewRow, RedpackKind, RedpackRow, RedpackStatus } from '../store.js';
import { countPayment, dayTotals } from './daily-totals.js';
import { type Refusal, refuse } from './refusals.js';
import {
  limitsOf,
  merchantSetting,
  type Outcome,
  optionalField,
  type ReplyFields,
  replyTime,
  requiredField,
  succeed,
  type V2Handler,
} from './reply.js';

const hourSeconds = 60 * 60;
const daySeconds = 24 * hourSeconds;
/** An unopened packet expires 24 h after sending (current docs; older ones said 72 h). */
export const redpackExpirySeconds = 24 * hourSeconds;
/** Then it is RFUND_ING this long before the money is back: WeChat refunds in batches, not on the dot. */
export const redpackRefundingSeconds = hourSeconds;
/** Queries only see packets sent within the last 30 days; older ones answer NOT_FOUND, as WeChat's do. */
export const redpackQueryWindowSeconds = 30 * daySeconds;

/**
 * The limits a merchant sets on the merchant platform, as `merchant.config.settings` knobs with WeChat's defaults
 * (docs/endpoints.md#mmpaymkttransferssendredpack--send-a-normal-red-packet): a user may get 10 packets and 100000 fen
 * a day from the merchant, the merchant may send 100000000 fen a day, and one packet must be within the allowed
 * range. That range is set per merchant (WeChat's default is 100..20000 fen, widened on application); the sandbox's
 * default is the widest the API takes, 1..499900 fen, so set `redpackMaxAmount` to rehearse a merchant that has not
 * applied.
 */
const limits = {
  userDailyCount: { setting: 'redpackUserDailyCount', fallback: 10 },
  userDailyAmount: { setting: 'redpackUserDailyAmount', fallback: 100_000 },
  merchantDailyAmount: { setting: 'redpackMerchantDailyAmount', fallback: 100_000_000 },
  minAmount: { setting: 'redpackMinAmount', fallback: 1 },
  maxAmount: { setting: 'redpackMaxAmount', fallback: 499_900 },
} as const;

/** The sandbox seconds a new packet stays SENDING (`config.settings.sendingSeconds`; 0: it is SENT at once). */
const sendingSecondsSetting = 'sendingSeconds';

/**
 * What a WeCom packet's reply says about its sender when the request named none: with `agentid` it is sent in the
 * name of that WeCom app, whose name and avatar the sandbox does not know, so it stands in for them.
 */
export const sandboxSenderHeaderMediaId = 'sandbox_default_sender_header';

type Fields = Readonly<Record<string, string>>;

/** What differs between a normal and a WeCom packet. */
interface KindRules {
  /** The appid the packet must be sent from: the merchant's red packet appid, or its WeCom corpid. */
  boundAppid(merchant: MerchantRow): string | undefined;
  /** What that appid is called in a description. */
  appidName: string;
  /** Columns only this kind fills. */
  columns(fields: Fields, merchant: MerchantRow): Partial<NewRow<'redpacks'>>;
  /** What a successful send (and its re-entry) adds to `send_listid`. */
  sent(row: Pick<RedpackRow, 'sender_name' | 'sender_header_media_id'>): ReplyFields;
  /** The kind's part of a query reply. */
  record(row: RedpackRow): ReplyFields;
  /**
   * The answer to a re-entry whose amount differs from the original request's: each endpoint's error table has its
   * own (docs/endpoints.md, both send endpoints).
   */
  changedAmount: Refusal;
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
    sent: () => ({}),
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
    // sendredpack's table gives this text itself as the err_code of a changed amount.
    changedAmount: {
      code: '金额和原始单参数不一致',
      officialText: '金额和原始单参数不一致',
      detail:
        'total_amount differs from the first request with this mch_billno: resend it unchanged, or use a new billno',
    },
  },
  WORKWX: {
    boundAppid: (merchant) => merchant.config.workwx?.corpid,
    appidName: 'WeCom corpid',
    columns: (fields, merchant) => {
      const agentid = optionalField(fields, 'agentid');
      return {
        // The reply must name the sender (the table marks both fields required), also when an app sends (agentid).
        sender_name:
          optionalField(fields, 'sender_name') ??
          (agentid === null ? (merchant.name ?? `merchant ${merchant.mchid}`) : `WeCom app ${agentid}`),
        sender_header_media_id: optionalField(fields, 'sender_header_media_id') ?? sandboxSenderHeaderMediaId,
        agentid,
      };
    },
    sent: (row) => ({
      sender_name: row.sender_name ?? undefined,
      sender_header_media_id: row.sender_header_media_id ?? undefined,
    }),
    // The table marks openid and amount required: they are the packet's recipient and amount, known from the start.
    // rcv_time, also marked required, only exists once the packet was opened.
    record: (row) => ({
      openid: row.re_openid,
      amount: String(row.total_amount),
      rcv_time: replyTime(row.rcv_time),
      sender_name: row.sender_name ?? undefined,
      sender_header_media_id: row.sender_header_media_id ?? undefined,
    }),
    // sendworkwxredpack's table: PARAM_ERROR, "如果是重试请求，请与原单请求的金额保持一致".
    changedAmount: {
      code: 'PARAM_ERROR',
      officialText: '请求参数错误',
      detail: 'total_amount: a resend must repeat the amount of the first request with this mch_billno',
    },
  },
};

/** The official descriptions (return_msg) of the codes sending answers with, from the send endpoints' tables. */
const officialText = {
  FATAL_ERROR: 'openid和原始单参数不一致',
  ILLEGAL_APPID: '非法appid，请确认是否为公众号的appid，不能为APP的appid',
  PARAM_ERROR_APPID: '商户号和wxappid不匹配',
  OPENID_ERROR: 'openid和appid不匹配',
  MONEY_LIMIT: '红包金额发放限制',
  SENDNUM_LIMIT: '该用户今日领取红包个数超过限制',
  RCVDAMOUNT_LIMIT: '该用户今日领取金额超过限制，如有需要请登录微信支付商户平台更改API安全配置',
  SENDAMOUNT_LIMIT: '您的商户号今日发放金额超过限制，如有需要请登录微信支付商户平台更改API安全配置',
  NOTENOUGH: '帐号余额不足，请到商户平台充值后再重试',
} as const;

export const sendRedpack = sendHandler('NORMAL');
export const sendWorkwxRedpack = sendHandler('WORKWX');
export const getHbInfo = queryHandler('NORMAL');
export const queryWorkwxRedpack = queryHandler('WORKWX');

function sendHandler(kind: RedpackKind): V2Handler {
  const rules = kinds[kind];
  return (ctx, { merchant, fields, now }) =>
    ctx.store.writeTransaction(() => {
      const mchid = merchant.mchid;
      const billno = requiredField(fields, 'mch_billno');
      const hash = v2RequestHash(fields);
      const openid = requiredField(fields, 're_openid');
      const amount = Number(requiredField(fields, 'total_amount'));
      const existing = ctx.store.redpacks.get({ mch_id: mchid, mch_billno: billno });
      if (existing !== undefined) {
        // Re-entry: the same request gets the same answer and the same packet; it is never paid twice.
        if (existing.kind === kind && existing.request_hash === hash) {
          return succeed({ send_listid: existing.send_listid, ...rules.sent(existing) });
        }
        return changedReentry(existing, kind, openid, amount);
      }

      const wxappid = requiredField(fields, 'wxappid');
      const appidProblem = appidRefusal(merchant, rules, wxappid);
      if (appidProblem !== undefined) return refuse(appidProblem);
      // The store keeps one appid per user (the seed registers its users under the red packet appid and pays them
      // through WeCom too), so the check is "a user of this merchant".
      if (!ctx.store.users.exists({ openid, mchid })) {
        return refuse({
          code: 'OPENID_ERROR',
          officialText: officialText.OPENID_ERROR,
          detail: 're_openid is not a user of this merchant',
        });
      }

      const overLimit = limitRefusal(ctx, merchant, openid, amount, now);
      if (overLimit !== undefined) return refuse(overLimit);

      // Expired packets have already credited their money back: the router settles what is due before any handler.
      // Nothing is recorded when the money is missing: after a top-up the same billno is a first send, not a re-entry.
      if (!debit(ctx.store, mchid, amount, { reason: 'redpack', reference: billno, at: now })) {
        return refuse({
          code: 'NOTENOUGH',
          officialText: officialText.NOTENOUGH,
          detail: 'merchant balance is too low: top up, then resend with the same mch_billno',
        });
      }
      const sendListid = newWechatNumber('redpack', now);
      const sendingSeconds = merchantSetting(merchant, sendingSecondsSetting, 0);
      const row: NewRow<'redpacks'> = {
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
        ...rules.columns(fields, merchant),
        status: sendingSeconds > 0 ? 'SENDING' : 'SENT',
        send_time: now,
        request_hash: hash,
        created_at: now,
      };
      ctx.store.redpacks.insert(row);
      countPayment(ctx, 'redpack', mchid, openid, amount, now);
      ctx.clock.due.expect(redpackLifeWork, now + (sendingSeconds > 0 ? sendingSeconds : redpackExpirySeconds));
      return succeed({
        send_listid: sendListid,
        ...rules.sent({
          sender_name: row.sender_name ?? null,
          sender_header_media_id: row.sender_header_media_id ?? null,
        }),
      });
    });
}

/**
 * A billno already used with other parameters, answered per the send endpoints' tables: a changed openid is
 * FATAL_ERROR, a changed amount has each endpoint's own answer. Other changes have no documented code; FATAL_ERROR
 * (the billno is taken by another request) is the closest, and safe: it never invites a second payout.
 */
function changedReentry(existing: RedpackRow, kind: RedpackKind, openid: string, amount: number): Outcome {
  const fatal = (detail: string): Outcome =>
    refuse({ code: 'FATAL_ERROR', officialText: officialText.FATAL_ERROR, detail });
  if (existing.kind !== kind) {
    return fatal(`mch_billno was already used for a ${existing.kind === 'WORKWX' ? 'WeCom' : 'normal'} red packet`);
  }
  if (existing.re_openid !== openid) {
    return fatal(
      're_openid differs from the first request with this mch_billno: resend it unchanged, or use a new billno',
    );
  }
  if (existing.total_amount !== amount) return refuse(kinds[kind].changedAmount);
  return fatal('mch_billno was already used with other parameters: a resend must repeat them');
}

/**
 * The appid rule of the send tables: an APP's appid is ILLEGAL_APPID; any other appid that is not the one bound to
 * the merchant for this kind of packet is PARAM_ERROR "商户号和wxappid不匹配".
 */
function appidRefusal(merchant: MerchantRow, rules: KindRules, wxappid: string): Refusal | undefined {
  if (wxappid === rules.boundAppid(merchant)) return undefined;
  if (wxappid === merchant.config.appids.app) {
    return {
      code: 'ILLEGAL_APPID',
      officialText: officialText.ILLEGAL_APPID,
      detail: 'wxappid is an APP appid: red packets are sent from an official account (or WeCom) appid',
    };
  }
  return {
    code: 'PARAM_ERROR',
    officialText: officialText.PARAM_ERROR_APPID,
    detail: `wxappid: not the ${rules.appidName} bound to mch_id`,
  };
}

/**
 * The first limit this packet would break, in the order of the error table: the packet's own amount, then the
 * day's totals (China calendar day of `now`) of the user and of the merchant, both read at once by key.
 */
function limitRefusal(
  ctx: SandboxContext,
  merchant: MerchantRow,
  openid: string,
  amount: number,
  now: number,
): Refusal | undefined {
  const limit = limitsOf(merchant, limits);
  if (amount < limit('minAmount') || amount > limit('maxAmount')) {
    return {
      code: 'MONEY_LIMIT',
      officialText: officialText.MONEY_LIMIT,
      detail: `total_amount must be within ${limit('minAmount')}..${limit('maxAmount')} fen for this merchant`,
    };
  }
  const { user, merchant: merchantTotal } = dayTotals(ctx, 'redpack', merchant.mchid, openid, now);
  if (user.count >= limit('userDailyCount')) {
    return {
      code: 'SENDNUM_LIMIT',
      officialText: officialText.SENDNUM_LIMIT,
      detail: `re_openid already got ${limit('userDailyCount')} red packets from this merchant today`,
    };
  }
  if (user.fen + amount > limit('userDailyAmount')) {
    return {
      code: 'RCVDAMOUNT_LIMIT',
      officialText: officialText.RCVDAMOUNT_LIMIT,
      detail: `re_openid may get at most ${limit('userDailyAmount')} fen a day from this merchant`,
    };
  }
  if (merchantTotal.fen + amount > limit('merchantDailyAmount')) {
    return {
      code: 'SENDAMOUNT_LIMIT',
      officialText: officialText.SENDAMOUNT_LIMIT,
      detail: `mch_id may send at most ${limit('merchantDailyAmount')} fen a day`,
    };
  }
  return undefined;
}

function queryHandler(kind: RedpackKind): V2Handler {
  return (ctx, { merchant, fields, now }) => {
    // The router settled whatever sandbox time made due, so the stored packet is as it is now.
    const row = ctx.store.redpacks.get({ mch_id: merchant.mchid, mch_billno: requiredField(fields, 'mch_billno') });
    const notFound = (detail: string): Outcome =>
      refuse({ code: 'NOT_FOUND', officialText: '指定单号数据不存在', detail });
    // Another merchant's billno, or a packet of the other kind, is not there for this query.
    if (row === undefined || row.kind !== kind) return notFound('no red packet with this mch_billno');
    if (now - row.send_time > redpackQueryWindowSeconds) {
      return notFound('red packets can be queried for 30 days after sending');
    }
    if (requiredField(fields, 'appid') !== row.wxappid) {
      return refuse({
        code: 'PARAM_ERROR',
        officialText: '参数错误',
        detail: 'appid: not the appid the red packet was sent with',
      });
    }
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

// ---- The life of a packet, as sandbox time passes: a job of the clock's registry of due work (src/due-work.ts).

/** The name the life of red packets is registered under in `clock.due`. */
export const redpackLifeWork = 'red packet life';

/** The registry's job: moves on every packet that is due, then says when the next one is. */
export function redpackLifeJob(ctx: SandboxContext): DueJob {
  return (now) => {
    settleRedpacks(ctx, now);
    return nextRedpackStep(ctx);
  };
}

/**
 * Brings every packet whose next step is due up to sandbox time: SENDING ones become SENT, unopened ones expire,
 * expired ones are refunded with the money back in the balance. Returns how many packets changed.
 */
export function settleRedpacks(ctx: SandboxContext, now = ctx.clock.nowSeconds()): number {
  const sendingSeconds = sendingSecondsOf(ctx);
  // Only packets whose next step may be due are read (the `status, send_time` index), so settling stays cheap
  // however many packets wait. SENDING ones are few (only with settings.sendingSeconds) and are all looked at.
  const dueSince: readonly (readonly [RedpackStatus, number])[] = [
    ['SENDING', now],
    ['SENT', now - redpackExpirySeconds],
    ['RFUND_ING', now - redpackExpirySeconds - redpackRefundingSeconds],
  ];
  const moves = dueSince.flatMap(([status, sentBy]) =>
    ctx.store
      .statement<[RedpackStatus, number], RedpackRow>(
        'SELECT * FROM redpacks WHERE status = ? AND send_time <= ? ORDER BY send_time',
      )
      // redpacks has no JSON columns, so its rows come back from SQLite exactly as the typed table would give them.
      .all(status, sentBy)
      .flatMap((row) => {
        const changes = lifeChanges(row, now, sendingSeconds(row.mch_id));
        return changes === undefined ? [] : [{ row, changes }];
      }),
  );
  // Nothing due, nothing to lock: the background timer asks often.
  if (moves.length === 0) return 0;
  return ctx.store.writeTransaction(() => {
    let changed = 0;
    for (const { row, changes } of moves) if (moveOn(ctx, row, changes)) changed++;
    return changed;
  });
}

/** When the next packet moves on (unix seconds, sandbox time), or undefined when every packet is at rest. */
function nextRedpackStep(ctx: SandboxContext): number | undefined {
  const earliest = (status: RedpackStatus): number | null =>
    ctx.store
      .statement<[RedpackStatus], { first: number | null }>(
        'SELECT MIN(send_time) AS first FROM redpacks WHERE status = ?',
      )
      .get(status)?.first ?? null;
  const moments: number[] = [];
  const sent = earliest('SENT');
  if (sent !== null) moments.push(sent + redpackExpirySeconds);
  const refunding = earliest('RFUND_ING');
  if (refunding !== null) moments.push(refunding + redpackExpirySeconds + redpackRefundingSeconds);
  // SENDING lasts as long as each merchant's own setting says.
  const sendingSeconds = sendingSecondsOf(ctx);
  const sending = ctx.store
    .statement<[RedpackStatus], { mch_id: string; first: number }>(
      'SELECT mch_id, MIN(send_time) AS first FROM redpacks WHERE status = ? GROUP BY mch_id',
    )
    .all('SENDING');
  for (const { mch_id, first } of sending) moments.push(first + sendingSeconds(mch_id));
  return moments.length === 0 ? undefined : Math.min(...moments);
}

/** Each merchant's SENDING time, looked up once per merchant (the config is JSON worth parsing only once). */
function sendingSecondsOf(ctx: SandboxContext): (mchid: string) => number {
  const known = new Map<string, number>();
  return (mchid) => {
    let seconds = known.get(mchid);
    if (seconds === undefined) {
      const merchant = ctx.store.merchants.get({ mchid });
      seconds = merchant === undefined ? 0 : merchantSetting(merchant, sendingSecondsSetting, 0);
      known.set(mchid, seconds);
    }
    return seconds;
  };
}

/** Writes what `row` has become; true when it moved on. */
function moveOn(ctx: SandboxContext, row: RedpackRow, changes: Partial<RedpackRow>): boolean {
  // Guarded by the status read: when another process settled the packet first, nothing changes here, so the
  // refund is credited exactly once.
  const updated = ctx.store.redpacks.update(
    { mch_id: row.mch_id, mch_billno: row.mch_billno, status: row.status },
    changes,
  );
  if (updated === 1 && changes.status === 'REFUND') {
    credit(ctx.store, row.mch_id, row.total_amount, {
      reason: 'redpack_refund',
      reference: row.mch_billno,
      at: changes.refund_time ?? row.send_time,
    });
  }
  return updated === 1;
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
