// Coupons (APIv2; withdrawn by WeChat in 2020 but documented): querying a stock, sending one of its coupons to a user
// (idempotent by partner_trade_no), and querying a coupon. Replies carry every field the (older, fuller) official
// tables mark required, with their times as yyyyMMddHHmmss; sources in docs/endpoints.md, the coupons' sections.
import { formatCompactChinaTime } from '../clock.js';
import type { SandboxContext } from '../context.js';
import { newWechatNumber } from '../ids.js';
import { v2RequestHash } from '../request-hash.js';
import type { CouponStockRow, MerchantRow } from '../store.js';
import { type Refusal, refuse } from './refusals.js';
import { type Outcome, type ReplyFields, requiredField, succeed, type V2Request } from './reply.js';

/** A coupon failure: its description in err_code_des, no return_msg (src/v2/refusals.ts). */
function refuseCoupon(refusal: Refusal, fields?: ReplyFields): Outcome {
  return refuse(refusal, fields, 'coupon');
}

/**
 * `coupon_state` as the coupon query reports it: 2 activated (usable), 4 locked (held by an order being paid),
 * 8 spent. Public sources disagree on these values; the sandbox follows the numeric reading of the query's docs.
 */
export const couponStates = { usable: '2', locked: '4', spent: '8' } as const;

/** Only activated stocks hand out coupons. */
const activated = 4;

type Fields = Readonly<Record<string, string>>;

/** `coupon_stock_type` 1 (批量型, batch) or 2 (触发型, triggered): stocks send_coupon hands out from are batches. */
const batchStock = '1';
/** `send_source` NORMAL (普通发劵): a coupon sent through send_coupon. */
const sentByApi = 'NORMAL';

/** The coupon query tables' times: yyyyMMddHHmmss, China time. */
function couponTime(seconds: number): string;
function couponTime(seconds: number | null): string | undefined;
function couponTime(seconds: number | null): string | undefined {
  return seconds === null ? undefined : formatCompactChinaTime(seconds * 1000);
}

/** `coupon_type`: 1 no minimum (无门槛), 2 a minimum, not combinable (有门槛互斥); the sandbox has no combinable kind. */
function couponType(stock: CouponStockRow): string {
  return stock.minimum > 0 ? '2' : '1';
}

/** The stock's name, required in the coupon query: the sandbox names an unnamed stock after its value. */
function couponName(stock: CouponStockRow): string {
  return stock.name ?? `${yuan(stock.value)}元代金券`;
}

/** `coupon_desc`, required in the coupon query: what the coupon takes off and from what order amount. */
function couponDesc(stock: CouponStockRow): string {
  const off = `减${yuan(stock.value)}元`;
  return stock.minimum > 0 ? `满${yuan(stock.minimum)}元${off}` : `无门槛${off}`;
}

function yuan(fen: number): string {
  return fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2);
}

export function queryCouponStock(ctx: SandboxContext, { merchant, fields }: V2Request): Outcome {
  const found = lookupStock(ctx, merchant, fields, 'coupon_stock_id');
  if ('problem' in found) return refuseCoupon(found.problem);
  const stock = found.stock;
  const inState = (state: string): string =>
    String(ctx.store.coupons.count({ coupon_stock_id: stock.coupon_stock_id, state }));
  return succeed({
    coupon_stock_id: stock.coupon_stock_id,
    coupon_name: stock.name ?? undefined,
    coupon_value: String(stock.value),
    // WeChat's spelling.
    coupon_mininumn: String(stock.minimum),
    coupon_type: couponType(stock),
    coupon_stock_status: String(stock.status),
    coupon_total: String(stock.total),
    max_quota: String(stock.max_quota),
    locked_num: inState(couponStates.locked),
    used_num: inState(couponStates.spent),
    is_send_num: String(stock.sent),
    begin_time: couponTime(stock.begin_time),
    end_time: couponTime(stock.end_time),
    create_time: couponTime(stock.create_time),
    coupon_budget: String(stock.budget),
  });
}

/**
 * send_coupon's report of its one openid, on failures too (the router's front-door failures use it as well): coupon_id
 * and ret_msg are then "" (empty string, as the table says), not left out.
 */
export function sendCouponResult(fields: Fields, couponId: string, problem?: Refusal): ReplyFields {
  return {
    coupon_stock_id: fields.coupon_stock_id ?? '',
    resp_count: '1',
    success_count: problem ? '0' : '1',
    failed_count: problem ? '1' : '0',
    openid: fields.openid ?? '',
    ret_code: problem ? 'FAILED' : 'SUCCESS',
    coupon_id: couponId,
    ret_msg: problem ? (problem.officialText ?? problem.detail) : '',
  };
}

/**
 * Sends one coupon. The openid is not looked up: the coupon docs name no code for an unknown user, and the seed
 * examples send to openids the sandbox has never seen. An empty one is OPEN_ID_EMPTY.
 */
export function sendCoupon(ctx: SandboxContext, { merchant, fields, now }: V2Request): Outcome {
  const openid = fields.openid ?? '';
  const result = (couponId: string, problem?: Refusal): ReplyFields => sendCouponResult(fields, couponId, problem);
  const refused = (problem: Refusal): Outcome => refuseCoupon(problem, result('', problem));
  if (openid === '') {
    return refused({ code: 'OPEN_ID_EMPTY', officialText: '用户openid为空', detail: 'openid: required' });
  }

  return ctx.store.writeTransaction(() => {
    const mchid = merchant.mchid;
    const partnerTradeNo = requiredField(fields, 'partner_trade_no');
    const hash = v2RequestHash(fields);
    const existing = ctx.store.coupons.get({ mchid, partner_trade_no: partnerTradeNo });
    if (existing !== undefined) {
      // Re-entry gets the coupon it got the first time. Another request under the same number is the caller's
      // mistake; the docs name no code for it, so it is a PARAM_ERROR naming the field.
      if (existing.request_hash === hash) return succeed(result(existing.coupon_id));
      return refused({
        code: 'PARAM_ERROR',
        officialText: '校验参数错误',
        detail: 'partner_trade_no: already used with other parameters',
      });
    }

    const found = lookupStock(ctx, merchant, fields, 'coupon_stock_id');
    if ('problem' in found) return refused(found.problem);
    const stock = found.stock;
    if (stock.status !== activated || now < stock.begin_time || now > stock.end_time) {
      return refused({
        code: 'STOCK_IS_NOT_VALID',
        officialText: '抱歉，该代金券已失效',
        detail: 'the coupon stock is not activated or not within its dates',
      });
    }
    if (stock.sent >= stock.total) {
      return refused({
        code: 'AL_STOCK_OVER',
        officialText: '活动已结束',
        detail: 'every coupon of the stock was sent',
      });
    }
    const held = ctx.store.coupons.count({ coupon_stock_id: stock.coupon_stock_id, openid });
    if (stock.max_quota > 0 && held >= stock.max_quota) {
      return refused({
        code: 'USER_AL_GET_COUPON',
        officialText: '你已领取过该代金券',
        detail: `openid already got ${stock.max_quota} coupons of this stock`,
      });
    }

    const couponId = newWechatNumber('coupon', now);
    ctx.store.coupons.insert({
      coupon_id: couponId,
      coupon_stock_id: stock.coupon_stock_id,
      mchid,
      appid: stock.appid,
      openid,
      partner_trade_no: partnerTradeNo,
      request_hash: hash,
      state: couponStates.usable,
      value: stock.value,
      send_time: now,
    });
    ctx.store.couponStocks.update({ coupon_stock_id: stock.coupon_stock_id }, { sent: stock.sent + 1 });
    return succeed(result(couponId));
  });
}

/**
 * A coupon by id, owner and stock. An unknown stock is COUPON_STOCK_NOT_FOUND; an unknown coupon, or one of another
 * user or stock, is COUPON_NOT_FOUND ("券没有查找成功: 确认券id、用户openid的正确性").
 */
export function queryCouponsInfo(ctx: SandboxContext, { merchant, fields }: V2Request): Outcome {
  const found = lookupStock(ctx, merchant, fields, 'stock_id');
  if ('problem' in found) return refuseCoupon(found.problem);
  const stock = found.stock;
  const coupon = ctx.store.coupons.get({ coupon_id: requiredField(fields, 'coupon_id'), mchid: merchant.mchid });
  if (coupon === undefined || coupon.openid !== fields.openid || coupon.coupon_stock_id !== stock.coupon_stock_id) {
    return refuseCoupon({
      code: 'COUPON_NOT_FOUND',
      officialText: '券没有查找成功',
      detail: 'no coupon with this coupon_id for this openid and stock_id',
    });
  }
  const spent = coupon.state === couponStates.spent;
  return succeed({
    coupon_stock_id: stock.coupon_stock_id,
    coupon_stock_type: batchStock,
    coupon_id: coupon.coupon_id,
    coupon_value: String(coupon.value),
    // This reply's spelling (the stock query's is coupon_mininumn).
    coupon_mininum: String(stock.minimum),
    coupon_name: couponName(stock),
    coupon_state: coupon.state,
    coupon_type: couponType(stock),
    coupon_desc: couponDesc(stock),
    coupon_use_value: spent ? String(coupon.value) : '0',
    coupon_remain_value: spent ? '0' : String(coupon.value),
    begin_time: couponTime(stock.begin_time),
    end_time: couponTime(stock.end_time),
    send_time: couponTime(coupon.send_time),
    use_time: couponTime(coupon.use_time),
    trade_no: coupon.trade_no ?? undefined,
    consumer_mch_id: coupon.trade_no === null ? undefined : coupon.mchid,
    send_source: sentByApi,
    is_partial_use: '0',
  });
}

/**
 * The merchant's stock named by `idField`, or the refusal: COUPON_STOCK_ID_NOT_VALID for an id that is not one
 * ("确认批次id正确性以及和商户id的所属关系") — not digits, or another merchant's stock — COUPON_STOCK_NOT_FOUND for
 * an id no stock has.
 */
function lookupStock(
  ctx: SandboxContext,
  merchant: MerchantRow,
  fields: Fields,
  idField: string,
): { stock: CouponStockRow } | { problem: Refusal } {
  const id = requiredField(fields, idField);
  const notValid = (detail: string) => ({
    problem: { code: 'COUPON_STOCK_ID_NOT_VALID', officialText: '批次id不正确', detail },
  });
  if (!/^[0-9]{1,32}$/.test(id)) return notValid(`${idField}: digits only`);
  const stock = ctx.store.couponStocks.get({ coupon_stock_id: id });
  if (stock === undefined) {
    return {
      problem: { code: 'COUPON_STOCK_NOT_FOUND', officialText: '批次信息不存在', detail: `${idField}: no such stock` },
    };
  }
  if (stock.mchid !== merchant.mchid) return notValid(`${idField}: a stock of another merchant`);
  if (requiredField(fields, 'appid') !== stock.appid) {
    return {
      problem: {
        code: 'PARAM_ERROR',
        officialText: '校验参数错误',
        detail: 'appid: not the appid of the coupon stock',
      },
    };
  }
  return { stock };
}
