// Turning journal table rows (snake_case columns, as both databases return them) into JournalRow objects.
import type { BatchRecord, ClaimedRow, JournalRow, RowState, Settlement, StateCounts } from './journal.js';

export interface RowColumns {
  batch_id: string;
  row: number | string;
  number: string;
  openid: string;
  amount: number | string;
  data: string;
  state: string;
  prev_state: string | null;
  attempts: number;
  err_code: string | null;
  err_message: string | null;
  wx_id: string | null;
  status: string | null;
  refund_amount: number | string | null;
  detail: string | null;
  not_before: number | string | null;
  updated_at: number | string;
}

export interface BatchColumns {
  id: string;
  kind: string;
  settings: string;
  input_hash: string;
  row_count: number | string;
  created_at: number | string;
  planned: number;
}

// PostgreSQL returns BIGINT as a string; every such value here is a safe integer (ms, fen, row numbers).
const int = (value: number | string): number => Number(value);
const intOrNull = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function toJournalRow(columns: RowColumns): JournalRow {
  return {
    row: int(columns.row),
    number: columns.number,
    openid: columns.openid,
    amount: int(columns.amount),
    data: columns.data,
    state: columns.state as RowState,
    attempts: columns.attempts,
    errCode: columns.err_code,
    errMessage: columns.err_message,
    wxId: columns.wx_id,
    status: columns.status,
    refundAmount: intOrNull(columns.refund_amount),
    detail: columns.detail,
    notBefore: intOrNull(columns.not_before),
    updatedAt: int(columns.updated_at),
  };
}

/** A row just claimed: ambiguous when it was claimed from `unknown` (or from `sending` under a worker that is gone). */
export function toClaimedRow(columns: RowColumns): ClaimedRow {
  return { ...toJournalRow(columns), ambiguous: columns.prev_state === 'unknown' };
}

/** The columns a claim reads before taking rows (see `claimedRow`), in this order. */
export const claimedColumns =
  'row, number, openid, amount, data, state, attempts, err_code, err_message, wx_id, status, refund_amount, detail, not_before';

export type ClaimedColumns = [
  row: number,
  number: string,
  openid: string,
  amount: number,
  data: string,
  state: string,
  attempts: number,
  errCode: string | null,
  errMessage: string | null,
  wxId: string | null,
  status: string | null,
  refundAmount: number | null,
  detail: string | null,
  notBefore: number | null,
];

/**
 * A row as claiming it at `now` leaves it, from its columns read just before (SQLite, which reads rows as arrays):
 * `sending`, one more attempt; ambiguous when it was `unknown` or `sending` (under a worker that is gone).
 */
export function claimedRow(columns: ClaimedColumns, now: number): ClaimedRow {
  const [row, number, openid, amount, data, state, attempts, errCode, errMessage, wxId, status] = columns;
  return {
    row,
    number,
    openid,
    amount,
    data,
    state: 'sending',
    attempts: attempts + 1,
    errCode,
    errMessage,
    wxId,
    status,
    refundAmount: columns[11],
    detail: columns[12],
    notBefore: columns[13],
    updatedAt: now,
    ambiguous: state === 'unknown' || state === 'sending',
  };
}

export function toBatchRecord(columns: BatchColumns): BatchRecord {
  return {
    id: columns.id,
    kind: columns.kind,
    settings: columns.settings,
    inputHash: columns.input_hash,
    rowCount: int(columns.row_count),
    createdAt: int(columns.created_at),
    planned: columns.planned === 1,
  };
}

/** Builds StateCounts from `state, count, amount` and `err_code, count` result rows. */
const rowStates: ReadonlySet<string> = new Set<RowState>(['pending', 'sending', 'sent', 'failed', 'unknown']);

export function toStateCounts(
  byState: ReadonlyArray<{ state: string; count: number | string; amount: number | string | null }>,
  byCode: ReadonlyArray<{ err_code: string; count: number | string }>,
): StateCounts {
  const counts: StateCounts = { pending: 0, sending: 0, sent: 0, failed: 0, unknown: 0, sentAmount: 0, byErrCode: {} };
  for (const { state, count, amount } of byState) {
    if (rowStates.has(state)) counts[state as RowState] = int(count);
    if (state === 'sent') counts.sentAmount = amount === null ? 0 : int(amount);
  }
  for (const { err_code, count } of byCode) counts.byErrCode[err_code] = int(count);
  return counts;
}

/** The columns a settlement writes (the PostgreSQL journal binds them by these names). */
export function settlementColumns(outcome: Settlement) {
  switch (outcome.state) {
    case 'sent':
      return {
        state: 'sent',
        errCode: null,
        errMessage: null,
        wxId: outcome.wxId,
        status: outcome.status,
        detail: outcome.detail ?? null,
        notBefore: null,
      };
    case 'failed':
      return {
        state: 'failed',
        errCode: outcome.errCode,
        errMessage: outcome.errMessage,
        wxId: null,
        status: null,
        detail: null,
        notBefore: null,
      };
    default:
      return {
        state: outcome.state,
        errCode: outcome.errCode,
        errMessage: outcome.errMessage,
        wxId: null,
        status: null,
        detail: null,
        notBefore: outcome.notBefore,
      };
  }
}
