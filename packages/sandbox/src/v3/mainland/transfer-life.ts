// The life of a merchant transfer after it is created: the payee confirms (TRANSFERING, then SUCCESS) or the operator
// fails it, a cancel completes, and a bill left unconfirmed for 24 hours closes (FAIL, OVERDUE_CLOSE). Every final
// state but SUCCESS gives the money back; every final state is notified as MCHTRANSFER.BILL.FINISHED.
import { invalidInput, invalidState, notFound } from '../../admin-error.js';
import { type DueJob, formatRfc3339China } from '../../clock.js';
import type { SandboxContext } from '../../context.js';
import { credit } from '../../ledger.js';
import type { JsonValue, TransferBillRow, TransferBillState } from '../../store.js';
import { cancelSettleSeconds, confirmWindowSeconds, transferBillView, transferLifeWork } from './transfers.js';

/** Sandbox seconds a confirmed transfer stays TRANSFERING before SUCCESS. */
const transferSettleSeconds = 2;

/**
 * The failure reasons WeChat Pay reports in `fail_reason` (docs/endpoints.md#merchant-transfer-failures); the operator
 * fails a transfer with one of them.
 */
const transferFailReasons = [
  'ACCOUNT_FROZEN',
  'REAL_NAME_CHECK_FAIL',
  'NAME_NOT_CORRECT',
  'OPENID_INVALID',
  'TRANSFER_QUOTA_EXCEED',
  'DAY_RECEIVED_QUOTA_EXCEED',
  'MONTH_RECEIVED_QUOTA_EXCEED',
  'DAY_RECEIVED_COUNT_EXCEED',
  'PRODUCT_AUTH_CHECK_FAIL',
  'OVERDUE_CLOSE',
  'ID_CARD_NOT_CORRECT',
  'ACCOUNT_NOT_EXIST',
  'TRANSFER_RISK',
] as const;
type TransferFailReason = (typeof transferFailReasons)[number];

type FinalState = 'SUCCESS' | 'FAIL' | 'CANCELLED';

/** What each waiting state becomes, and after how long in it. */
const timedSteps: ReadonlyArray<{
  from: TransferBillState;
  to: FinalState;
  after: number;
  reason?: TransferFailReason;
}> = [
  { from: 'TRANSFERING', to: 'SUCCESS', after: transferSettleSeconds },
  { from: 'CANCELING', to: 'CANCELLED', after: cancelSettleSeconds },
  { from: 'WAIT_USER_CONFIRM', to: 'FAIL', after: confirmWindowSeconds, reason: 'OVERDUE_CLOSE' },
];

/** The registry's job: moves every bill whose step is due, then says when the next one is. */
export function transferLifeJob(ctx: SandboxContext): DueJob {
  return (now) => {
    let next: number | undefined;
    for (const step of timedSteps) {
      const waiting = ctx.store.transferBills.list({ state: step.from }, { orderBy: 'updated_at' });
      const due = waiting.filter((bill) => bill.updated_at + step.after <= now);
      if (due.length > 0) {
        ctx.store.writeTransaction(() => {
          for (const bill of due) finish(ctx, bill, step.to, step.reason ?? null, bill.updated_at + step.after);
        });
      }
      const first = waiting.find((bill) => bill.updated_at + step.after > now);
      if (first !== undefined) next = Math.min(next ?? Number.POSITIVE_INFINITY, first.updated_at + step.after);
    }
    return next;
  };
}

/**
 * Moves a bill to a final state at `at` (guarded by the state it was read in: a bill finished meanwhile, by another
 * process, is neither refunded nor notified twice), gives the money back unless it was paid, and notifies.
 */
function finish(
  ctx: SandboxContext,
  bill: TransferBillRow,
  state: FinalState,
  failReason: string | null,
  at: number,
): TransferBillRow | undefined {
  const updated = ctx.store.transferBills.update(
    { mchid: bill.mchid, out_bill_no: bill.out_bill_no, state: bill.state },
    { state, fail_reason: failReason, updated_at: at },
  );
  if (updated !== 1) return undefined;
  const finished: TransferBillRow = { ...bill, state, fail_reason: failReason, updated_at: at };
  if (state !== 'SUCCESS') {
    credit(ctx.store, bill.mchid, bill.transfer_amount, { reason: 'transfer_refund', reference: bill.out_bill_no, at });
  }
  if (finished.notify_url !== null) {
    ctx.notify({
      mchid: finished.mchid,
      url: finished.notify_url,
      eventType: 'MCHTRANSFER.BILL.FINISHED',
      summary: '商家转账单据终态通知',
      resource: notifiedView(finished),
      originalType: 'mch_payment',
    });
  }
  return finished;
}

/** The plaintext of MCHTRANSFER.BILL.FINISHED (the query's fields, without app, remark and name). */
function notifiedView(bill: TransferBillRow): { [key: string]: JsonValue } {
  const view: { [key: string]: JsonValue } = {
    out_bill_no: bill.out_bill_no,
    transfer_bill_no: bill.transfer_bill_no,
    state: bill.state,
    mch_id: bill.mchid,
    transfer_amount: bill.transfer_amount,
    openid: bill.openid,
  };
  if (bill.fail_reason !== null) view.fail_reason = bill.fail_reason;
  view.create_time = formatRfc3339China(bill.created_at * 1000);
  view.update_time = formatRfc3339China(bill.updated_at * 1000);
  return view;
}

// ---- What the operator does in place of the payee (control API).

export interface TransferBillKey {
  mchid: string;
  outBillNo?: string;
  /** WeChat Pay's number; either this or `outBillNo`. */
  transferBillNo?: string;
}

function findBill(ctx: SandboxContext, key: TransferBillKey): TransferBillRow {
  if (key.outBillNo === undefined && key.transferBillNo === undefined) {
    throw invalidInput('name the transfer by outBillNo or transferBillNo');
  }
  const where =
    key.outBillNo !== undefined ? { out_bill_no: key.outBillNo } : { transfer_bill_no: key.transferBillNo as string };
  const bill = ctx.store.transferBills.get({ mchid: key.mchid, ...where });
  if (bill === undefined) throw notFound(`merchant ${key.mchid} has no such transfer bill`);
  return bill;
}

function viewOf(ctx: SandboxContext, bill: TransferBillRow): { [key: string]: JsonValue } {
  return transferBillView(bill, ctx.store.merchants.get({ mchid: bill.mchid }));
}

/**
 * The payee confirms a WAIT_USER_CONFIRM bill: TRANSFERING, SUCCESS 2 sandbox seconds later. A bill that names the
 * payee (`user_name`) fails at once with NAME_NOT_CORRECT when the sandbox knows the user under another name, as
 * WeChat Pay checks the name against the confirming user's real name. Returns the bill as the query returns it.
 */
export function confirmTransfer(ctx: SandboxContext, key: TransferBillKey): { [key: string]: JsonValue } {
  ctx.clock.due.settle();
  return ctx.store.writeTransaction(() => {
    const bill = findBill(ctx, key);
    if (bill.state !== 'WAIT_USER_CONFIRM') throw invalidState(`the transfer is ${bill.state}, not awaiting the payee`);
    const now = ctx.clock.nowSeconds();
    const knownName = ctx.store.users.get({ openid: bill.openid })?.name ?? null;
    if (bill.user_name !== null && knownName !== null && knownName !== bill.user_name) {
      return viewOf(ctx, finish(ctx, bill, 'FAIL', 'NAME_NOT_CORRECT', now) ?? bill);
    }
    ctx.store.transferBills.update(
      { mchid: bill.mchid, out_bill_no: bill.out_bill_no, state: bill.state },
      { state: 'TRANSFERING', updated_at: now },
    );
    ctx.clock.due.expect(transferLifeWork, now + transferSettleSeconds);
    return viewOf(ctx, { ...bill, state: 'TRANSFERING', updated_at: now });
  });
}

/**
 * The transfer fails before it is paid (the payee's account is frozen, a limit is exceeded, ...): FAIL with `reason`
 * (default TRANSFER_RISK), the money back, MCHTRANSFER.BILL.FINISHED. From any state that is not final.
 */
export function failTransfer(
  ctx: SandboxContext,
  input: TransferBillKey & { reason?: string },
): { [key: string]: JsonValue } {
  const reason = input.reason ?? 'TRANSFER_RISK';
  if (!(transferFailReasons as readonly string[]).includes(reason)) {
    throw invalidInput(`reason must be one of ${transferFailReasons.join(', ')}`);
  }
  ctx.clock.due.settle();
  return ctx.store.writeTransaction(() => {
    const bill = findBill(ctx, input);
    if (bill.state === 'SUCCESS' || bill.state === 'FAIL' || bill.state === 'CANCELLED') {
      throw invalidState(`the transfer is already ${bill.state}`);
    }
    const finished = finish(ctx, bill, 'FAIL', reason, ctx.clock.nowSeconds());
    return viewOf(ctx, finished ?? bill);
  });
}

export interface TransferFilter {
  mchid?: string;
  state?: TransferBillState;
  outBillNo?: string;
  /** At most this many, newest first (default 100). */
  limit?: number;
}

/** Transfers as the query returns them, newest first, at the state sandbox time has reached. */
export function listTransfers(ctx: SandboxContext, filter: TransferFilter = {}): { [key: string]: JsonValue }[] {
  ctx.clock.due.settle();
  const rows = ctx.store.transferBills.list(
    { mchid: filter.mchid, state: filter.state, out_bill_no: filter.outBillNo },
    { orderBy: 'created_at', descending: true, limit: filter.limit ?? 100 },
  );
  return rows.map((bill) => viewOf(ctx, bill));
}
