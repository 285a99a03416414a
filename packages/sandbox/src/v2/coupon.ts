// Coupons (APIv2; withdrawn by WeChat in 2020 but documented): querying a stock, sending one of its coupons to a user
// (idempotent by partner_trade_no), and querying a coupon.
import { formatChinaTime, formatCompactChinaTime } from '../clock.js';
import type { SandboxContext } from '../context.js';
import type { CouponStockRow, MerchantRow } from '../store.js';
import {
  fail,
  newWechatId,
  type Outcome,
  type ReplyFields,
  requestHash,
  requiredField,
  succeed,
  type V2Request,
  writeTransaction,
} from './reply.js';

/**
 * `coupon_state` as the coupon query reports it: 2 activated (usable), 4 locked (held by an order being paid),
 * 8 spent. Public sources disagree on these values; the sandbox follows the numeric reading of the query's docs.
 */
export const couponStates = { usable: '2', locked: '4', spent: '8' } as const;

/** Only activated stocks hand out coupons. */
const activated = 4;

type Fields = Readonly<Record<string, string>>;
type Problem = { code: string; des: string };

export function queryCouponStock(ctx: SandboxContext, { merchant, fields }: V2Request): Outcome {
  const found = lookupStock(ctx, merchant, fields, 'coupon_stock_id');
  if ('problem' in found) return fail(found.problem.code, found.problem.des);
  const stock = found.stock;
  const time = (seconds: number): string => formatChinaTime(seconds * 1000);
  const compact = (seconds: number): string => formatCompactChinaTime(seconds * 1000);
  return succeed({
    coupon_stock_id: stock.coupon_stock_id,
    coupon_name: stock.name ?? undefined,
    coupon_value: String(stock.value),
    // WeChat's spelling.
    coupon_mininumn: String(stock.minimum),
    coupon_stock_status: String(stock.status),
    coupon_total: String(stock.total),
    max_quota: String(stock.max_quota),
    is_send_num: String(stock.sent),
    begin_time: time(stock.begin_time),
    end_time: time(stock.end_time),
    create_time: time(stock.create_time),
    coupon_budget: String(stock.budget),
    begin_time_t: compact(stock.begin_time),
    end_time_t: compact(stock.end_time),
    create_time_t: compact(stock.create_time),
  });
}

/**
 * Sends one coupon. The openid is not looked up: the coupon docs name no code for an unknown user, and the seed
 * examples send to openids the sandbox has never seen.
 */
export function sendCoupon(ctx: SandboxContext, { merchant, fields, now }: V2Request): Outcome {
  const openid = requiredField(fields, 'openid');
  // The reply reports each openid's result (ret_code), on failures too.
  const result = (couponId: string | undefined, problem?: Problem): ReplyFields => ({
    coupon_stock_id: requiredField(fields, 'coupon_stock_id'),
    resp_count: '1',
    success_count: problem ? '0' : '1',
    failed_count: problem ? '1' : '0',
    openid,
    ret_code: problem ? 'FAILED' : 'SUCCESS',
    coupon_id: couponId,
    ret_msg: problem ? problem.des : '',
  });
  const refuse = (problem: Problem): Outcome => fail(problem.code, problem.des, result(undefined, problem));

  return writeTransaction(ctx, () => {
    const mchid = merchant.mchid;
    const partnerTradeNo = requiredField(fields, 'partner_trade_no');
    const hash = requestHash(fields);
    const existing = ctx.store.coupons.get({ mchid, partner_trade_no: partnerTradeNo });
    if (existing !== undefined) {
      // Re-entry gets the coupon it got the first time. Another request under the same number is the caller's
      // mistake; the docs name no code for it, so it is a PARAM_ERROR naming the field.
      if (existing.request_hash === hash) return succeed(result(existing.coupon_id));
      return refuse({ code: 'PARAM_ERROR', des: 'partner_trade_no: already used with other parameters' });
    }

    const found = lookupStock(ctx, merchant, fields, 'coupon_stock_id');
    if ('problem' in found) return refuse(found.problem);
    const stock = found.stock;
    if (stock.status !== activated || now < stock.begin_time || now > stock.end_time) {
      return refuse({ code: 'STOCK_IS_NOT_VALID', des: 'the coupon stock is not activated or not within its dates' });
    }
    if (stock.sent >= stock.total) return refuse({ code: 'AL_STOCK_OVER', des: 'every coupon of the stock was sent' });
    const held = ctx.store.coupons.count({ coupon_stock_id: stock.coupon_stock_id, openid });
    if (stock.max_quota > 0 && held >= stock.max_quota) {
      return refuse({ code: 'USER_AL_GET_COUPON', des: `openid already got ${stock.max_quota} coupons of this stock` });
    }

    const couponId = newWechatId('1000000001', now);
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
 * A coupon by id, owner and stock. An unknown stock is COUPON_STOCK_NOT_FOUND (documented); an unknown coupon, or one
 * of another user or stock, is NOT_FOUND, a code the coupon docs do not list (the SDK treats it as "unknown", which
 * for a query is harmless).
 */
export function queryCouponsInfo(ctx: SandboxContext, { merchant, fields }: V2Request): Outcome {
  const found = lookupStock(ctx, merchant, fields, 'stock_id');
  if ('problem' in found) return fail(found.problem.code, found.problem.des);
  const stock = found.stock;
  const coupon = ctx.store.coupons.get({ coupon_id: requiredField(fields, 'coupon_id'), mchid: merchant.mchid });
  if (coupon === undefined || coupon.openid !== fields.openid || coupon.coupon_stock_id !== stock.coupon_stock_id) {
    return fail('NOT_FOUND', 'no coupon with this coupon_id for this openid and stock_id');
  }
  // The coupon query's docs write times as yyyyMMddHHmmss.
  const compact = (seconds: number | null): string | undefined =>
    seconds === null ? undefined : formatCompactChinaTime(seconds * 1000);
  const spent = coupon.state === couponStates.spent;
  return succeed({
    coupon_stock_id: stock.coupon_stock_id,
    coupon_id: coupon.coupon_id,
    coupon_name: stock.name ?? undefined,
    coupon_value: String(coupon.value),
    // This reply's spelling (the stock query's is coupon_mininumn).
    coupon_mininum: String(stock.minimum),
    coupon_state: coupon.state,
    coupon_use_value: spent ? String(coupon.value) : '0',
    coupon_remain_value: spent ? '0' : String(coupon.value),
    is_partial_use: '0',
    begin_time: compact(stock.begin_time),
    end_time: compact(stock.end_time),
    send_time: compact(coupon.send_time),
    use_time: compact(coupon.use_time),
    trade_no: coupon.trade_no ?? undefined,
    consumer_mch_id: coupon.trade_no === null ? undefined : coupon.mchid,
  });
}

/** The merchant's stock named by `idField`, or the problem with it. */
function lookupStock(
  ctx: SandboxContext,
  merchant: MerchantRow,
  fields: Fields,
  idField: string,
): { stock: CouponStockRow } | { problem: Problem } {
  const id = requiredField(fields, idField);
  if (!/^[0-9]{1,32}$/.test(id)) {
    return { problem: { code: 'COUPON_STOCK_ID_NOT_VALID', des: `${idField}: digits only` } };
  }
  const stock = ctx.store.couponStocks.get({ coupon_stock_id: id, mchid: merchant.mchid });
  if (stock === undefined) return { problem: { code: 'COUPON_STOCK_NOT_FOUND', des: `${idField}: no such stock` } };
  if (requiredField(fields, 'appid') !== stock.appid) {
    return { problem: { code: 'PARAM_ERROR', des: 'appid: not the appid of the coupon stock' } };
  }
  return { stock };
}
