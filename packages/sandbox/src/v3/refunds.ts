// Global refunds: create (idempotent on out_refund_no, held to the documented refund rules and to what the order still
// has to refund), query by either number, the list of an order's refunds, and settlement: a refund is PROCESSING for
// 60 sandbox seconds, then SUCCESS with a REFUND.SUCCESS notification.
import { type DueJob, formatRfc3339China } from '../clock.js';
import type { SandboxContext } from '../context.js';
import { newWechatNumber } from '../ids.js';
import { requestHash } from '../request-hash.js';
import type { JsonValue, OrderRow, PayApi, RefundRow } from '../store.js';
import { type Mode, modeIds, modeWhere, notifiedMchid, resolveMode } from './auth.js';
import { integerAt, textAt, tradeStateDescriptions } from './orders.js';
import { numberReused, paramError, V3Error } from './reply.js';
import type { V3Outcome, V3Request } from './router.js';

/** How long a refund stays PROCESSING, sandbox seconds (real ones take from seconds to days). */
export const refundProcessingSeconds = 60;

/**
 * The refund rules of the global refund page (docs/endpoints.md#refund-rules): refunds of one order a minute apart,
 * at most 50 of them, and none once the payment is a year old.
 */
export const refundRules = {
  secondsBetweenRefunds: 60,
  maxRefundsPerOrder: 50,
  maxOrderAgeSeconds: 365 * 86_400,
} as const;

/**
 * Where a refund's money goes, as the global refund query and list report it (`channel`, `recv_account`:
 * docs/endpoints.md#refund): back the way it came (ORIGINAL), which for the sandbox's payers, who all pay from their
 * wallet balance, is the payer's wallet (支付用户零钱).
 */
const refundRoute = { channel: 'ORIGINAL', recv_account: '支付用户零钱' } as const;

/**
 * How each API refuses a refund: the mainland page (docs/endpoints.md#apiv3-mainland-refunds) answers a refund above
 * what the order has left with INVALID_REQUEST and quotes WeChat Pay's Chinese messages.
 */
const refusals: Readonly<
  Record<
    PayApi,
    {
      noOrder: string;
      notPaid: (state: string) => string;
      tooOld: string;
      tooMuch: { code: string; message: (refundable: number) => string };
    }
  >
> = {
  global: {
    noOrder: 'the order to refund does not exist',
    notPaid: (state) => `the order cannot be refunded: it is ${state}`,
    tooOld: 'the order was paid more than a year ago and can no longer be refunded',
    tooMuch: {
      code: 'NOT_ENOUGH',
      message: (refundable) => `the refund exceeds what the order can still refund (${refundable})`,
    },
  },
  mainland: {
    noOrder: '订单不存在',
    notPaid: (state) => `订单状态不允许退款: ${state}`,
    tooOld: '交易时间超过一年的订单无法提交退款',
    tooMuch: { code: 'INVALID_REQUEST', message: (refundable) => `申请退款金额超过订单可退金额 (${refundable})` },
  },
};

/** The refund as the create and the query return it (and the plaintext of REFUND.SUCCESS). */
export function refundView(refund: RefundRow, exchangeRate: number | null): { [key: string]: JsonValue } {
  const view: { [key: string]: JsonValue } = {
    ...modeIds(refund),
    id: refund.id,
    out_refund_no: refund.out_refund_no,
    out_trade_no: refund.out_trade_no,
    transaction_id: refund.order_id,
    ...refundRoute,
  };
  if (refund.reason !== null) view.reason = refund.reason;
  view.create_time = formatRfc3339China(refund.created_at * 1000);
  if (refund.success_time !== null) view.success_time = formatRfc3339China(refund.success_time * 1000);
  view.status = refund.status;
  view.amount = { refund: refund.amount_refund, total: refund.amount_total, ...payerAmounts(refund, exchangeRate) };
  return view;
}

/** The currency and what the payer gets back, in their own currency, at the order's rate (when it was paid). */
function payerAmounts(refund: RefundRow, exchangeRate: number | null): { [key: string]: JsonValue } {
  const amounts: { [key: string]: JsonValue } = { currency: refund.currency };
  if (refund.payer_refund !== null) amounts.payer_refund = refund.payer_refund;
  if (refund.payer_currency !== null) amounts.payer_currency = refund.payer_currency;
  if (exchangeRate !== null) amounts.exchange_rate = { type: 'SETTLEMENT_RATE', rate: exchangeRate };
  return amounts;
}

function viewWithOrder(ctx: SandboxContext, refund: RefundRow): { [key: string]: JsonValue } {
  return refundView(refund, ctx.store.orders.get({ id: refund.order_id })?.exchange_rate ?? null);
}

/** `POST /v3/global/refunds`: a new refund starts PROCESSING; a resend of the same out_refund_no is a re-entry. */
export function createRefund({ ctx, caller, json }: V3Request): V3Outcome {
  const mode = resolveMode(ctx, caller, json as Record<string, unknown>, 'body', 'present');
  const outRefundNo = textAt(json, 'out_refund_no') ?? '';
  const hash = requestHash(json);
  return ctx.store.writeTransaction(() => {
    const existing = ctx.store.refunds.get({ mchid: mode.merchant.mchid, out_refund_no: outRefundNo });
    if (existing !== undefined) return { status: 200, body: viewWithOrder(ctx, reentered(existing, hash, 'global')) };
    const order = refundedOrder(ctx, mode, json, 'global');
    checkRefundRules(ctx, order);
    const refund = newRefund(ctx, mode, order, json, hash, 'global');
    ctx.store.refunds.insert(refund);
    ctx.clock.due.expect(refundCompletionWork, refund.created_at + refundProcessingSeconds);
    return { status: 200, body: refundView(refund, order.exchange_rate) };
  });
}

/** A resend of a used out_refund_no: the refund it made when the body (and the API) is the same, else refused. */
export function reentered(existing: RefundRow, hash: string, api: PayApi): RefundRow {
  if (existing.request_hash !== hash || existing.api !== api) {
    throw numberReused('out_refund_no', existing.out_refund_no);
  }
  return existing;
}

/**
 * The paid order of the API a refund request names (by `transaction_id` or `out_trade_no`, within the mode), paid
 * less than a year ago (docs/endpoints.md#refund-rules: 365 days from `success_time`).
 */
export function refundedOrder(ctx: SandboxContext, mode: Mode, json: unknown, api: PayApi): OrderRow {
  const transactionId = textAt(json, 'transaction_id');
  const key =
    transactionId === undefined ? { out_trade_no: textAt(json, 'out_trade_no') ?? '' } : { id: transactionId };
  const order = ctx.store.orders.get({ ...modeWhere(mode), ...key, api });
  if (order === undefined) throw new V3Error(404, 'RESOURCE_NOT_EXISTS', refusals[api].noOrder);
  if (order.trade_state !== 'SUCCESS' && order.trade_state !== 'REFUND') {
    throw new V3Error(400, 'INVALID_REQUEST', refusals[api].notPaid(order.trade_state));
  }
  const paidAt = order.success_time ?? order.created_at;
  if (ctx.clock.nowSeconds() - paidAt > refundRules.maxOrderAgeSeconds) {
    throw new V3Error(400, 'INVALID_REQUEST', refusals[api].tooOld);
  }
  return order;
}

/** The global API's further rules: the number of refunds of the order, and the time since its last refund. */
function checkRefundRules(ctx: SandboxContext, order: OrderRow): void {
  const now = ctx.clock.nowSeconds();
  const earlier = ctx.store.refunds.list({ order_id: order.id });
  if (earlier.length >= refundRules.maxRefundsPerOrder) {
    throw new V3Error(
      400,
      'INVALID_REQUEST',
      `the order has had ${refundRules.maxRefundsPerOrder} refunds, the most one order can have`,
    );
  }
  const last = Math.max(...earlier.map((refund) => refund.created_at));
  if (earlier.length > 0 && now - last < refundRules.secondsBetweenRefunds) {
    throw new V3Error(
      429,
      'FREQUENCY_LIMITED',
      `refunds of one order must be ${refundRules.secondsBetweenRefunds} s apart; resend this refund later`,
    );
  }
}

/** A new PROCESSING refund of `order`, up to what the order has left; a refusal records nothing. */
export function newRefund(
  ctx: SandboxContext,
  mode: Mode,
  order: OrderRow,
  json: unknown,
  hash: string,
  api: PayApi,
): RefundRow {
  const refund = integerAt(json, 'amount', 'refund');
  const total = integerAt(json, 'amount', 'total');
  const currency = textAt(json, 'amount', 'currency') ?? '';
  if (total !== order.amount_total) {
    throw paramError('/amount/total', 'body', `must be the order total ${order.amount_total}`, total);
  }
  if (currency !== order.currency) {
    throw paramError('/amount/currency', 'body', `must be the order currency ${order.currency}`, currency);
  }
  // Closed and abnormal refunds gave nothing back, so they do not use up the order.
  const earlier = ctx.store.refunds
    .list({ order_id: order.id })
    .filter((r) => r.status === 'PROCESSING' || r.status === 'SUCCESS');
  const refundable = order.amount_total - sum(earlier.map((r) => r.amount_refund));
  if (refund > refundable) {
    const { code, message } = refusals[api].tooMuch;
    throw new V3Error(400, code, message(refundable), {
      field: '/amount/refund',
      value: refund,
      issue: `at most ${refundable}`,
      location: 'body',
    });
  }
  const now = ctx.clock.nowSeconds();
  return {
    ...modeWhere(mode),
    sub_mchid: mode.kind === 'institutional' ? mode.merchant.mchid : null,
    out_refund_no: textAt(json, 'out_refund_no') ?? '',
    id: newWechatNumber('refund', now),
    out_trade_no: order.out_trade_no,
    order_id: order.id,
    amount_refund: refund,
    amount_total: total,
    currency,
    payer_refund: payerRefund(order, refund, refundable, earlier),
    payer_currency: order.payer_currency,
    reason: textAt(json, 'reason') ?? null,
    notify_url: textAt(json, 'notify_url') ?? null,
    status: 'PROCESSING',
    request_hash: hash,
    created_at: now,
    success_time: null,
    api,
  };
}

/**
 * The payer's share, in their currency: proportional to the refund, except that the refund emptying the order
 * returns exactly what is left, so rounding never makes the payer's refunds add up to more or less than they paid.
 */
function payerRefund(order: OrderRow, refund: number, refundable: number, earlier: RefundRow[]): number | null {
  if (order.payer_total === null) return null;
  if (refund === refundable) return order.payer_total - sum(earlier.map((r) => r.payer_refund ?? 0));
  return Math.round((order.payer_total * refund) / order.amount_total);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** `GET /v3/global/refunds/out-refund-no/{out_refund_no}`. */
export function queryRefund(request: V3Request): V3Outcome {
  return lookUpRefund(request, { out_refund_no: request.params.out_refund_no ?? '' });
}

/** `GET /v3/global/refunds/id/{refund_id}`: the same refund, named by WeChat Pay's refund number. */
export function queryRefundById(request: V3Request): V3Outcome {
  return lookUpRefund(request, { id: request.params.refund_id ?? '' });
}

function lookUpRefund({ ctx, caller, query }: V3Request, key: { id: string } | { out_refund_no: string }): V3Outcome {
  const mode = resolveMode(ctx, caller, query, 'query', 'none');
  const refund = ctx.store.refunds.get({ ...modeWhere(mode), ...key });
  if (refund === undefined) throw new V3Error(404, 'RESOURCE_NOT_EXISTS', 'the refund does not exist');
  return { status: 200, body: viewWithOrder(ctx, refund) };
}

/**
 * `GET /v3/global/refunds?out_trade_no=|transaction_id=&offset=&count=`: the refunds of one order, oldest first, a page
 * at a time, with the order's numbers and amounts once (docs/endpoints.md#list-the-refunds-of-an-order).
 */
export function listRefunds({ ctx, caller, query }: V3Request): V3Outcome {
  const mode = resolveMode(ctx, caller, query, 'query', 'none');
  const key =
    query.transaction_id === undefined ? { out_trade_no: query.out_trade_no ?? '' } : { id: query.transaction_id };
  const order = ctx.store.orders.get({ ...modeWhere(mode), ...key });
  if (order === undefined) throw new V3Error(404, 'RESOURCE_NOT_EXISTS', 'the order does not exist');
  const all = ctx.store.refunds.list({ order_id: order.id }, { orderBy: 'created_at' });
  const offset = Number(query.offset ?? 0);
  const page = all.slice(offset, offset + Number(query.count ?? 10));
  const amount: { [key: string]: JsonValue } = { total: order.amount_total, currency: order.currency };
  if (order.payer_total !== null) amount.payer_total = order.payer_total;
  if (order.payer_currency !== null) amount.payer_currency = order.payer_currency;
  const body = {
    ...modeIds(order),
    id: order.id,
    out_trade_no: order.out_trade_no,
    amount,
    data: page.map((refund) => listEntry(refund, order.exchange_rate)),
    total_num: all.length,
    current_total_num: page.length,
  };
  return { status: 200, body };
}

/** A refund as the list gives it: the order's numbers and total are said once, above the list. */
function listEntry(refund: RefundRow, exchangeRate: number | null): { [key: string]: JsonValue } {
  const entry: { [key: string]: JsonValue } = {
    id: refund.id,
    out_refund_no: refund.out_refund_no,
    ...refundRoute,
    create_time: formatRfc3339China(refund.created_at * 1000),
  };
  if (refund.success_time !== null) entry.success_time = formatRfc3339China(refund.success_time * 1000);
  entry.status = refund.status;
  entry.amount = { refund: refund.amount_refund, ...payerAmounts(refund, exchangeRate) };
  return entry;
}

// ---- Completion, as sandbox time passes: a job of the clock's registry of due work (src/due-work.ts).

/** The name refund completion is registered under in `clock.due`. */
export const refundCompletionWork = 'refund completion';

/** The registry's job: completes the refunds that are due, then says when the next one is. */
export function refundCompletionJob(ctx: SandboxContext): DueJob {
  return (now) => {
    settleRefunds(ctx, now);
    const first = ctx.store
      .statement<[], { first: number | null }>(
        "SELECT MIN(created_at) AS first FROM refunds WHERE status = 'PROCESSING' AND api = 'global'",
      )
      .get()?.first;
    return first === null || first === undefined ? undefined : first + refundProcessingSeconds;
  };
}

/**
 * Completes every refund that has been PROCESSING for 60 sandbox seconds: SUCCESS at that moment, the order becomes
 * REFUND, and REFUND.SUCCESS goes to the refund's notify_url (or the order's). Returns the settled refunds as queried.
 */
export function settleRefunds(ctx: SandboxContext, now = ctx.clock.nowSeconds()): { [key: string]: JsonValue }[] {
  const due = ctx.store.refunds
    .list({ status: 'PROCESSING', api: 'global' }) // mainland refunds complete in v3/mainland/refunds.ts
    .filter((refund) => refund.created_at + refundProcessingSeconds <= now);
  // Nothing due, nothing to lock: the background timer asks often.
  if (due.length === 0) return [];
  return ctx.store.writeTransaction(() =>
    due.flatMap((processing) => {
      const refund: RefundRow = {
        ...processing,
        status: 'SUCCESS',
        success_time: processing.created_at + refundProcessingSeconds,
      };
      // Guarded by the status read: a refund completed meanwhile (by another process) is neither completed nor
      // notified twice.
      const updated = ctx.store.refunds.update(
        { mchid: refund.mchid, out_refund_no: refund.out_refund_no, status: 'PROCESSING' },
        { status: refund.status, success_time: refund.success_time },
      );
      if (updated !== 1) return [];
      const order = ctx.store.orders.get({ id: refund.order_id });
      if (order !== undefined && order.trade_state === 'SUCCESS') {
        ctx.store.orders.update(
          { id: order.id },
          { trade_state: 'REFUND', trade_state_desc: tradeStateDescriptions.REFUND },
        );
      }
      const view = refundView(refund, order?.exchange_rate ?? null);
      const url = refund.notify_url ?? order?.notify_url;
      if (url !== undefined) {
        ctx.notify({
          mchid: notifiedMchid(refund),
          url,
          eventType: 'REFUND.SUCCESS',
          summary: '退款成功',
          resource: view,
          originalType: 'refund',
        });
      }
      return [view];
    }),
  );
}
