// Admin actions on the APIv2 state, for the sandbox's admin API: list and open red packets, list pay-to-staff payments
// and sent coupons, top up a merchant's balance, create and list coupon stocks. Failures are AdminErrors (no such
// thing, wrong state, bad input) whose message says what to fix.
import { invalidInput, invalidState, notFound } from '../admin-error.js';
import { formatChinaTime } from '../clock.js';
import type { SandboxContext } from '../context.js';
import { newCouponStockId } from '../ids.js';
import { balanceOf, credit } from '../ledger.js';
import type {
  CouponRow,
  CouponStockRow,
  CouponStockStatus,
  MerchantRow,
  PocketPaymentRow,
  RedpackKind,
  RedpackRow,
  RedpackStatus,
} from '../store.js';

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
const redpackKinds: readonly RedpackKind[] = ['NORMAL', 'WORKWX'];

/** Which red packets to list; `kind` NORMAL is sendredpack, WORKWX is sendworkwxredpack. */
export interface RedpackFilter {
  mchid?: string;
  status?: string;
  kind?: string;
}

/** Red packets, newest first (also within one second), brought up to sandbox time first. */
export function listRedpacks(ctx: SandboxContext, filter: RedpackFilter = {}): RedpackView[] {
  const { mchid, status, kind } = filter;
  if (status !== undefined && !isOneOf(redpackStatuses, status)) {
    throw invalidInput(`status must be one of ${redpackStatuses.join(', ')}`);
  }
  if (kind !== undefined && !isOneOf(redpackKinds, kind)) {
    throw invalidInput(`kind must be one of ${redpackKinds.join(', ')}`);
  }
  ctx.clock.due.settle();
  return newestFirst<RedpackRow>(ctx, 'redpacks', 'created_at', { mch_id: mchid, status, kind }).map(redpackView);
}

/**
 * A WeCom pay-to-staff payment (promotion/paywwsptrans2pocket) as the admin API shows it; `payment_time` as the reply
 * wrote it (`yyyy-MM-dd HH:mm:ss`, China time). `openid` and `amount` are null only on payments made by a sandbox
 * older than schema version 3, which did not keep them.
 */
export interface PocketPaymentView {
  mchid: string;
  partner_trade_no: string;
  openid: string | null;
  amount: number | null;
  payment_no: string;
  payment_time: string;
}

/** Pay-to-staff payments, newest first (also within one second). */
export function listPocketPayments(ctx: SandboxContext, filter: { mchid?: string } = {}): PocketPaymentView[] {
  const rows = newestFirst<PocketPaymentRow>(ctx, 'pocket_payments', 'payment_time', { mchid: filter.mchid });
  return rows.map((row) => ({
    mchid: row.mchid,
    partner_trade_no: row.partner_trade_no,
    openid: row.openid,
    amount: row.amount,
    payment_no: row.payment_no,
    payment_time: chinaTime(row.payment_time),
  }));
}

/** A coupon sent by send_coupon, as the admin API shows it; times `yyyy-MM-dd HH:mm:ss` China time. */
export interface CouponView {
  mchid: string;
  partner_trade_no: string;
  coupon_id: string;
  coupon_stock_id: string;
  openid: string;
  appid: string;
  /** Face value, fen. */
  value: number;
  /** `coupon_state` as the coupon query reports it: 2 usable, 4 locked by an order, 8 spent. */
  state: string;
  send_time: string;
  use_time: string | null;
  /** The order the coupon was spent on. */
  trade_no: string | null;
}

/** Sent coupons, newest first (also within one second). */
export function listCoupons(ctx: SandboxContext, filter: { mchid?: string; openid?: string } = {}): CouponView[] {
  const rows = newestFirst<CouponRow>(ctx, 'coupons', 'send_time', { mchid: filter.mchid, openid: filter.openid });
  return rows.map((row) => ({
    mchid: row.mchid,
    partner_trade_no: row.partner_trade_no,
    coupon_id: row.coupon_id,
    coupon_stock_id: row.coupon_stock_id,
    openid: row.openid,
    appid: row.appid,
    value: row.value,
    state: row.state,
    send_time: chinaTime(row.send_time),
    use_time: row.use_time === null ? null : chinaTime(row.use_time),
    trade_no: row.trade_no,
  }));
}

/**
 * The rows of `table` matching every given column, newest `timeColumn` first; rows of the same second newest-inserted
 * first (rowid), so two listings of the same state are in the same order and can be compared row for row. Table
 * and column names are the callers' constants, never input.
 */
function newestFirst<R>(
  ctx: SandboxContext,
  table: string,
  timeColumn: string,
  where: Readonly<Record<string, string | undefined>>,
): R[] {
  const tests: string[] = [];
  const params: string[] = [];
  for (const [column, value] of Object.entries(where)) {
    if (value === undefined) continue;
    tests.push(`${column} = ?`);
    params.push(value);
  }
  const clause = tests.length === 0 ? '' : ` WHERE ${tests.join(' AND ')}`;
  const sql = `SELECT * FROM ${table}${clause} ORDER BY ${timeColumn} DESC, rowid DESC`;
  return ctx.store.statement<string[], R>(sql).all(...params);
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
    credit(ctx.store, mchid, amountFen, { reason: 'top_up', reference: '', at: ctx.clock.nowSeconds() });
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

function isOneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}

function isStockStatus(value: number): value is CouponStockStatus {
  return (stockStatuses as readonly number[]).includes(value);
}
