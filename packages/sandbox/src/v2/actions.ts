// Admin actions on the APIv2 state, for the sandbox's admin API: list and open red packets, top up a merchant's
// balance, create and list coupon stocks. Failures are AdminErrors (no such thing, wrong state, bad input) whose
// message says what to fix.
import { invalidInput, invalidState, notFound } from '../admin-error.js';
import { formatChinaTime } from '../clock.js';
import type { SandboxContext } from '../context.js';
import { newCouponStockId } from '../ids.js';
import { balanceOf, credit } from '../ledger.js';
import type { CouponStockRow, CouponStockStatus, MerchantRow, RedpackRow, RedpackStatus } from '../store.js';

/** Moves on every red packet that sandbox time made due (also run by the clock's registry of due work). */
export { settleRedpacks } from './redpack.js';

/** A red packet as the admin API shows it; times are `yyyy-MM-dd HH:mm:ss` China time, as the APIs write them. */
export interface RedpackView {
  mch_billno: string;
  mch_id: string;
  kind: RedpackRow['kind'];
  wxappid: string;
  re_openid: string;
  total_amount: number;
  status: RedpackStatus;
  send_listid: string;
  detail_id: string;
  send_time: string;
  rcv_time: string | null;
  refund_time: string | null;
  refund_amount: number | null;
}

const redpackStatuses: readonly RedpackStatus[] = ['SENDING', 'SENT', 'RECEIVED', 'RFUND_ING', 'REFUND', 'FAILED'];

/** Red packets, newest first, brought up to sandbox time first (expired ones refunded). */
export function listRedpacks(ctx: SandboxContext, filter: { mchid?: string; status?: string } = {}): RedpackView[] {
  const { mchid, status } = filter;
  if (status !== undefined && !isRedpackStatus(status)) {
    throw invalidInput(`status must be one of ${redpackStatuses.join(', ')}`);
  }
  ctx.clock.due.settle();
  return ctx.store.redpacks
    .list({ mch_id: mchid, status }, { orderBy: 'created_at', descending: true })
    .map(redpackView);
}

/** The recipient opens the packet: SENT -> RECEIVED at sandbox time. Any other status is refused. */
export function openRedpack(ctx: SandboxContext, which: { mchid: string; mch_billno: string }): RedpackView {
  const key = { mch_id: which.mchid, mch_billno: which.mch_billno };
  // An expired packet must be seen as expired, not opened.
  ctx.clock.due.settle();
  return ctx.store.writeTransaction(() => {
    const row = ctx.store.redpacks.get(key);
    if (row === undefined) throw notFound(`merchant ${which.mchid} has no red packet ${which.mch_billno}`);
    if (row.status !== 'SENT') {
      throw invalidState(`red packet ${which.mch_billno} is ${row.status}: only a SENT packet can be opened`);
    }
    ctx.store.redpacks.update({ ...key, status: 'SENT' }, { status: 'RECEIVED', rcv_time: ctx.clock.nowSeconds() });
    const opened = ctx.store.redpacks.get(key);
    if (opened === undefined) throw new Error(`red packet ${which.mch_billno} vanished while being opened`);
    return redpackView(opened);
  });
}

/** Adds money for red packets and payouts; returns the new balance (fen). */
export function topUp(ctx: SandboxContext, mchid: string, amountFen: number): { mchid: string; balance: number } {
  if (!Number.isSafeInteger(amountFen) || amountFen <= 0) {
    throw invalidInput('amountFen must be a whole number of fen > 0');
  }
  return ctx.store.writeTransaction(() => {
    merchantOrThrow(ctx, mchid);
    credit(ctx.store, mchid, amountFen);
    return { mchid, balance: balanceOf(ctx.store, mchid) ?? 0 };
  });
}

/** A coupon stock to create. Money in fen, times in unix seconds. */
export interface CouponStockInput {
  mchid: string;
  /** Digits; generated when absent. */
  coupon_stock_id?: string;
  /** Defaults to the merchant's `coupon` appid. */
  appid?: string;
  name?: string;
  /** Face value of each coupon. */
  value: number;
  /** Minimum order amount for a coupon to apply; default 0. */
  minimum?: number;
  /** How many coupons the stock holds. */
  total: number;
  /** Coupons one user may get; 0 is unlimited. Default 1, the usual setting for a promotion. */
  max_quota?: number;
  /** Default value x total. */
  budget?: number;
  /** Default 4 (activated), so the stock can be sent from at once. */
  status?: number;
  /** Default: now. */
  begin_time?: number;
  /** Default: 30 days after begin_time. */
  end_time?: number;
}

/** A coupon stock as the admin API shows it; times are `yyyy-MM-dd HH:mm:ss` China time. */
export interface CouponStockView {
  coupon_stock_id: string;
  mchid: string;
  appid: string;
  name: string | null;
  value: number;
  minimum: number;
  status: CouponStockStatus;
  total: number;
  max_quota: number;
  sent: number;
  budget: number;
  begin_time: string;
  end_time: string;
  create_time: string;
}

const stockStatuses: readonly CouponStockStatus[] = [1, 2, 4, 8, 16];

export function createCouponStock(ctx: SandboxContext, input: CouponStockInput): CouponStockView {
  const merchant = merchantOrThrow(ctx, input.mchid);
  const appid = input.appid ?? merchant.config.appids.coupon;
  if (appid === undefined || appid === '')
    throw invalidInput(`appid is required: merchant ${input.mchid} has no coupon appid`);
  const value = wholeNumber('value', input.value, 1);
  const total = wholeNumber('total', input.total, 1);
  const status = input.status ?? 4;
  if (!isStockStatus(status)) throw invalidInput(`status must be one of ${stockStatuses.join(', ')}`);
  const now = ctx.clock.nowSeconds();
  const beginTime = wholeNumber('begin_time', input.begin_time ?? now, 0);
  const endTime = wholeNumber('end_time', input.end_time ?? beginTime + 30 * 24 * 60 * 60, 0);
  if (endTime <= beginTime) throw invalidInput('end_time must be after begin_time');
  if (input.coupon_stock_id !== undefined && !/^[0-9]{1,32}$/.test(input.coupon_stock_id)) {
    throw invalidInput('coupon_stock_id must be 1 to 32 digits');
  }
  return ctx.store.writeTransaction(() => {
    const id = input.coupon_stock_id ?? unusedStockId(ctx);
    if (ctx.store.couponStocks.get({ coupon_stock_id: id }) !== undefined) {
      throw invalidState(`coupon stock ${id} already exists`);
    }
    ctx.store.couponStocks.insert({
      coupon_stock_id: id,
      mchid: merchant.mchid,
      appid,
      name: input.name ?? null,
      value,
      minimum: wholeNumber('minimum', input.minimum ?? 0, 0),
      status,
      total,
      max_quota: wholeNumber('max_quota', input.max_quota ?? 1, 0),
      budget: wholeNumber('budget', input.budget ?? value * total, 0),
      begin_time: beginTime,
      end_time: endTime,
      create_time: now,
    });
    const created = ctx.store.couponStocks.get({ coupon_stock_id: id });
    if (created === undefined) throw new Error(`coupon stock ${id} was not stored`);
    return stockView(created);
  });
}

export function listCouponStocks(ctx: SandboxContext, filter: { mchid?: string } = {}): CouponStockView[] {
  return ctx.store.couponStocks.list({ mchid: filter.mchid }, { orderBy: 'create_time' }).map(stockView);
}

function redpackView(row: RedpackRow): RedpackView {
  return {
    mch_billno: row.mch_billno,
    mch_id: row.mch_id,
    kind: row.kind,
    wxappid: row.wxappid,
    re_openid: row.re_openid,
    total_amount: row.total_amount,
    status: row.status,
    send_listid: row.send_listid,
    detail_id: row.detail_id,
    send_time: chinaTime(row.send_time),
    rcv_time: row.rcv_time === null ? null : chinaTime(row.rcv_time),
    refund_time: row.refund_time === null ? null : chinaTime(row.refund_time),
    refund_amount: row.refund_amount,
  };
}

function stockView(row: CouponStockRow): CouponStockView {
  return {
    coupon_stock_id: row.coupon_stock_id,
    mchid: row.mchid,
    appid: row.appid,
    name: row.name,
    value: row.value,
    minimum: row.minimum,
    status: row.status,
    total: row.total,
    max_quota: row.max_quota,
    sent: row.sent,
    budget: row.budget,
    begin_time: chinaTime(row.begin_time),
    end_time: chinaTime(row.end_time),
    create_time: chinaTime(row.create_time),
  };
}

function chinaTime(seconds: number): string {
  return formatChinaTime(seconds * 1000);
}

function merchantOrThrow(ctx: SandboxContext, mchid: string): MerchantRow {
  const merchant = ctx.store.merchants.get({ mchid });
  if (merchant === undefined) throw notFound(`no merchant ${mchid}`);
  return merchant;
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw invalidInput(`${name} must be a whole number >= ${min}`);
  return value;
}

/** A new stock id, drawn until one is free. */
function unusedStockId(ctx: SandboxContext): string {
  for (;;) {
    const id = newCouponStockId();
    if (ctx.store.couponStocks.get({ coupon_stock_id: id }) === undefined) return id;
  }
}

function isRedpackStatus(value: string): value is RedpackStatus {
  return (redpackStatuses as readonly string[]).includes(value);
}

function isStockStatus(value: number): value is CouponStockStatus {
  return (stockStatuses as readonly number[]).includes(value);
}
