// The one place a merchant's balance moves, and its history: red packets, payouts and transfers take from it; expired
// red packets, top-ups and failed transfers give back. Each move is one guarded UPDATE plus one INSERT into `ledger`
// (the reason, the reference and the balance after it), run in one transaction, so concurrent moves cannot lose one
// another and no move goes unrecorded; callers that decide on the balance (is there money for this packet?) run the
// move inside their own write transaction, and the two statements join it.
import type { LedgerReason, LedgerRow, Store } from './store.js';

/** Why the balance moves: what the ledger records beside the amount. */
export interface BalanceMove {
  reason: LedgerReason;
  /** The business number behind the move (mch_billno, partner_trade_no, out_bill_no); '' when there is none. */
  reference: string;
  /** Unix seconds, sandbox time. */
  at: number;
}

/** Takes `fen` from the merchant's balance if it is all there; false (and nothing taken or recorded) when it is not. */
export function debit(store: Store, mchid: string, fen: number, move: BalanceMove): boolean {
  assertFen(fen);
  return atomically(store, () => {
    const after = store
      .statement<[number, string, number], { balance: number }>(
        'UPDATE merchants SET balance = balance - ? WHERE mchid = ? AND balance >= ? RETURNING balance',
      )
      .get(fen, mchid, fen);
    if (after === undefined) return false;
    record(store, mchid, -fen, after.balance, move);
    return true;
  });
}

/** Adds `fen` to the merchant's balance (a refund, a top-up). A merchant that does not exist is a bug upstream. */
export function credit(store: Store, mchid: string, fen: number, move: BalanceMove): void {
  assertFen(fen);
  atomically(store, () => {
    const after = store
      .statement<[number, string], { balance: number }>(
        'UPDATE merchants SET balance = balance + ? WHERE mchid = ? RETURNING balance',
      )
      .get(fen, mchid);
    if (after === undefined) throw new Error(`no merchant ${mchid} to credit`);
    record(store, mchid, fen, after.balance, move);
  });
}

/**
 * Records the balance a merchant was just created with (its row inserted with it), so that a merchant's ledger adds
 * up to its balance. Call it in the transaction that inserts the merchant.
 */
export function recordOpeningBalance(store: Store, mchid: string, balance: number, at: number): void {
  record(store, mchid, balance, balance, { reason: 'opening', reference: '', at });
}

/** The merchant's balance in fen, or undefined when there is no such merchant. */
export function balanceOf(store: Store, mchid: string): number | undefined {
  return store.statement<[string], { balance: number }>('SELECT balance FROM merchants WHERE mchid = ?').get(mchid)
    ?.balance;
}

/** A merchant's balance moves, oldest first (the `mchid, seq` index); all merchants' when `mchid` is not given. */
export function ledgerEntries(store: Store, filter: { mchid?: string; limit?: number } = {}): LedgerRow[] {
  return store.ledger.list({ mchid: filter.mchid }, { orderBy: 'seq', limit: filter.limit });
}

/** `fn` in the caller's transaction when there is one (every move on a request path), else in one of its own. */
function atomically<T>(store: Store, fn: () => T): T {
  return store.db.inTransaction ? fn() : store.transaction(fn);
}

function record(store: Store, mchid: string, amount: number, balance: number, move: BalanceMove): void {
  store
    .statement<[string, number, number, LedgerReason, string, number], unknown>(
      'INSERT INTO ledger (mchid, amount, balance, reason, reference, at) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(mchid, amount, balance, move.reason, move.reference, move.at);
}

/** Money moves in whole, positive fen: anything else is a bug upstream, never something to round or ignore. */
function assertFen(fen: number): void {
  if (!Number.isSafeInteger(fen) || fen <= 0) throw new RangeError('a balance moves by a whole number of fen > 0');
}
