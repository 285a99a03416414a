// The sandbox's persistent state: one SQLite database (WAL) per data directory, its schema, and typed table access.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Pem, PublicKeyPair } from './pki.js';

/** Bumped whenever a table changes shape; a database from a newer sandbox is refused rather than misread. */
export const SCHEMA_VERSION = 2;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type MerchantKind = 'mainland' | 'global' | 'institution';
/** Which key the sandbox signs APIv3 replies with: platform certificate, WeChat Pay public key, or both during migration. */
export type SigningMode = 'certificate' | 'public_key' | 'mixed';
export type RedpackKind = 'NORMAL' | 'WORKWX';
/** `RFUND_ING` is WeChat's own spelling. */
export type RedpackStatus = 'SENDING' | 'SENT' | 'RECEIVED' | 'RFUND_ING' | 'REFUND' | 'FAILED';
/** What `daily_totals` counts: red packets (both kinds share one set of limits) or WeCom payouts to staff. */
export type DailyProduct = 'redpack' | 'payout';
/** 1 not activated, 2 under review, 4 activated, 8 voided, 16 sending stopped. */
export type CouponStockStatus = 1 | 2 | 4 | 8 | 16;
export type TradeType = 'JSAPI' | 'NATIVE' | 'APP' | 'MWEB' | 'MICROPAY';
export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';
export type RefundStatus = 'SUCCESS' | 'REFUNDCLOSE' | 'PROCESSING' | 'ABNORMAL';

/** Everything secret or per-merchant that is not worth a column of its own (the `merchants.config` JSON). */
export interface MerchantConfig {
  apiv2Key: string;
  /** Exactly 32 ASCII bytes (the AES-256-GCM key). */
  apiv3Key: string;
  /** The merchant API certificate (apiclient_cert.pem / apiclient_key.pem); `serial` is the APIv3 `serial_no`. */
  apiCert: Pem;
  /** The certificate the sandbox signs APIv3 replies with in `certificate` and `mixed` modes. */
  platformCert: Pem;
  /** The key the sandbox signs with in `public_key` and `mixed` modes. */
  publicKey: PublicKeyPair;
  signingMode: SigningMode;
  /** Appids bound to the merchant by purpose, e.g. `{ redpack: 'wx8888888888888888', coupon: 'wx5edab3bdfba3dc1c' }`. */
  appids: Record<string, string>;
  /** WeCom corp id and payment secret (the `workwx_sign` key), for merchants that pay through WeCom. */
  workwx?: { corpid: string; secret: string };
  /** Knobs for individual handlers (limits, fault switches) that need no query of their own. */
  settings?: Record<string, JsonValue>;
}

/** One delivery attempt of a notification, newest last in `notifications.log`. */
export interface NotificationAttempt {
  /** Unix seconds. */
  at: number;
  /** HTTP status of the merchant's reply, or null when there was none (refused, timed out). */
  status: number | null;
  error: string | null;
}

// ---- Column and table descriptions: the schema below is data, so SQL and TypeScript row types come from one place.

/** What SQL needs to know about a column. */
interface ColumnShape {
  readonly sqlType: 'TEXT' | 'INTEGER';
  readonly nullable: boolean;
  /** Stored as JSON text, handed out parsed. */
  readonly json: boolean;
  readonly defaultSql: string | undefined;
}
/** A column; `T` (its value in a row) and `Optional` (may an insert omit it) exist only for the compiler. */
interface Column<T, Optional extends boolean> extends ColumnShape {
  readonly valueType?: T;
  readonly optional?: Optional;
}
type Columns = Record<string, Column<unknown, boolean>>;

/** What SQL needs to know about a table. */
interface TableShape {
  readonly name: string;
  readonly columns: Readonly<Record<string, ColumnShape>>;
  readonly primaryKey: readonly string[];
  readonly unique?: readonly (readonly string[])[];
  /** Column lists in SQL, optionally followed by `WHERE ...` for a partial index. */
  readonly indexes?: readonly string[];
}
/** A table whose keys are checked against its own columns. */
interface TableDefinition<C extends Columns> extends TableShape {
  readonly columns: C;
  readonly primaryKey: readonly (keyof C & string)[];
  readonly unique?: readonly (readonly (keyof C & string)[])[];
}

const text = <T extends string = string>(): Column<T, false> => shape('TEXT', false);
const integer = <T extends number = number>(): Column<T, false> => shape('INTEGER', false);
const json = <T>(): Column<T, false> => shape('TEXT', true);

function shape(sqlType: ColumnShape['sqlType'], json: boolean): ColumnShape {
  return { sqlType, nullable: false, json, defaultSql: undefined };
}

/** NULL allowed; an insert may leave it out. */
function nullable<T>(base: Column<T, boolean>): Column<T | null, true> {
  const { sqlType, json, defaultSql } = base;
  return { sqlType, nullable: true, json, defaultSql };
}

/** An insert may leave it out and gets `value`. */
function withDefault<T>(base: Column<T, boolean>, value: T): Column<T, true> {
  const { sqlType, nullable, json } = base;
  const stored = json ? JSON.stringify(value) : value;
  const defaultSql = typeof stored === 'number' ? String(stored) : `'${String(stored).replaceAll("'", "''")}'`;
  return { sqlType, nullable, json, defaultSql };
}

function defineTable<C extends Columns>(definition: TableDefinition<C>): TableDefinition<C> {
  return definition;
}

type ValueOf<C> = C extends Column<infer T, boolean> ? T : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RowOf<C extends Columns> = Simplify<{ -readonly [K in keyof C]: ValueOf<C[K]> }>;
type OptionalKeys<C extends Columns> = { [K in keyof C]: C[K] extends Column<unknown, true> ? K : never }[keyof C];
type NewRowOf<C extends Columns> = Simplify<
  { [K in Exclude<keyof C, OptionalKeys<C>>]: ValueOf<C[K]> } & { [K in OptionalKeys<C>]?: ValueOf<C[K]> }
>;

// ---- The schema. Money is INTEGER fen, times are INTEGER unix seconds, ids are TEXT (many exceed 2^53).

const schema = {
  merchants: defineTable({
    name: 'merchants',
    columns: {
      mchid: text(),
      kind: text<MerchantKind>(),
      /** The institution this merchant is a sub-merchant of (institutional mode); it may still call in common mode. */
      parent_mchid: nullable(text()),
      name: nullable(text()),
      config: json<MerchantConfig>(),
      /** Funds available for red packets and payouts, fen. */
      balance: withDefault(integer(), 0),
      /** Requests per second before FREQ_LIMIT / RATELIMIT_EXCEEDED. */
      rate_limit: withDefault(integer(), 30),
    },
    primaryKey: ['mchid'],
    indexes: ['parent_mchid'],
  }),
  users: defineTable({
    name: 'users',
    columns: {
      openid: text(),
      mchid: text(),
      appid: text(),
      /** Real name, for `check_name=FORCE_CHECK` payouts. */
      name: nullable(text()),
    },
    primaryKey: ['openid'],
    indexes: ['mchid'],
  }),
  redpacks: defineTable({
    name: 'redpacks',
    columns: {
      mch_id: text(),
      mch_billno: text(),
      send_listid: text(),
      detail_id: text(),
      kind: text<RedpackKind>(),
      /** Official-account appid (NORMAL) or WeCom corpid (WORKWX). */
      wxappid: text(),
      re_openid: text(),
      total_amount: integer(),
      total_num: withDefault(integer(), 1),
      wishing: text(),
      act_name: text(),
      remark: text(),
      scene_id: nullable(text()),
      risk_info: nullable(text()),
      client_ip: nullable(text()),
      consume_mch_id: nullable(text()),
      /** NORMAL packets. */
      send_name: nullable(text()),
      /** WORKWX packets. */
      sender_name: nullable(text()),
      sender_header_media_id: nullable(text()),
      agentid: nullable(text()),
      status: text<RedpackStatus>(),
      reason: nullable(text()),
      send_time: integer(),
      rcv_time: nullable(integer()),
      refund_time: nullable(integer()),
      refund_amount: nullable(integer()),
      /** Hash of the business fields: the same billno with other parameters is FATAL_ERROR, not a resend. */
      request_hash: text(),
      created_at: integer(),
    },
    primaryKey: ['mch_id', 'mch_billno'],
    unique: [['send_listid']],
    // Settling finds the packets whose next step is due. (Listing by merchant uses the primary key; the daily limits
    // read `daily_totals`. Every index is one more B-tree page written per packet, so there are no others.)
    indexes: ['status, send_time'],
  }),
  /**
   * Running totals of one China calendar day behind the daily limits, written in the same transaction as the payment
   * they count, so a limit check reads one row however many payments the day already holds.
   */
  dailyTotals: defineTable({
    name: 'daily_totals',
    columns: {
      product: text<DailyProduct>(),
      mchid: text(),
      /** The recipient; '' for the merchant's own total. */
      openid: text(),
      /** The day's 00:00 in China (UTC+8), as unix seconds. */
      day: integer(),
      count: integer(),
      fen: integer(),
      /** Unix seconds of the latest payment counted (payouts want 15 s between payments to one person). */
      last_at: integer(),
    },
    primaryKey: ['product', 'mchid', 'openid', 'day'],
  }),
  couponStocks: defineTable({
    name: 'coupon_stocks',
    columns: {
      coupon_stock_id: text(),
      mchid: text(),
      appid: text(),
      name: nullable(text()),
      value: integer(),
      /** Minimum order amount for the coupon to apply (WeChat's `coupon_mininumn`). */
      minimum: integer(),
      status: integer<CouponStockStatus>(),
      total: integer(),
      /** Per-user quota; 0 means unlimited. */
      max_quota: integer(),
      sent: withDefault(integer(), 0),
      budget: integer(),
      begin_time: integer(),
      end_time: integer(),
      create_time: integer(),
    },
    primaryKey: ['coupon_stock_id'],
  }),
  coupons: defineTable({
    name: 'coupons',
    columns: {
      coupon_id: text(),
      coupon_stock_id: text(),
      mchid: text(),
      appid: text(),
      openid: text(),
      /** The idempotency key of send_coupon. */
      partner_trade_no: text(),
      request_hash: text(),
      state: text(),
      value: integer(),
      send_time: integer(),
      use_time: nullable(integer()),
      /** The order the coupon was spent on. */
      trade_no: nullable(text()),
    },
    primaryKey: ['coupon_id'],
    unique: [['mchid', 'partner_trade_no']],
    indexes: ['coupon_stock_id, openid'],
  }),
  orders: defineTable({
    name: 'orders',
    columns: {
      /** The merchant the order belongs to: `mchid` in common mode, `sub_mchid` in institutional mode. */
      mchid: text(),
      out_trade_no: text(),
      /** WeChat's order number (the global API calls it `id`, not `transaction_id`). */
      id: text(),
      sp_mchid: nullable(text()),
      sub_mchid: nullable(text()),
      appid: nullable(text()),
      sp_appid: nullable(text()),
      sub_appid: nullable(text()),
      trade_type: text<TradeType>(),
      trade_state: text<TradeState>(),
      trade_state_desc: nullable(text()),
      description: text(),
      attach: nullable(text()),
      notify_url: text(),
      merchant_category_code: nullable(text()),
      amount_total: integer(),
      currency: text(),
      payer_total: nullable(integer()),
      payer_currency: nullable(text()),
      /** Settlement rate x 10^8, as the API reports it. */
      exchange_rate: nullable(integer()),
      /** `{ openid }` or `{ sp_openid | sub_openid }`. */
      payer: nullable(json<Record<string, string>>()),
      bank_type: nullable(text()),
      promotion_detail: nullable(json<JsonValue[]>()),
      prepay_id: nullable(text()),
      code_url: nullable(text()),
      mweb_url: nullable(text()),
      success_time: nullable(integer()),
      request_hash: text(),
      created_at: integer(),
    },
    primaryKey: ['mchid', 'out_trade_no'],
    unique: [['id']],
  }),
  refunds: defineTable({
    name: 'refunds',
    columns: {
      /** As in `orders`: the common-mode merchant or the sub-merchant. */
      mchid: text(),
      out_refund_no: text(),
      id: text(),
      sp_mchid: nullable(text()),
      sub_mchid: nullable(text()),
      out_trade_no: text(),
      order_id: text(),
      amount_refund: integer(),
      amount_total: integer(),
      currency: text(),
      payer_refund: nullable(integer()),
      payer_currency: nullable(text()),
      reason: nullable(text()),
      notify_url: nullable(text()),
      status: text<RefundStatus>(),
      request_hash: text(),
      created_at: integer(),
      success_time: nullable(integer()),
    },
    primaryKey: ['mchid', 'out_refund_no'],
    unique: [['id']],
    indexes: ['mchid, out_trade_no'],
  }),
  notifications: defineTable({
    name: 'notifications',
    columns: {
      id: text(),
      mchid: text(),
      url: text(),
      event_type: text(),
      /** The exact bytes POSTed on every attempt (already encrypted); signatures are made per attempt. */
      body: text(),
      content_type: withDefault(text(), 'application/json'),
      attempts: withDefault(integer(), 0),
      /** Null once delivered or given up. */
      next_attempt_at: nullable(integer()),
      delivered_at: nullable(integer()),
      last_status: nullable(integer()),
      log: withDefault(json<NotificationAttempt[]>(), []),
      created_at: integer(),
    },
    primaryKey: ['id'],
    indexes: ['next_attempt_at WHERE delivered_at IS NULL'],
  }),
} as const;

type Schema = typeof schema;
export type TableName = keyof Schema;
/** A row as read back. */
export type Row<N extends TableName> = RowOf<Schema[N]['columns']>;
/** A row to insert: nullable and defaulted columns may be left out. */
export type NewRow<N extends TableName> = NewRowOf<Schema[N]['columns']>;

export type MerchantRow = Row<'merchants'>;
export type UserRow = Row<'users'>;
export type RedpackRow = Row<'redpacks'>;
export type DailyTotalRow = Row<'dailyTotals'>;
export type CouponStockRow = Row<'couponStocks'>;
export type CouponRow = Row<'coupons'>;
export type OrderRow = Row<'orders'>;
export type RefundRow = Row<'refunds'>;
export type NotificationRow = Row<'notifications'>;

export interface ListOptions<R> {
  orderBy?: keyof R & string;
  descending?: boolean;
  limit?: number;
}

type SqlValue = string | number | null;

/**
 * Typed access to one table. `where` objects match every given column by equality (`null` matches NULL);
 * keys set to `undefined` are ignored, unknown keys throw, so a typo can neither widen a query nor reach SQL.
 */
export class Table<C extends Columns> {
  readonly name: string;
  private readonly quotedName: string;
  private readonly jsonColumns: string[];
  /**
   * Statements by the shape of a call (which columns, which of them NULL, order, limit): the SQL text is built and
   * looked up once per shape, not on every call.
   */
  private readonly shapes = new Map<string, Database.Statement<SqlValue[], unknown>>();

  /** `C` is not checked against `definition` here; `createTables` pairs each table with its own schema entry. */
  constructor(
    private readonly definition: TableShape,
    private readonly prepare: (sql: string) => Database.Statement<SqlValue[], unknown>,
  ) {
    this.name = definition.name;
    this.quotedName = quote(definition.name);
    this.jsonColumns = Object.keys(definition.columns).filter((key) => definition.columns[key]?.json);
  }

  /** Throws a SqliteError (see `isUniqueViolation`) when a primary key or unique constraint is taken. */
  insert(row: NewRowOf<C>): void {
    const { names, values } = this.encoded(row);
    const statement = this.shaped(`insert ${names.join(',')}`, () => {
      const marks = names.map(() => '?').join(', ');
      return `INSERT INTO ${this.quotedName} (${names.map(quote).join(', ')}) VALUES (${marks})`;
    });
    statement.run(...values);
  }

  get(where: Partial<RowOf<C>>): RowOf<C> | undefined {
    return this.list(where, { limit: 1 })[0];
  }

  list(where: Partial<RowOf<C>> = {}, options: ListOptions<RowOf<C>> = {}): RowOf<C>[] {
    const test = this.whereTest(where);
    const { orderBy, descending, limit } = options;
    if (orderBy !== undefined) this.assertColumn(orderBy);
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
      throw new RangeError('limit must be a whole number');
    }
    const key = `select ${test.key} ${orderBy ?? ''} ${descending ? 'desc' : ''} ${limit ?? ''}`;
    const statement = this.shaped(key, () => {
      let sql = `SELECT * FROM ${this.quotedName}${test.clause()}`;
      if (orderBy !== undefined) sql += ` ORDER BY ${quote(orderBy)}${descending ? ' DESC' : ''}`;
      if (limit !== undefined) sql += ` LIMIT ${limit}`;
      return sql;
    });
    return statement.all(...test.params).map((raw) => this.decode(raw));
  }

  count(where: Partial<RowOf<C>> = {}): number {
    const test = this.whereTest(where);
    const statement = this.shaped(
      `count ${test.key}`,
      () => `SELECT COUNT(*) AS n FROM ${this.quotedName}${test.clause()}`,
    );
    return (statement.get(...test.params) as { n: number }).n;
  }

  /** Returns the number of rows changed. An empty `where` is refused: updating a whole table is never meant. */
  update(where: Partial<RowOf<C>>, changes: Partial<RowOf<C>>): number {
    const test = this.whereTest(where);
    if (test.key === '') throw new Error(`refusing to update every row of ${this.name}`);
    const sets = this.encoded(changes);
    if (sets.names.length === 0) return 0;
    const statement = this.shaped(`update ${sets.names.join(',')} ${test.key}`, () => {
      const assignments = sets.names.map((name) => `${quote(name)} = ?`).join(', ');
      return `UPDATE ${this.quotedName} SET ${assignments}${test.clause()}`;
    });
    return statement.run(...sets.values, ...test.params).changes;
  }

  private shaped(key: string, sql: () => string): Database.Statement<SqlValue[], unknown> {
    let statement = this.shapes.get(key);
    if (statement === undefined) {
      statement = this.prepare(sql());
      this.shapes.set(key, statement);
    }
    return statement;
  }

  /** A `where` object as a shape key (`=` or `null` per column), its WHERE clause (built on demand) and parameters. */
  private whereTest(where: Partial<RowOf<C>>): { key: string; clause: () => string; params: SqlValue[] } {
    const { names, values } = this.encoded(where);
    const params: SqlValue[] = [];
    let key = '';
    for (let i = 0; i < names.length; i++) {
      const value = values[i] ?? null;
      key += `${names[i]}${value === null ? ' null,' : ' =,'}`;
      if (value !== null) params.push(value);
    }
    const clause = () => {
      if (names.length === 0) return '';
      const tests = names.map((name, i) => `${quote(name)} ${(values[i] ?? null) === null ? 'IS NULL' : '= ?'}`);
      return ` WHERE ${tests.join(' AND ')}`;
    };
    return { key, clause, params };
  }

  /** Defined keys of a row-like object, checked against the schema, and their values encoded for SQLite. */
  private encoded(row: object): { names: string[]; values: SqlValue[] } {
    const names: string[] = [];
    const values: SqlValue[] = [];
    for (const [name, value] of Object.entries(row)) {
      if (value === undefined) continue;
      names.push(name);
      values.push(encode(this.assertColumn(name), `${this.name}.${name}`, value));
    }
    return { names, values };
  }

  private assertColumn(name: string): ColumnShape {
    const definition = Object.hasOwn(this.definition.columns, name) ? this.definition.columns[name] : undefined;
    if (definition === undefined) throw new Error(`${this.name} has no column ${name}`);
    return definition;
  }

  private decode(raw: unknown): RowOf<C> {
    const row = raw as Record<string, unknown>;
    for (const name of this.jsonColumns) {
      const value = row[name];
      if (typeof value === 'string') row[name] = JSON.parse(value);
    }
    return row as RowOf<C>;
  }
}

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

function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
    const found = row === undefined ? undefined : Number(row.value);
    if (found !== undefined && found > SCHEMA_VERSION) {
      throw new Error(
        `sandbox.db has schema version ${found}; this @wxpay/sandbox understands up to ${SCHEMA_VERSION}`,
      );
    }
    db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const definition of Object.values(schema)) db.exec(createTableSql(definition));
    dropUndeclaredIndexes(db);
    if (found !== undefined && found < 2) backfillDailyTotals(db);
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
  })();
}

/**
 * Version 1 kept no daily totals: the red packets already stored are counted once, so limits keep holding across the
 * upgrade. (Payouts had no limits before version 2, so there is nothing of theirs to count.)
 */
function backfillDailyTotals(db: Database.Database): void {
  // The China day of a send: 00:00 UTC+8 is 16:00 UTC the day before.
  const day = '((send_time + 28800) / 86400) * 86400 - 28800';
  for (const recipient of ['re_openid', "''"]) {
    db.exec(`INSERT OR REPLACE INTO daily_totals (product, mchid, openid, day, count, fen, last_at)
      SELECT 'redpack', mch_id, ${recipient}, ${day}, COUNT(*), SUM(total_amount), MAX(send_time)
      FROM redpacks GROUP BY mch_id, ${recipient}, ${day}`);
  }
}

function createTableSql(definition: TableShape): string {
  const lines = Object.entries(definition.columns).map(([name, column]) => {
    let line = `${quote(name)} ${column.sqlType}`;
    if (!column.nullable) line += ' NOT NULL';
    if (column.defaultSql !== undefined) line += ` DEFAULT ${column.defaultSql}`;
    return line;
  });
  lines.push(`PRIMARY KEY (${definition.primaryKey.map(quote).join(', ')})`);
  for (const unique of definition.unique ?? []) lines.push(`UNIQUE (${unique.map(quote).join(', ')})`);
  const table = quote(definition.name);
  const statements = [`CREATE TABLE IF NOT EXISTS ${table} (\n  ${lines.join(',\n  ')}\n)`];
  for (const index of definition.indexes ?? []) {
    const indexName = quote(indexNameOf(definition.name, index));
    const [columns, condition] = index.split(' WHERE ');
    const where = condition === undefined ? '' : ` WHERE ${condition}`;
    statements.push(`CREATE INDEX IF NOT EXISTS ${indexName} ON ${table} (${columns})${where}`);
  }
  return statements.join(';\n');
}

/** `redpacks_by_status_send_time`: named after what it indexes, so a changed list can never keep a stale index. */
function indexNameOf(table: string, index: string): string {
  return `${table}_by_${index.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+$/, '')}`;
}

/**
 * Drops the indexes this schema no longer declares (the sandbox creates every index of its own, named as
 * `indexNameOf` names them; SQLite's automatic ones for keys are left alone). Earlier versions numbered them by
 * position, and the red packets once had two more that only the per-day scans used.
 */
function dropUndeclaredIndexes(db: Database.Database): void {
  const declared = new Set(
    Object.values(schema).flatMap((definition: TableShape) =>
      (definition.indexes ?? []).map((index) => indexNameOf(definition.name, index)),
    ),
  );
  const existing = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
    .all();
  for (const { name } of existing) if (!declared.has(name)) db.exec(`DROP INDEX ${quote(name)}`);
}

/** Errors name the column, never the value: values include keys and secrets. */
function encode(definition: ColumnShape, columnName: string, value: unknown): SqlValue {
  if (value === null) {
    if (!definition.nullable) throw new TypeError(`${columnName} cannot be null`);
    return null;
  }
  if (definition.json) return JSON.stringify(value);
  if (definition.sqlType === 'INTEGER') {
    // Fen and unix seconds are whole numbers; a fraction here is a bug upstream, not something to round away.
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw new TypeError(`${columnName} must be an integer`);
    return value;
  }
  if (typeof value !== 'string') throw new TypeError(`${columnName} must be a string`);
  return value;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
