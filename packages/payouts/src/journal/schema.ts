// The journal's tables, shared by the SQLite and PostgreSQL journals (both speak this subset of SQL).

export const JOURNAL_SCHEMA_VERSION = 1;

export const journalTables = [
  `CREATE TABLE IF NOT EXISTS payout_batches (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    settings TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    planned INTEGER NOT NULL DEFAULT 0
  )`,
  'CREATE INDEX IF NOT EXISTS payout_batches_input ON payout_batches (input_hash)',
  `CREATE TABLE IF NOT EXISTS payout_rows (
    batch_id TEXT NOT NULL,
    row BIGINT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    openid TEXT NOT NULL,
    amount BIGINT NOT NULL,
    data TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    prev_state TEXT,
    worker TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    err_code TEXT,
    err_message TEXT,
    wx_id TEXT,
    status TEXT,
    refund_amount BIGINT,
    detail TEXT,
    not_before BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (batch_id, row)
  )`,
  'CREATE INDEX IF NOT EXISTS payout_rows_state ON payout_rows (batch_id, state, row)',
  `CREATE TABLE IF NOT EXISTS payout_workers (
    id TEXT PRIMARY KEY,
    alive_until BIGINT NOT NULL
  )`,
] as const;

/** Columns added to `payout_rows` after its first version: a journal created before them gains them when opened. */
export const addedRowColumns: ReadonlyArray<{ name: string; type: string }> = [{ name: 'detail', type: 'TEXT' }];
