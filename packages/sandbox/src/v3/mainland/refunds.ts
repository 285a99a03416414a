// Mainland APIv3 refunds (`v3/refund/domestic/refunds`, both merchant modes): create (idempotent on out_refund_no,
// partial refunds up to what the order has left, within a year of payment, paid from the merchant's balance: the
// global refund's pieces in v3/refunds.ts), query, completion as sandbox time passes (PROCESSING for 60 sandbox
// seconds, then SUCCESS with REFUND.SUCCESS), and the operator's failure (ABNORMAL with REFUND.ABNORMAL).
import { invalidInput, invalidState, notFound } from '../../admin-error.js';
import { type DueJob, formatRfc3339China } from '../../clock.js';
import type { SandboxContext } from '../../context.js';
import { debit } from '../../ledger.js';
import { requestHash } from '../../request-hash.js';
import type { JsonValue, OrderRow, RefundRow } from '../../store.js';
import { modeIds, modeWhere, notifiedMchid, resolveMode } from '../auth.js';
import { textAt, tradeStateDescriptions } from '../orders.js';
import { newRefund, reentered, refundedOrder, refundProcessingSeconds } from '../refunds.js';
import { V3Error } from '../reply.js';
import type { V3Outcome, V3Request } from '../router.js';

/** Where the sandbox's refunds go back to: the payer's wallet balance. */
const userReceivedAccount = '支付用户零钱';

/** The refund as the create and the query return it. */
export function mainlandRefundView(refund: RefundRow, order: OrderRow | undefined): { [key: string]: JsonValue } {
  const view: { [key: string]: JsonValue } = {
    refund_id: refund.id,
    out_refund_no: refund.out_refund_no,
    transaction_id: refund.order_id,
    out_trade_no: refund.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: userReceivedAccount,
  };
  if (refund.success_time !== null) view.success_time = formatRfc3339China(refund.success_time * 1000);
  view.create_time = formatRfc3339China(refund.created_at * 1000);
  view.status = refund.status;
  view.funds_account = 'AVAILABLE';
  view.amount = {
    total: refund.amount_total,
    refund: refund.amount_refund,
    from: [],
    payer_total: order?.payer_total ?? refund.amount_total,
    payer_refund: refund.payer_refund ?? refund.amount_refund,
    settlement_refund: refund.amount_refund,
    settlement_total: refund.amount_total,
    discount_refund: 0,
    currency: refund.currency,
    refund_fee: 0,
  };
  view.promotion_detail = [];
  return view;
}

/** The plaintext of REFUND.SUCCESS and REFUND.ABNORMAL (docs/endpoints.md#mainland-notifications). */
function notificationView(refund: RefundRow, order: OrderRow | undefined): { [key: string]: JsonValue } {
  const view: { [key: string]: JsonValue } = {
    ...modeIds(refund),
    out_trade_no: refund.out_trade_no,
    transaction_id: refund.order_id,
    out_refund_no: refund.out_refund_no,
    refund_id: refund.id,
    refund_status: refund.status,
  };
  if (refund.success_time !== null) view.success_time = formatRfc3339China(refund.success_time * 1000);
  view.user_received_account = userReceivedAccount;
  view.amount = {
    total: refund.amount_total,
    refund: refund.amount_refund,
    payer_total: order?.payer_total ?? refund.amount_total,
    payer_refund: refund.payer_refund ?? refund.amount_refund,
  };
  return view;
}

/** The calling merchant itself, or (a `sub_mchid` in the body or query) its sub-merchant. */
function refundMode({ ctx, caller }: V3Request, ids: Readonly<Record<string, unknown>>, location: 'body' | 'query') {
  const subMchid = ids.sub_mchid;
  const named =
    typeof subMchid === 'string' ? { sp_mchid: caller.mchid, sub_mchid: subMchid } : { mchid: caller.mchid };
  return resolveMode(ctx, caller, named, location, 'none');
}

/** `POST v3/refund/domestic/refunds`: a new refund starts PROCESSING; a resend of the same out_refund_no re-enters. */
export function createMainlandRefund(request: V3Request): V3Outcome {
  const { ctx, json } = request;
  const mode = refundMode(request, json as Record<string, unknown>, 'body');
  const outRefundNo = textAt(json, 'out_refund_no') ?? '';
  const hash = requestHash(json);
  return ctx.store.writeTransaction(() => {
    const existing = ctx.store.refunds.get({ mchid: mode.merchant.mchid, out_refund_no: outRefundNo });
    if (existing !== undefined) {
      const refund = reentered(existing, hash, 'mainland');
      return { status: 200, body: mainlandRefundView(refund, ctx.store.orders.get({ id: refund.order_id })) };
    }
    const order = refundedOrder(ctx, mode, json, 'mainland');
    const refund = newRefund(ctx, mode, order, json, hash, 'mainland');
    // Refunds are paid from the merchant's available balance (payments reach it only when settled, which the sandbox
    // leaves to top-ups): without enough, WeChat Pay refuses the refund.
    const move = { reason: 'pay_refund' as const, reference: refund.out_refund_no, at: refund.created_at };
    if (!debit(ctx.store, mode.merchant.mchid, refund.amount_refund, move)) {
      throw new V3Error(403, 'NOT_ENOUGH', '基本账户余额不足，请充值后重新发起');
    }
    ctx.store.refunds.insert(refund);
    ctx.clock.due.expect(mainlandRefundCompletionWork, refund.created_at + refundProcessingSeconds);
    return { status: 200, body: mainlandRefundView(refund, order) };
  });
}

/** `GET v3/refund/domestic/refunds/{out_refund_no}` (`?sub_mchid=` in partner mode). */
export function queryMainlandRefund(request: V3Request): V3Outcome {
  const { ctx, params, query } = request;
  const mode = refundMode(request, query, 'query');
  const refund = ctx.store.refunds.get({
    ...modeWhere(mode),
    out_refund_no: params.out_refund_no ?? '',
    api: 'mainland',
  });
  if (refund === undefined) throw new V3Error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
  return { status: 200, body: mainlandRefundView(refund, ctx.store.orders.get({ id: refund.order_id })) };
}

// ---- Completion as sandbox time passes (the clock's registry of due work), and the operator's failure.

/** The name mainland refund completion is registered under in `clock.due`. */
export const mainlandRefundCompletionWork = 'mainland refund completion';

/** Completes the mainland refunds that are due, then says when the next one is. */
export function mainlandRefundCompletionJob(ctx: SandboxContext): DueJob {
  return (now) => {
    const processing = ctx.store.refunds.list({ status: 'PROCESSING', api: 'mainland' });
    const due = processing.filter((refund) => refund.created_at + refundProcessingSeconds <= now);
    if (due.length > 0) {
      ctx.store.writeTransaction(() => {
        for (const refund of due) finish(ctx, refund, 'SUCCESS');
      });
    }
    const pending = processing.filter((refund) => !due.includes(refund)).map((refund) => refund.created_at);
    return pending.length === 0 ? undefined : Math.min(...pending) + refundProcessingSeconds;
  };
}

/**
 * Ends a PROCESSING refund: SUCCESS (60 sandbox seconds after it was made; the order becomes REFUND) or ABNORMAL (the
 * money could not reach the payer). Guarded by the status, so a refund is never ended or notified twice.
 */
function finish(ctx: SandboxContext, processing: RefundRow, status: 'SUCCESS' | 'ABNORMAL'): RefundRow | undefined {
  const successTime = status === 'SUCCESS' ? processing.created_at + refundProcessingSeconds : null;
  const updated = ctx.store.refunds.update(
    { mchid: processing.mchid, out_refund_no: processing.out_refund_no, status: 'PROCESSING' },
    { status, success_time: successTime },
  );
  if (updated !== 1) return undefined;
  const refund: RefundRow = { ...processing, status, success_time: successTime };
  const order = ctx.store.orders.get({ id: refund.order_id });
  if (status === 'SUCCESS' && order?.trade_state === 'SUCCESS') {
    ctx.store.orders.update(
      { id: order.id },
      { trade_state: 'REFUND', trade_state_desc: tradeStateDescriptions.REFUND },
    );
  }
  if (refund.notify_url !== null) {
    ctx.notify({
      mchid: notifiedMchid(refund),
      url: refund.notify_url,
      eventType: `REFUND.${status}`,
      summary: status === 'SUCCESS' ? '退款成功' : '退款异常',
      resource: notificationView(refund, order),
      originalType: 'refund',
    });
  }
  return refund;
}

export interface FailRefundInput {
  /** The refund's merchant, or the service provider of a partner-mode refund. */
  mchid: string;
  outRefundNo: string;
}

/** The operator makes a PROCESSING mainland refund ABNORMAL (REFUND.ABNORMAL follows); returns it as queried. */
export function failMainlandRefund(ctx: SandboxContext, input: FailRefundInput): { [key: string]: JsonValue } {
  if (input.outRefundNo === '') throw invalidInput('outRefundNo is required');
  ctx.clock.due.settle();
  return ctx.store.writeTransaction(() => {
    const key = { out_refund_no: input.outRefundNo, api: 'mainland' as const };
    const refund =
      ctx.store.refunds.get({ ...key, mchid: input.mchid }) ?? ctx.store.refunds.get({ ...key, sp_mchid: input.mchid });
    if (refund === undefined) throw notFound(`merchant ${input.mchid} has no mainland refund ${input.outRefundNo}`);
    const failed = refund.status === 'PROCESSING' ? finish(ctx, refund, 'ABNORMAL') : undefined;
    if (failed === undefined) throw invalidState(`the refund is ${refund.status}, not PROCESSING`);
    return mainlandRefundView(failed, ctx.store.orders.get({ id: failed.order_id }));
  });
}
