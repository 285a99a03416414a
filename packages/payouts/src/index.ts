// The public surface of @wxpay/payouts: exactly-once payout batches.

export { BatchChangedError, type InputProblem, PayoutConfigError, PayoutError, PayoutInputError } from './errors.js';
export { arraySource, fileSource, type InputRecord, type RowSource } from './input/source.js';
export type {
  BatchRecord,
  ClaimedRow,
  Journal,
  JournalRow,
  RowState,
  Settlement,
  StateCounts,
} from './journal/journal.js';
export { openJournal } from './journal/open.js';
export { openSqliteJournal } from './journal/sqlite.js';
export { payoutKinds } from './kinds/index.js';
export type { BatchSettings, PayoutKind, PayoutKindName, RowData } from './kinds/kind.js';
export { payoutKindNames } from './kinds/kind.js';
export { type ReconcileOptions, type ReconcileResult, reconcileBatch } from './reconcile.js';
export { type BatchStatus, batchStatus, payoutIdNames, type ReportRecord, reportRows } from './report.js';
export type { ColumnDefaults } from './row-data.js';
export {
  type PayoutProgress,
  type RunPayoutsOptions,
  type RunPayoutsResult,
  runPayouts,
  type StopReason,
} from './run.js';
