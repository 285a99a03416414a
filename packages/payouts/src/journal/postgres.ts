// The PostgreSQL journal: for batches run by several processes on several machines at once. Same tables and meaning
// as the SQLite journal; row locks (FOR UPDATE SKIP LOCKED) keep two workers from ever claiming the same row.
import pg from 'pg';
import { PayoutConfigError } from '../errors.js';
import type {
  BatchRecord,
  ClaimedRow,
  Journal,
  JournalRow,
  NewBatch,
  NewRow,
  RowState,
  Settlement,
  StateCounts,
} from './journal.js';
import {
  type BatchColumns,
  type RowColumns,
  settlementColumns,
  toBatchRecord,
  toClaimedRow,
  toJournalRow,
  toStateCounts,
} from './rows.js';
import { addedRowColumns, journalTables } from './schema.js';

/** Serialises table creation when several processes open a new database at once (any constant key will do). */
const SCHEMA_LOCK_KEY = '7813220591004001';

/** Rows per INSERT when storing a plan: one statement per chunk keeps each parameter array modest. */
const INSERT_CHUNK = 5000;

/**
 * The claim groups in the order they are served. `$1` is the batch, `$2` the claim's `now`. Each condition is checked
 * twice: when picking and locking candidates, and again once they are locked (see `claim`).
 */
const claimGroups = [
  `state = 'unknown' AND (not_before IS NULL OR not_before <= $2)`,
  `state = 'sending' AND (worker IS NULL OR NOT EXISTS
     (SELECT 1 FROM payout_workers w WHERE w.id = payout_rows.worker AND w.alive_until >= $2))`,
  `state = 'pending' AND (not_before IS NULL OR not_before <= $2)`,
] as const;

/**
 * Opens the journal in the database at `url` (`postgres://user:password@host:port/database`), creating its tables
 * when needed. Rejects when the database cannot be reached; the error never holds the password.
 */
export async function openPostgresJournal(url: string): Promise<Journal> {
  const location = redactPostgresUrl(url);
  const pool = new pg.Pool({ connectionString: url, application_name: 'wxpay-payouts' });
  // A pooled connection the server drops while idle must not crash the process: the pool discards it and the next
  // query opens a new one, so there is nothing to do here.
  pool.on('error', () => {});
  try {
    await createTables(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return new PostgresJournal(pool, location);
}

/** The URL without its password (in the user info or a `password` parameter), for messages and reports. */
export function redactPostgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The parser's error quotes its input, password included: say what is wrong without it.
    throw new PayoutConfigError(
      'the PostgreSQL journal URL is not a valid URL (expected postgres://user:password@host:port/database)',
    );
  }
  parsed.password = '';
  if (parsed.searchParams.has('password')) parsed.searchParams.delete('password');
  return parsed.href;
}

/**
 * Creates the tables unless they all exist. The DDL runs under a transaction-scoped advisory lock because concurrent
 * `CREATE TABLE IF NOT EXISTS` can still fail on a new database; it is skipped when the tables exist because
 * `CREATE INDEX` locks the table against writes even when the index is already there.
 */
async function createTables(pool: pg.Pool): Promise<void> {
  const names = journalTables.map((statement) => /IF NOT EXISTS (\w+)/.exec(statement)?.[1] ?? '');
  const { rows } = await pool.query<{ missing: number }>(
    'SELECT count(*)::int AS missing FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL',
    [names],
  );
  const columns = addedRowColumns.map(({ name }) => name);
  const added = await pool.query<{ missing: number }>(
    `SELECT count(*)::int AS missing FROM unnest($1::text[]) AS name WHERE NOT EXISTS (SELECT 1 FROM
       information_schema.columns c WHERE c.table_name = 'payout_rows' AND c.column_name = name
       AND c.table_schema = current_schema())`,
    [columns],
  );
  if (rows[0]?.missing === 0 && added.rows[0]?.missing === 0) return;
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [SCHEMA_LOCK_KEY]);
    for (const statement of journalTables) await client.query(statement);
    for (const { name, type } of addedRowColumns) {
      await client.query(`ALTER TABLE payout_rows ADD COLUMN IF NOT EXISTS ${name} ${type}`);
    }
  });
}

/** Runs `work` in one transaction on one pooled connection; rolls back (or drops the connection) when it throws. */
async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    // A connection whose transaction state is unknown is closed rather than handed to the next caller.
    client.release(!rolledBack);
    throw error;
  }
}

class PostgresJournal implements Journal {
  readonly location: string;
  readonly #pool: pg.Pool;
  #closed = false;

  constructor(pool: pg.Pool, location: string) {
    this.#pool = pool;
    this.location = location;
  }

  async beginBatch(batch: NewBatch): Promise<BatchRecord> {
    await this.#pool.query(
      `INSERT INTO payout_batches (id, kind, settings, input_hash, row_count, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
      [batch.id, batch.kind, batch.settings, batch.inputHash, batch.rowCount, batch.createdAt],
    );
    return (await this.batch(batch.id)) as BatchRecord;
  }

  async batch(id: string): Promise<BatchRecord | undefined> {
    const { rows } = await this.#pool.query<BatchColumns>('SELECT * FROM payout_batches WHERE id = $1', [id]);
    return rows[0] && toBatchRecord(rows[0]);
  }

  async batches(): Promise<BatchRecord[]> {
    // COLLATE "C": ids order by their bytes, as in SQLite, whatever the database's locale.
    const { rows } = await this.#pool.query<BatchColumns>(
      'SELECT * FROM payout_batches ORDER BY created_at, id COLLATE "C"',
    );
    return rows.map(toBatchRecord);
  }

  async addRows(batchId: string, rows: readonly NewRow[]): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    await inTransaction(this.#pool, async (client) => {
      // Workers planning one batch at once insert the same rows: one at a time per batch, so that the second sees the
      // first's committed rows and skips them (ON CONFLICT names one key; two uncommitted inserts of one row can
      // otherwise collide on the other, `number`, and fail instead).
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`payout_rows:${batchId}`]);
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        await client.query(
          `INSERT INTO payout_rows (batch_id, row, number, openid, amount, data, updated_at)
           SELECT $1, row, number, openid, amount, data, $2
           FROM unnest($3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[])
             AS input (row, number, openid, amount, data)
           ON CONFLICT (batch_id, row) DO NOTHING`,
          [
            batchId,
            now,
            chunk.map((row) => row.row),
            chunk.map((row) => row.number),
            chunk.map((row) => row.openid),
            chunk.map((row) => row.amount),
            chunk.map((row) => row.data),
          ],
        );
      }
    });
  }

  async markPlanned(batchId: string): Promise<void> {
    await this.#pool.query('UPDATE payout_batches SET planned = 1 WHERE id = $1', [batchId]);
  }

  async rows(batchId: string, fromRow: number, limit: number, state?: RowState): Promise<JournalRow[]> {
    const { rows } =
      state === undefined
        ? await this.#pool.query<RowColumns>(
            'SELECT * FROM payout_rows WHERE batch_id = $1 AND row >= $2 ORDER BY row LIMIT $3',
            [batchId, fromRow, limit],
          )
        : await this.#pool.query<RowColumns>(
            'SELECT * FROM payout_rows WHERE batch_id = $1 AND state = $4 AND row >= $2 ORDER BY row LIMIT $3',
            [batchId, fromRow, limit, state],
          );
    return rows.map(toJournalRow);
  }

  async heartbeat(worker: string, aliveUntil: number): Promise<void> {
    await this.#pool.query(
      `INSERT INTO payout_workers (id, alive_until) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET alive_until = excluded.alive_until`,
      [worker, aliveUntil],
    );
  }

  async removeWorker(worker: string): Promise<void> {
    await this.#pool.query('DELETE FROM payout_workers WHERE id = $1', [worker]);
  }

  async workers(): Promise<Array<{ id: string; aliveUntil: number }>> {
    const { rows } = await this.#pool.query<{ id: string; alive_until: string }>(
      'SELECT id, alive_until FROM payout_workers ORDER BY id COLLATE "C"',
    );
    return rows.map(({ id, alive_until }) => ({ id, aliveUntil: Number(alive_until) }));
  }

  /**
   * Each group is claimed in two statements of one transaction. The first picks candidates and locks them, skipping
   * rows another claim or settle holds. The second checks them again before taking them: under READ COMMITTED a row
   * another worker claimed (and committed) after the first statement began is re-checked by its new version but
   * against the first statement's view of `payout_workers`, where that worker's heartbeat may not exist yet; the second
   * statement starts after the locks are ours and sees every commit before it.
   */
  async claim(batchId: string, worker: string, limit: number, now: number): Promise<ClaimedRow[]> {
    if (limit <= 0) return [];
    return inTransaction(this.#pool, async (client) => {
      const claimed: ClaimedRow[] = [];
      for (const where of claimGroups) {
        const left = limit - claimed.length;
        if (left <= 0) break;
        const picked = await client.query<{ row: string }>(
          `SELECT row FROM payout_rows WHERE batch_id = $1 AND ${where}
           ORDER BY row LIMIT $3 FOR UPDATE OF payout_rows SKIP LOCKED`,
          [batchId, now, left],
        );
        if (picked.rows.length === 0) continue;
        const taken = await client.query<RowColumns>(
          `UPDATE payout_rows SET prev_state = CASE state WHEN 'sending' THEN 'unknown' ELSE state END,
             state = 'sending', worker = $3, attempts = attempts + 1, updated_at = $2
           WHERE batch_id = $1 AND row = ANY($4::bigint[]) AND ${where}
           RETURNING *`,
          [batchId, now, worker, picked.rows.map(({ row }) => row)],
        );
        claimed.push(...taken.rows.map(toClaimedRow).sort((a, b) => a.row - b.row));
      }
      return claimed;
    });
  }

  async settle(batchId: string, row: number, worker: string, outcome: Settlement, now: number): Promise<boolean> {
    const columns = settlementColumns(outcome);
    const result = await this.#pool.query(
      `UPDATE payout_rows SET state = $5, prev_state = NULL, worker = NULL, err_code = $6, err_message = $7,
         wx_id = COALESCE($8, wx_id), status = COALESCE($9, status), not_before = $10, updated_at = $4,
         detail = COALESCE($11, detail)
       WHERE batch_id = $1 AND row = $2 AND state = 'sending' AND worker = $3`,
      [
        batchId,
        row,
        worker,
        now,
        columns.state,
        columns.errCode,
        columns.errMessage,
        columns.wxId,
        columns.status,
        columns.notBefore,
        columns.detail,
      ],
    );
    return result.rowCount === 1;
  }

  async release(batchId: string, worker: string, rows: readonly number[], now: number): Promise<void> {
    if (rows.length === 0) return;
    await this.#pool.query(
      `UPDATE payout_rows SET state = prev_state, prev_state = NULL, worker = NULL, updated_at = $3
       WHERE batch_id = $1 AND row = ANY($4::bigint[]) AND state = 'sending' AND worker = $2`,
      [batchId, worker, now, [...rows]],
    );
  }

  async reconcile(batchId: string, row: number, status: string, refundAmount: number | null, now: number) {
    await this.#pool.query(
      `UPDATE payout_rows SET status = $3, refund_amount = $4, updated_at = $5
       WHERE batch_id = $1 AND row = $2 AND state = 'sent'`,
      [batchId, row, status, refundAmount, now],
    );
  }

  async counts(batchId: string): Promise<StateCounts> {
    const byState = await this.#pool.query<{ state: string; count: string; amount: string | null }>(
      'SELECT state, COUNT(*) AS count, SUM(amount) AS amount FROM payout_rows WHERE batch_id = $1 GROUP BY state',
      [batchId],
    );
    const byCode = await this.#pool.query<{ err_code: string; count: string }>(
      `SELECT err_code, COUNT(*) AS count FROM payout_rows
       WHERE batch_id = $1 AND state <> 'sent' AND err_code IS NOT NULL GROUP BY err_code`,
      [batchId],
    );
    return toStateCounts(byState.rows, byCode.rows);
  }

  async nextDue(batchId: string): Promise<number | undefined> {
    const { rows } = await this.#pool.query<{ next: string | null }>(
      `SELECT MIN(not_before) AS next FROM payout_rows
       WHERE batch_id = $1 AND state IN ('pending', 'unknown') AND not_before IS NOT NULL`,
      [batchId],
    );
    const next = rows[0]?.next;
    return next === null || next === undefined ? undefined : Number(next);
  }

  async close(): Promise<void> {
    // pg rejects a second end(); closing twice is harmless here, as it is for the SQLite journal.
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
