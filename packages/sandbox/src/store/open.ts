// Opening a data directory's database: WAL, migrations, statements prepared once and reused, the transaction
// discipline, the key-value table, and the typed tables, as the one Store the sandbox works with.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Columns } from './columns.js';
import { migrate, type Schema, schema, type TableName } from './schema.js';
import { type SqlValue, Table } from './table.js';

export type Tables = { readonly [N in TableName]: Table<Schema[N]['columns']> };

export interface KvStore {
  getKv(key: string): string | undefined;
  setKv(key: string, value: string): void;
}

export interface Store extends Tables, KvStore {
  /** The raw connection, for handlers whose queries the table helpers do not cover (ranges, sums, joins). */
  readonly db: Database.Database;
  /**
   * The statement for `sql`, prepared on first use and reused afterwards. Preparing parses and plans the SQL, which
   * costs more than running a simple statement: code on a request path asks here instead of calling `db.prepare`.
   */
  statement<P extends unknown[] = SqlValue[], R = unknown>(sql: string): Database.Statement<P, R>;
  /** Runs `fn` in one transaction (nested calls become savepoints); rolls back if it throws. */
  transaction<T>(fn: () => T): T;
  /**
   * `transaction` begun with BEGIN IMMEDIATE: for code that reads and then writes, so that another process on the same
   * database cannot write in between (inside an open transaction it is a savepoint, like `transaction`).
   */
  writeTransaction<T>(fn: () => T): T;
  close(): void;
}

/** True for the error `insert` throws when the row's primary key or a unique column is already taken. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || error.code === 'SQLITE_CONSTRAINT_UNIQUE')
  );
}

/**
 * Opens (creating if needed) `${dataDir}/sandbox.db` in WAL mode, so the server and a CLI can share it;
 * `':memory:'` gives a private in-memory database and touches no disk.
 */
export function openStore(dataDir: string): Store {
  const db = openDatabase(dataDir);
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  // Preparing is a parse of the SQL; handlers repeat the same few shapes, so each is prepared once.
  const statements = new Map<string, Database.Statement<unknown[], unknown>>();
  const statement = <P extends unknown[], R>(sql: string): Database.Statement<P, R> => {
    let found = statements.get(sql);
    if (found === undefined) {
      found = db.prepare<unknown[], unknown>(sql);
      statements.set(sql, found);
    }
    // The cache holds statements of every shape; the caller names the one its SQL has.
    return found as unknown as Database.Statement<P, R>;
  };
  const prepare = (sql: string) => statement<SqlValue[], unknown>(sql);
  const kvGet = statement<[string], { value: string }>('SELECT value FROM kv WHERE key = ?');
  const kvSet = statement<[string, string], unknown>(
    'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  // One transaction function for every call: making one per call (db.transaction(fn)) costs more than a short
  // transaction's own statements.
  const inTransaction = db.transaction((body: () => unknown) => body());
  return {
    ...createTables(prepare),
    db,
    statement,
    transaction: <T>(fn: () => T) => inTransaction(fn) as T,
    writeTransaction: <T>(fn: () => T) => inTransaction.immediate(fn) as T,
    getKv: (key) => kvGet.get(key)?.value,
    setKv: (key, value) => {
      kvSet.run(key, value);
    },
    close: () => {
      statements.clear();
      db.close();
    },
  };
}

function openDatabase(dataDir: string): Database.Database {
  if (dataDir === ':memory:') return new Database(':memory:');
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'sandbox.db'));
  // WAL lets readers (a CLI, a second test process) run while the server writes. NORMAL: a commit is in the log,
  // handed to the OS, when it returns, which survives a crash of this process but not a power cut (the log is synced
  // at checkpoints); the README's "Durability and performance" says so to users.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

function createTables(prepare: (sql: string) => Database.Statement<SqlValue[], unknown>): Tables {
  const entries = Object.entries(schema).map(([key, definition]) => [key, new Table<Columns>(definition, prepare)]);
  // Object.fromEntries forgets which key holds which table; the entries come straight from `schema`, so they match.
  return Object.fromEntries(entries) as Tables;
}
