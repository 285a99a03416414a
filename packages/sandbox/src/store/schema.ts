// The store's schema and its migrations: every table as data, the row types that come from it, the schema version,
// and how a database of an earlier version is brought up to this one.
import type Database from 'better-sqlite3';
import type { Pem, PublicKeyPair } from '../pki.js';
import {
  defineTable,
  integer,
  json,
  type NewRowOf,
  nullable,
  quote,
  type RowOf,
  sharedJson,
  type TableShape,
  text,
  withDefault,
} from './columns.js';

/** Bumped whenever a table changes shape; a database from a newer sandbox is refused rather than misread. */
export const SCHEMA_VERSION = 5;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type MerchantKind = 'mainland' | 'global' | 'institution';
/** Which key the sandbox signs APIv3 replies with: platform certificate, WeChat Pay public key, or both during migration. */
export type SigningMode = 'certificate' | 'public_key' | 'mixed';
export type RedpackKind = 'NORMAL' | 'WORKWX';
/** `RFUND_ING` is WeChat's own spelling. */
export type RedpackStatus = 'SENDING' | 'SENT' | 'RECEIVED' | 'RFUND_ING' | 'REFUND' | 'FAILED';
/** What `daily_totals` counts: red packets (both kinds share one set of limits) or WeCom payouts to staff. */
export type DailyProduct = 'redpack' | 'payout';
/**
 * Why a balance moved: the merchant was created with it, topped up; a red packet, a WeCom payout or a merchant
 * transfer was paid from it, or a payment refunded to its payer (`pay_refund`, mainland refunds); an unopened red
 * packet or a transfer that did not go through came back.
 */
export type LedgerReason =
  | 'opening'
  | 'top_up'
  | 'redpack'
  | 'redpack_refund'
  | 'payout'
  | 'transfer'
  | 'transfer_refund'
  | 'pay_refund';
/** 1 not activated, 2 under review, 4 activated, 8 voided, 16 sending stopped. */
export type CouponStockStatus = 1 | 2 | 4 | 8 | 16;
export type TradeType = 'JSAPI' | 'NATIVE' | 'APP' | 'MWEB' | 'MICROPAY';
export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';
export type RefundStatus = 'SUCCESS' | 'REFUNDCLOSE' | 'PROCESSING' | 'ABNORMAL';
/** A merchant transfer's state; `TRANSFERING` is WeChat's own spelling. */
export type TransferBillState =
  | 'ACCEPTED'
  | 'PROCESSING'
  | 'WAIT_USER_CONFIRM'
  | 'TRANSFERING'
  | 'SUCCESS'
  | 'FAIL'
  | 'CANCELING'
  | 'CANCELLED';
/** Which APIv3 family an order or refund was made through: they differ in replies, notifications and rules. */
export type PayApi = 'global' | 'mainland';

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
  /**
   * Mainland service providers (`sp_mchid`) this merchant is also a sub-merchant of, besides `parent_mchid`, each with
   * the appids (`sub_appid`) the merchant uses under it: one merchant id may serve several roles (1900000109 is the
   * global default and 1230000109's mainland sub-merchant), and an appid bound for one role is not bound for another.
   */
  serviceProviders?: Record<string, string[]>;
}

/** One delivery attempt of a notification, newest last in `notifications.log`. */
export interface NotificationAttempt {
  /** Unix seconds. */
  at: number;
  /** HTTP status of the merchant's reply, or null when there was none (refused, timed out). */
  status: number | null;
  error: string | null;
  /** The start of the merchant's reply body; absent when it was empty or there was no reply. */
  reply?: string;
}

// ---- The tables. Money is INTEGER fen, times are INTEGER unix seconds, ids are TEXT (many exceed 2^53).

export const schema = {
  merchants: defineTable({
    name: 'merchants',
    columns: {
      mchid: text(),
      kind: text<MerchantKind>(),
      /** The institution this merchant is a sub-merchant of (institutional mode); it may still call in common mode. */
      parent_mchid: nullable(text()),
      name: nullable(text()),
      config: sharedJson<MerchantConfig>('config_version'),
      /** Redrawn (random) by a trigger whenever `config` is written: readers keep a parsed config while it stays. */
      config_version: withDefault(integer(), 0),
      /** Funds available for red packets and payouts, fen. */
      balance: withDefault(integer(), 0),
      /** Requests per second before FREQ_LIMIT / RATELIMIT_EXCEEDED / FREQUENCY_LIMITED. */
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
  /** WeCom pay-to-staff payments (promotion/paywwsptrans2pocket), by their idempotency key. */
  pocketPayments: defineTable({
    name: 'pocket_payments',
    columns: {
      mchid: text(),
      partner_trade_no: text(),
      /** Null on payments a version-2 sandbox made: it kept only what answering a resend needed. */
      openid: nullable(text()),
      amount: nullable(integer()),
      payment_no: text(),
      payment_time: integer(),
      request_hash: text(),
    },
    primaryKey: ['mchid', 'partner_trade_no'],
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
      /** Made through the global or the mainland API (the rows before version 5 are all global). */
      api: withDefault(text<PayApi>(), 'global'),
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
      /** As in `orders`. */
      api: withDefault(text<PayApi>(), 'global'),
    },
    primaryKey: ['mchid', 'out_refund_no'],
    unique: [['id']],
    indexes: ['mchid, out_trade_no'],
  }),
  /** Mainland merchant transfers (商家转账), by their idempotency key: docs/endpoints.md#apiv3-merchant-transfers. */
  transferBills: defineTable({
    name: 'transfer_bills',
    columns: {
      mchid: text(),
      out_bill_no: text(),
      transfer_bill_no: text(),
      appid: text(),
      openid: text(),
      /** The payee's name as decrypted from the request (the query encrypts it again, for the merchant). */
      user_name: nullable(text()),
      transfer_scene_id: text(),
      transfer_amount: integer(),
      transfer_remark: text(),
      notify_url: nullable(text()),
      user_recv_perception: nullable(text()),
      transfer_scene_report_infos: json<JsonValue[]>(),
      state: text<TransferBillState>(),
      fail_reason: nullable(text()),
      package_info: text(),
      /** Fingerprint of the request with `user_name` decrypted (its ciphertext differs on every encryption). */
      request_hash: text(),
      created_at: integer(),
      /** When `state` last changed: the moment TRANSFERING and CANCELING move on from. */
      updated_at: integer(),
    },
    primaryKey: ['mchid', 'out_bill_no'],
    unique: [['transfer_bill_no']],
    // The life of transfers finds the bills whose next step is due.
    indexes: ['state, updated_at'],
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
  /**
   * Every move of a merchant's balance, oldest first (src/ledger.ts writes them, in the transaction of the move). A
   * merchant's rows add up to its balance: the first is the balance it was created with (`opening`).
   */
  ledger: defineTable({
    name: 'ledger',
    columns: {
      /** The order of the moves; SQLite assigns it (the table's rowid). */
      seq: integer(),
      mchid: text(),
      /** Fen: positive into the balance, negative out of it. */
      amount: integer(),
      /** The balance after this move, fen. */
      balance: integer(),
      reason: text<LedgerReason>(),
      /** What moved the money: the mch_billno, partner_trade_no, ...; '' for top-ups and opening balances. */
      reference: text(),
      /** Unix seconds, sandbox time. */
      at: integer(),
    },
    primaryKey: ['seq'],
    indexes: ['mchid, seq'],
  }),
} as const;

export type Schema = typeof schema;
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
export type PocketPaymentRow = Row<'pocketPayments'>;
export type OrderRow = Row<'orders'>;
export type RefundRow = Row<'refunds'>;
export type TransferBillRow = Row<'transferBills'>;
export type NotificationRow = Row<'notifications'>;
export type LedgerRow = Row<'ledger'>;

// ---- Migrations.

/**
 * Brings a database of any earlier schema version up to this one (tables and indexes created, indexes no longer
 * declared dropped, data the new tables need filled in) in one transaction; a newer version is refused.
 */
export function migrate(db: Database.Database): void {
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
    const hadLedger = tableExists(db, schema.ledger.name);
    for (const definition of Object.values(schema)) {
      db.exec(createTableSql(definition));
      addUndeclaredColumns(db, definition);
      db.exec(versionTriggersSql(definition));
    }
    dropUndeclaredIndexes(db);
    if (found !== undefined && found < 2) backfillDailyTotals(db);
    if (found !== undefined && found < 3) movePocketPaymentsOutOfKv(db);
    if (!hadLedger) openLedger(db);
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

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * A database from before the ledger keeps no history of its balances: each merchant's ledger starts with its
 * balance as it stands (an `opening` move at the upgrade), so its rows still add up to its balance.
 */
function openLedger(db: Database.Database): void {
  db.exec(`INSERT INTO ledger (mchid, amount, balance, reason, reference, at)
    SELECT mchid, balance, balance, 'opening', '', CAST(strftime('%s', 'now') AS INTEGER) FROM merchants ORDER BY mchid`);
}

/** Where a version-2 sandbox kept each pay-to-staff payment: one key-value pair per merchant and partner_trade_no. */
const oldPocketPaymentPrefix = 'v2.paywwsptrans2pocket.';

/**
 * Version 2 kept pay-to-staff payments in the key-value table (`v2.paywwsptrans2pocket.<mchid>.<partner_trade_no>` ->
 * `{hash, payment_no, payment_time}`): they move to `pocket_payments`, so resends of them still get their first answer.
 * Their openid and amount were never kept and stay null. A record that cannot be read stops the upgrade rather than
 * being dropped: a lost record would let a resend pay twice.
 */
function movePocketPaymentsOutOfKv(db: Database.Database): void {
  const records = db
    .prepare<[number, string], { key: string; value: string }>('SELECT key, value FROM kv WHERE substr(key, 1, ?) = ?')
    .all(oldPocketPaymentPrefix.length, oldPocketPaymentPrefix);
  const insert = db.prepare(
    `INSERT INTO pocket_payments (mchid, partner_trade_no, openid, amount, payment_no, payment_time, request_hash)
     VALUES (?, ?, NULL, NULL, ?, ?, ?)`,
  );
  for (const { key, value } of records) {
    // mch_id is digits, so the first dot after the prefix ends it; partner_trade_no is the rest.
    const rest = key.slice(oldPocketPaymentPrefix.length);
    const dot = rest.indexOf('.');
    const record = oldPocketPayment(value);
    if (dot <= 0 || record === undefined) {
      throw new Error(`sandbox.db holds a damaged pay-to-staff record under ${key}`);
    }
    insert.run(rest.slice(0, dot), rest.slice(dot + 1), record.payment_no, record.payment_time, record.hash);
  }
  db.prepare('DELETE FROM kv WHERE substr(key, 1, ?) = ?').run(oldPocketPaymentPrefix.length, oldPocketPaymentPrefix);
}

function oldPocketPayment(stored: string): { hash: string; payment_no: string; payment_time: number } | undefined {
  let record: unknown;
  try {
    record = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (
    typeof record === 'object' &&
    record !== null &&
    'hash' in record &&
    typeof record.hash === 'string' &&
    'payment_no' in record &&
    typeof record.payment_no === 'string' &&
    'payment_time' in record &&
    typeof record.payment_time === 'number' &&
    Number.isSafeInteger(record.payment_time)
  ) {
    return { hash: record.hash, payment_no: record.payment_no, payment_time: record.payment_time };
  }
  return undefined;
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

/**
 * Adds the columns a table of an earlier version lacks (version 4 added `merchants.config_version`, version 5
 * `orders.api` and `refunds.api`). A new column
 * must allow NULL or have a default: the rows already there get it.
 */
function addUndeclaredColumns(db: Database.Database, definition: TableShape): void {
  const table = quote(definition.name);
  const existing = new Set(
    db
      .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
      .all()
      .map((column) => column.name),
  );
  for (const [name, column] of Object.entries(definition.columns)) {
    if (existing.has(name)) continue;
    if (!column.nullable && column.defaultSql === undefined) {
      throw new Error(`cannot add ${definition.name}.${name} to existing rows: it needs NULL or a default`);
    }
    let sql = `ALTER TABLE ${table} ADD COLUMN ${quote(name)} ${column.sqlType}`;
    if (!column.nullable) sql += ' NOT NULL';
    if (column.defaultSql !== undefined) sql += ` DEFAULT ${column.defaultSql}`;
    db.exec(sql);
  }
}

/**
 * The triggers behind each shared JSON column (`ColumnShape.versionColumn`): on every insert of a row and every write
 * of the column, its version column gets a fresh random number (53 bits, so it survives as a JavaScript number). Kept
 * in the database, they fire for every writer, in this process or another; and a change rolled back takes its number
 * with it, while the change made instead draws another, so a number never stands for two texts of one row.
 */
function versionTriggersSql(definition: TableShape): string {
  const table = quote(definition.name);
  const keyTest = definition.primaryKey.map((key) => `${quote(key)} = NEW.${quote(key)}`).join(' AND ');
  return Object.entries(definition.columns)
    .flatMap(([name, column]) => {
      if (column.versionColumn === undefined) return [];
      const redraw = `UPDATE ${table} SET ${quote(column.versionColumn)} = abs(random() % 9007199254740991) WHERE ${keyTest};`;
      return [
        `CREATE TRIGGER IF NOT EXISTS ${quote(`${definition.name}_${name}_inserted`)} AFTER INSERT ON ${table} BEGIN ${redraw} END`,
        `CREATE TRIGGER IF NOT EXISTS ${quote(`${definition.name}_${name}_written`)} AFTER UPDATE OF ${quote(name)} ON ${table} BEGIN ${redraw} END`,
      ];
    })
    .join(';\n');
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
