// The one place a merchant's balance moves: red packets and payouts take from it, expired red packets and top-ups give
// back. Each move is a single SQL statement, so concurrent moves cannot lose one another; callers that decide on the
// balance (is there money for this packet?) run the move inside their own write transaction.
import type { Store } from './store.js';

/** Takes `fen` from the merchant's balance if it is all there; false (and nothing taken) when it is not. */
export function debit(store: Store, mchid: string, fen: number): boolean {
  assertFen(fen);
  const result = store
    .statement('UPDATE merchants SET balance = balance - ? WHERE mchid = ? AND balance >= ?')
    .run(fen, mchid, fen);
  return result.changes === 1;
}

/** Adds `fen` to the merchant's balance (a refund, a top-up). A merchant that does not exist is a bug upstream. */
export function credit(store: Store, mchid: string, fen: number): void {
  assertFen(fen);
  const result = store.statement('UPDATE merchants SET balance = balance + ? WHERE mchid = ?').run(fen, mchid);
  if (result.changes !== 1) throw new Error(`no merchant ${mchid} to credit`);
}

/** The merchant's balance in fen, or undefined when there is no such merchant. */
export function balanceOf(store: Store, mchid: string): number | undefined {
  return store.statement<[string], { balance: number }>('SELECT balance FROM merchants WHERE mchid = ?').get(mchid)
    ?.balance;
}

/** Money moves in whole, positive fen: anything else is a bug upstream, never something to round or ignore. */
function assertFen(fen: number): void {
  if (!Number.isSafeInteger(fen) || fen <= 0) throw new RangeError('a balance moves by a whole number of fen > 0');
}
