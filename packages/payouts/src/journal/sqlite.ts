// The SQLite journal (the default): one file, WAL, each claim and each outcome its own transaction, committed before
// the next step. Several processes may share the file on one machine; SQLite serialises their writes.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
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
  type ClaimedColumns,
  claimedColumns,
  claimedRow,
  type RowColumns,
  settlementColumns,
  toBatchRecord,
  toJournalRow,
  toStateCounts,
} from './rows.js';
import { addedRowColumns, journalTables } from './schema.js';

type Db = InstanceType<typeof Database>;

/**
 * Opens (creating when needed) the journal at `path`. `synchronous = NORMAL` in WAL mode: a commit survives the
 * process being killed at any instant; a power cut may lose the last commits, which only ever makes a row be sent
 * again unchanged under its own number (never a second payment): see the package README.
 */
export function openSqliteJournal(path: string): Journal {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.transaction(() => {
    for (const statement of journalTables) db.exec(statement);
    const have = new Set(
      (db.prepare('PRAGMA table_info(payout_rows)').all() as Array<{ name: string }>).map((c) => c.name),
    );
    for (const { name, type } of addedRowColumns) {
      if (!have.has(name)) db.exec(`ALTER TABLE payout_rows ADD COLUMN ${name} ${type}`);
    }
  }).immediate();
  return new SqliteJournal(db, file);
}

/** The parameters of the `settle` statement, in its order. */
function settleParameters(batchId: string, row: number, worker: string, outcome: Settlement, now: number): unknown[] {
  const c = settlementColumns(outcome);
  return [c.state, c.errCode, c.errMessage, c.wxId, c.status, c.detail, c.notBefore, now, batchId, row, worker];
}

class SqliteJournal implements Journal {
  readonly location: string;
  readonly #db: Db;
  readonly #statements;
  readonly #settles: Array<{
    params: unknown[];
    resolve: (written: boolean) => void;
    reject: (error: unknown) => void;
  }> = [];

  constructor(db: Db, location: string) {
    this.#db = db;
    this.location = location;
    const prepare = (sql: string) => db.prepare(sql);
    // A group is claimed in two statements: the candidates are read (as arrays, the columns a ClaimedRow needs), then
    // marked `sending` together by the same condition over their range of rows. Inside the IMMEDIATE transaction
    // nothing else writes, so the range holds exactly the rows read (the update's count is checked all the same). An
    // UPDATE ... RETURNING * cost twice as much; a group with no candidate costs one read.
    const claimGroup = (where: string) => ({
      pick: prepare(
        `SELECT ${claimedColumns} FROM payout_rows WHERE batch_id = @batch AND ${where} ORDER BY row LIMIT @limit`,
      ).raw(true),
      take: prepare(
        `UPDATE payout_rows SET prev_state = CASE state WHEN 'sending' THEN 'unknown' ELSE state END,
           state = 'sending', worker = @worker, attempts = attempts + 1, updated_at = @now
         WHERE batch_id = @batch AND row BETWEEN @first AND @last AND ${where}`,
      ),
    });
    this.#statements = {
      insertBatch: prepare(
        `INSERT INTO payout_batches (id, kind, settings, input_hash, row_count, created_at)
         VALUES (@id, @kind, @settings, @inputHash, @rowCount, @createdAt) ON CONFLICT (id) DO NOTHING`,
      ),
      batch: prepare('SELECT * FROM payout_batches WHERE id = ?'),
      batches: prepare('SELECT * FROM payout_batches ORDER BY created_at, id'),
      insertRow: prepare(
        `INSERT INTO payout_rows (batch_id, row, number, openid, amount, data, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (batch_id, row) DO NOTHING`,
      ),
      markPlanned: prepare('UPDATE payout_batches SET planned = 1 WHERE id = ?'),
      rows: prepare('SELECT * FROM payout_rows WHERE batch_id = ? AND row >= ? ORDER BY row LIMIT ?'),
      rowsInState: prepare(
        'SELECT * FROM payout_rows WHERE batch_id = ? AND state = ? AND row >= ? ORDER BY row LIMIT ?',
      ),
      heartbeat: prepare(
        `INSERT INTO payout_workers (id, alive_until) VALUES (?, ?)
         ON CONFLICT (id) DO UPDATE SET alive_until = excluded.alive_until`,
      ),
      removeWorker: prepare('DELETE FROM payout_workers WHERE id = ?'),
      workers: prepare('SELECT id, alive_until FROM payout_workers ORDER BY id'),
      dueUnknown: claimGroup(`state = 'unknown' AND (not_before IS NULL OR not_before <= @now)`),
      orphaned: claimGroup(
        `state = 'sending' AND (worker IS NULL OR worker NOT IN
           (SELECT id FROM payout_workers WHERE alive_until >= @now))`,
      ),
      duePending: claimGroup(`state = 'pending' AND (not_before IS NULL OR not_before <= @now)`),
      // Positional parameters, in the order of `settleParameters` (binding names cost more than the update).
      settle: prepare(
        `UPDATE payout_rows SET state = ?, err_code = ?, err_message = ?, wx_id = COALESCE(?, wx_id),
           status = COALESCE(?, status), detail = COALESCE(?, detail), not_before = ?, updated_at = ?,
           prev_state = NULL, worker = NULL
         WHERE batch_id = ? AND row = ? AND state = 'sending' AND worker = ?`,
      ),
      release: prepare(
        `UPDATE payout_rows SET state = prev_state, prev_state = NULL, worker = NULL, updated_at = @now
         WHERE batch_id = @batch AND row = @row AND state = 'sending' AND worker = @worker`,
      ),
      reconcile: prepare(
        `UPDATE payout_rows SET status = @status, refund_amount = @refundAmount, updated_at = @now
         WHERE batch_id = @batch AND row = @row AND state = 'sent'`,
      ),
      countsByState: prepare(
        'SELECT state, COUNT(*) AS count, SUM(amount) AS amount FROM payout_rows WHERE batch_id = ? GROUP BY state',
      ),
      countsByCode: prepare(
        `SELECT err_code, COUNT(*) AS count FROM payout_rows
         WHERE batch_id = ? AND state <> 'sent' AND err_code IS NOT NULL GROUP BY err_code`,
      ),
      nextDue: prepare(
        `SELECT MIN(not_before) FROM payout_rows
         WHERE batch_id = ? AND state IN ('pending', 'unknown') AND not_before IS NOT NULL`,
      ).pluck(),
    };
  }

  async beginBatch(batch: NewBatch): Promise<BatchRecord> {
    this.#statements.insertBatch.run(batch);
    return (await this.batch(batch.id)) as BatchRecord;
  }

  async batch(id: string): Promise<BatchRecord | undefined> {
    const found = this.#statements.batch.get(id) as BatchColumns | undefined;
    return found && toBatchRecord(found);
  }

  async batches(): Promise<BatchRecord[]> {
    return (this.#statements.batches.all() as BatchColumns[]).map(toBatchRecord);
  }

  async addRows(batchId: string, rows: readonly NewRow[]): Promise<void> {
    const now = Date.now();
    this.#db
      .transaction(() => {
        const insert = this.#statements.insertRow;
        for (const row of rows) insert.run(batchId, row.row, row.number, row.openid, row.amount, row.data, now);
      })
      .immediate();
  }

  async markPlanned(batchId: string): Promise<void> {
    this.#statements.markPlanned.run(batchId);
  }

  async rows(batchId: string, fromRow: number, limit: number, state?: RowState): Promise<JournalRow[]> {
    const found =
      state === undefined
        ? this.#statements.rows.all(batchId, fromRow, limit)
        : this.#statements.rowsInState.all(batchId, state, fromRow, limit);
    return (found as RowColumns[]).map(toJournalRow);
  }

  async heartbeat(worker: string, aliveUntil: number): Promise<void> {
    this.#statements.heartbeat.run(worker, aliveUntil);
  }

  async removeWorker(worker: string): Promise<void> {
    this.#statements.removeWorker.run(worker);
  }

  async workers(): Promise<Array<{ id: string; aliveUntil: number }>> {
    const found = this.#statements.workers.all() as Array<{ id: string; alive_until: number }>;
    return found.map(({ id, alive_until }) => ({ id, aliveUntil: alive_until }));
  }

  async claim(batchId: string, worker: string, limit: number, now: number): Promise<ClaimedRow[]> {
    const s = this.#statements;
    return this.#db
      .transaction(() => {
        const claimed: ClaimedRow[] = [];
        for (const group of [s.dueUnknown, s.orphaned, s.duePending]) {
          const left = limit - claimed.length;
          if (left <= 0) break;
          const picked = group.pick.all({ batch: batchId, now, limit: left }) as ClaimedColumns[];
          if (picked.length === 0) continue;
          const first = (picked[0] as ClaimedColumns)[0];
          const last = (picked[picked.length - 1] as ClaimedColumns)[0];
          const { changes } = group.take.run({ batch: batchId, worker, now, first, last });
          // Fail closed (the transaction rolls back) should the rows taken ever differ from the rows read.
          if (changes !== picked.length) throw new Error(`claim took ${changes} rows, read ${picked.length}`);
          for (const columns of picked) claimed.push(claimedRow(columns, now));
        }
        return claimed;
      })
      .immediate();
  }

  /**
   * Outcomes written in the same turn of the event loop (the engine hands them over together) share one transaction
   * (a commit per row costs more than the send). Each promise resolves once its outcome is committed; a crash before
   * that leaves the row `sending`, which the next claim resolves as ambiguous (query or identical resend) — never a
   * second payment.
   */
  settle(batchId: string, row: number, worker: string, outcome: Settlement, now: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const params = settleParameters(batchId, row, worker, outcome, now);
      this.#settles.push({ params, resolve, reject });
      if (this.#settles.length === 1) setImmediate(() => this.#writeSettles());
    });
  }

  #writeSettles(): void {
    const settles = this.#settles.splice(0);
    if (settles.length === 0) return;
    try {
      const written = this.#db
        .transaction(() => settles.map(({ params }) => this.#statements.settle.run(params).changes === 1))
        .immediate();
      settles.forEach(({ resolve }, i) => {
        resolve(written[i] as boolean);
      });
    } catch (error) {
      for (const { reject } of settles) reject(error);
    }
  }

  async release(batchId: string, worker: string, rows: readonly number[], now: number): Promise<void> {
    this.#db
      .transaction(() => {
        for (const row of rows) this.#statements.release.run({ batch: batchId, row, worker, now });
      })
      .immediate();
  }

  async reconcile(batchId: string, row: number, status: string, refundAmount: number | null, now: number) {
    this.#statements.reconcile.run({ batch: batchId, row, status, refundAmount, now });
  }

  async counts(batchId: string): Promise<StateCounts> {
    const byState = this.#statements.countsByState.all(batchId) as Array<{
      state: string;
      count: number;
      amount: number;
    }>;
    const byCode = this.#statements.countsByCode.all(batchId) as Array<{ err_code: string; count: number }>;
    return toStateCounts(byState, byCode);
  }

  async nextDue(batchId: string): Promise<number | undefined> {
    const next = this.#statements.nextDue.get(batchId) as number | null;
    return next ?? undefined;
  }

  async close(): Promise<void> {
    this.#writeSettles();
    this.#db.close();
  }
}
