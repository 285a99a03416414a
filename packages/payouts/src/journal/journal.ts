// The journal: where a batch's intent and every outcome are written before and after each send. Two stores implement
// it (SQLite, PostgreSQL) with the same semantics; test/journal-contract.ts holds both to them.

/**
 * `pending`: not sent, or WeChat Pay said it did not happen. `sending`: claimed by a worker that may have it on the
 * wire. `sent` / `failed`: final. `unknown`: it may have happened; resolved only by a query or an identical resend.
 */
export type RowState = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown';

export interface NewBatch {
  id: string;
  kind: string;
  /** The batch settings as canonical JSON. */
  settings: string;
  /** SHA-256 of every row with its defaults (hex). */
  inputHash: string;
  rowCount: number;
  createdAt: number;
}

export interface BatchRecord extends NewBatch {
  /** Every row is in the journal. */
  planned: boolean;
}

export interface NewRow {
  /** 1-based position in the input. */
  row: number;
  /** The business number (mch_billno / partner_trade_no). */
  number: string;
  openid: string;
  /** Fen (0 for a coupon). */
  amount: number;
  /** The row's data (RowData) as canonical JSON: what every send of the row is built from. */
  data: string;
}

export interface JournalRow extends NewRow {
  state: RowState;
  attempts: number;
  errCode: string | null;
  errMessage: string | null;
  /** WeChat Pay's id of the payout: send_listid, payment_no or coupon_id. */
  wxId: string | null;
  /** Status found by reconcile (RECEIVED, REFUND, ...), or the status the send reported. */
  status: string | null;
  refundAmount: number | null;
  /** What the merchant still needs from the send's reply, by kind (a transfer's `package_info`); else null. */
  detail: string | null;
  notBefore: number | null;
  updatedAt: number;
}

export interface ClaimedRow extends JournalRow {
  /** True when the row may already have been sent (it was `unknown`, or `sending` under a worker that is gone). */
  ambiguous: boolean;
}

/** What a worker writes after a send. `pending`/`unknown` may wait until `notBefore` (ms) before the next claim. */
export type Settlement =
  | { state: 'sent'; wxId: string; status: string | null; detail?: string | null }
  | { state: 'failed'; errCode: string; errMessage: string }
  | { state: 'pending' | 'unknown'; errCode: string | null; errMessage: string | null; notBefore: number | null };

export interface StateCounts {
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  unknown: number;
  /** Fen sent (rows `sent`). */
  sentAmount: number;
  /** Rows that are not `sent`, by their last err_code (rows without one are left out). */
  byErrCode: Record<string, number>;
}

export interface Journal {
  /** Where it is, with any password removed. */
  readonly location: string;
  /** Creates the batch unless it exists; returns what is stored (the caller compares it with its own). */
  beginBatch(batch: NewBatch): Promise<BatchRecord>;
  batch(id: string): Promise<BatchRecord | undefined>;
  /** Every batch, oldest first. */
  batches(): Promise<BatchRecord[]>;
  /** Stores rows that are not stored yet (by row); never changes a stored row. Numbers are unique per journal. */
  addRows(batchId: string, rows: readonly NewRow[]): Promise<void>;
  markPlanned(batchId: string): Promise<void>;
  /** Rows in order from `fromRow` (inclusive), at most `limit`; with `state`, only rows in that state. */
  rows(batchId: string, fromRow: number, limit: number, state?: RowState): Promise<JournalRow[]>;
  /**
   * Registers (or renews) a worker as alive until `aliveUntil`. A worker that stops renewing loses its claims: its
   * `sending` rows become claimable by others, as ambiguous.
   */
  heartbeat(worker: string, aliveUntil: number): Promise<void>;
  /** Forgets a worker (a clean stop, or one found dead on this host): its `sending` rows become claimable at once. */
  removeWorker(worker: string): Promise<void>;
  workers(): Promise<Array<{ id: string; aliveUntil: number }>>;
  /**
   * Claims up to `limit` rows for `worker` and marks them `sending` (the intent, committed before any of them is
   * sent). First `unknown` rows whose `notBefore` has passed, then `sending` rows whose worker is not alive at `now`
   * (both come back `ambiguous`), then `pending` rows whose `notBefore` has passed, each group in row order. Safe
   * against concurrent claims by other workers and processes: a row is never held by two workers.
   */
  claim(batchId: string, worker: string, limit: number, now: number): Promise<ClaimedRow[]>;
  /** Writes a claimed row's outcome; false (and nothing written) when `worker` no longer holds the row. */
  settle(batchId: string, row: number, worker: string, outcome: Settlement, now: number): Promise<boolean>;
  /** Gives back claimed rows that were never sent: each returns to the state it was claimed from. */
  release(batchId: string, worker: string, rows: readonly number[], now: number): Promise<void>;
  /** Records what reconcile found for a sent row. */
  reconcile(batchId: string, row: number, status: string, refundAmount: number | null, now: number): Promise<void>;
  counts(batchId: string): Promise<StateCounts>;
  /** The earliest `notBefore` of waiting rows, or undefined. */
  nextDue(batchId: string): Promise<number | undefined>;
  close(): Promise<void>;
}
