// Tests for the sandbox store: round trips through SQLite, constraints, WAL on disk, persistence, and ':memory:'.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isUniqueViolation,
  type MerchantConfig,
  type NewRow,
  openStore,
  SCHEMA_VERSION,
  type Store,
} from '../src/store.js';

const fakePem = { certPem: 'CERT', keyPem: 'KEY', serial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1' };

const config: MerchantConfig = {
  apiv2Key: 'a'.repeat(32),
  apiv3Key: 'b'.repeat(32),
  apiCert: fakePem,
  platformCert: fakePem,
  publicKey: { id: `PUB_KEY_ID_${'1'.repeat(32)}`, publicKeyPem: 'PUB', privateKeyPem: 'PRIV' },
  signingMode: 'mixed',
  appids: { redpack: 'wx8888888888888888', coupon: 'wx5edab3bdfba3dc1c' },
  workwx: { corpid: 'wxe062425f740d30d8', secret: 'c'.repeat(32) },
};

function redpack(overrides: Partial<NewRow<'redpacks'>> = {}): NewRow<'redpacks'> {
  return {
    mch_id: '10000098',
    mch_billno: '10000098201411111234567890',
    send_listid: '100000000020150520314766074200',
    detail_id: '100000000020150520314766074200',
    kind: 'NORMAL',
    wxappid: 'wx8888888888888888',
    re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
    total_amount: 1000,
    wishing: 'Happy',
    act_name: 'Launch',
    remark: 'Thanks',
    send_name: 'Shop',
    status: 'SENT',
    send_time: 1_700_000_000,
    request_hash: 'h1',
    created_at: 1_700_000_000,
    ...overrides,
  };
}

describe('in-memory store', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(':memory:');
  });
  afterEach(() => {
    store.close();
  });

  it('round-trips a merchant, parsing its JSON config and applying column defaults', () => {
    store.merchants.insert({ mchid: '10000098', kind: 'mainland', config });
    const merchant = store.merchants.get({ mchid: '10000098' });
    expect(merchant).toEqual({
      mchid: '10000098',
      kind: 'mainland',
      parent_mchid: null,
      name: null,
      config,
      // Drawn by a trigger on insert (see test/store-shared-config.test.ts).
      config_version: expect.any(Number),
      balance: 0,
      rate_limit: 30,
    });
  });

  it('returns undefined for a missing row and matches NULL with null', () => {
    store.merchants.insert({ mchid: '1900000109', kind: 'global', parent_mchid: '1900000100', config });
    store.merchants.insert({ mchid: '1900000100', kind: 'institution', config });
    expect(store.merchants.get({ mchid: 'nope' })).toBeUndefined();
    expect(store.merchants.list({ parent_mchid: null }).map((m) => m.mchid)).toEqual(['1900000100']);
    expect(store.merchants.list({ parent_mchid: '1900000100' }).map((m) => m.mchid)).toEqual(['1900000109']);
  });

  it('keeps long ids as exact strings and fen as integers', () => {
    store.redpacks.insert(redpack());
    const row = store.redpacks.get({ mch_id: '10000098', mch_billno: '10000098201411111234567890' });
    expect(row?.send_listid).toBe('100000000020150520314766074200');
    expect(row?.total_amount).toBe(1000);
    expect(row?.total_num).toBe(1);
    expect(row?.scene_id).toBeNull();
  });

  it('updates only the matching rows and reports how many changed', () => {
    store.redpacks.insert(redpack());
    store.redpacks.insert(redpack({ mch_billno: 'other', send_listid: '2', detail_id: '2' }));
    const changed = store.redpacks.update(
      { mch_id: '10000098', mch_billno: 'other' },
      { status: 'RECEIVED', rcv_time: 1_700_000_100 },
    );
    expect(changed).toBe(1);
    expect(store.redpacks.get({ mch_billno: 'other' })).toMatchObject({ status: 'RECEIVED', rcv_time: 1_700_000_100 });
    expect(store.redpacks.get({ mch_billno: '10000098201411111234567890' })?.status).toBe('SENT');
    expect(store.redpacks.update({ mch_billno: 'missing' }, { status: 'FAILED' })).toBe(0);
  });

  it('refuses an update without a where clause', () => {
    store.redpacks.insert(redpack());
    expect(() => store.redpacks.update({}, { status: 'FAILED' })).toThrow(/every row/);
    expect(() => store.redpacks.update({ mch_id: undefined }, { status: 'FAILED' })).toThrow(/every row/);
    expect(store.redpacks.get({})?.status).toBe('SENT');
  });

  it('lists with order and limit, and counts', () => {
    for (const [billno, time] of [
      ['b1', 30],
      ['b2', 10],
      ['b3', 20],
    ] as const) {
      store.redpacks.insert(redpack({ mch_billno: billno, send_listid: billno, send_time: time }));
    }
    const ordered = store.redpacks.list({ mch_id: '10000098' }, { orderBy: 'send_time', descending: true, limit: 2 });
    expect(ordered.map((r) => r.mch_billno)).toEqual(['b1', 'b3']);
    expect(store.redpacks.count({ re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E' })).toBe(3);
    expect(store.redpacks.count()).toBe(3);
  });

  it('enforces billno uniqueness per merchant, not across merchants', () => {
    store.redpacks.insert(redpack());
    let error: unknown;
    try {
      store.redpacks.insert(redpack({ send_listid: 'another' }));
    } catch (caught) {
      error = caught;
    }
    expect(isUniqueViolation(error)).toBe(true);
    expect(() => store.redpacks.insert(redpack({ mch_id: '10000099', send_listid: 'x' }))).not.toThrow();
  });

  it('enforces the other idempotency keys', () => {
    const coupon: NewRow<'coupons'> = {
      coupon_id: 'c1',
      coupon_stock_id: '1757',
      mchid: '10000098',
      appid: 'wx5edab3bdfba3dc1c',
      openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
      partner_trade_no: 'p1',
      request_hash: 'h',
      state: 'SENDED',
      value: 100,
      send_time: 1,
    };
    store.coupons.insert(coupon);
    expect(() => store.coupons.insert({ ...coupon, coupon_id: 'c2' })).toThrow(
      expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }),
    );
    store.coupons.insert({ ...coupon, coupon_id: 'c3', mchid: '10000099' });

    const order: NewRow<'orders'> = {
      mchid: '1900000109',
      out_trade_no: 'o1',
      id: '4200000000000000000000000001',
      appid: 'wxdace645e0bc2cXXX',
      trade_type: 'NATIVE',
      trade_state: 'NOTPAY',
      description: 'Image',
      notify_url: 'https://example.com/notify',
      amount_total: 1,
      currency: 'HKD',
      payer: { openid: 'o' },
      request_hash: 'h',
      created_at: 1,
    };
    store.orders.insert(order);
    expect(() => store.orders.insert({ ...order, id: 'different' })).toThrow(
      expect.objectContaining({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }),
    );
    expect(() => store.orders.insert({ ...order, out_trade_no: 'o2' })).toThrow(
      expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }),
    );
    expect(store.orders.get({ id: '4200000000000000000000000001' })?.payer).toEqual({ openid: 'o' });
  });

  it('rejects unknown columns, fractional fen and nulls in NOT NULL columns without echoing values', () => {
    const unknown = { mchid: '10000098', kind: 'mainland', config, secret_column: 'x' } as NewRow<'merchants'>;
    expect(() => store.merchants.insert(unknown)).toThrow('merchants has no column secret_column');
    expect(() => store.merchants.get({ ['mchid; DROP TABLE merchants' as 'mchid']: 'x' })).toThrow(/no column/);
    expect(() => store.redpacks.insert(redpack({ total_amount: 10.5 }))).toThrow(
      'redpacks.total_amount must be an integer',
    );
    const withNull = { ...redpack(), wishing: null } as unknown as NewRow<'redpacks'>;
    expect(() => store.redpacks.insert(withNull)).toThrow('redpacks.wishing cannot be null');
    expect(store.redpacks.count()).toBe(0);
  });

  it('stores notification logs as JSON with an empty default', () => {
    store.notifications.insert({
      id: 'n1',
      mchid: '10000098',
      url: 'https://x',
      event_type: 'E',
      body: '{}',
      created_at: 5,
    });
    expect(store.notifications.get({ id: 'n1' })).toMatchObject({
      attempts: 0,
      log: [],
      content_type: 'application/json',
    });
    store.notifications.update({ id: 'n1' }, { attempts: 1, log: [{ at: 6, status: 500, error: null }] });
    expect(store.notifications.get({ id: 'n1' })?.log).toEqual([{ at: 6, status: 500, error: null }]);
  });

  it('rolls a transaction back when it throws', () => {
    expect(() =>
      store.transaction(() => {
        store.merchants.insert({ mchid: '10000098', kind: 'mainland', config });
        store.setKv('k', 'v');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.merchants.count()).toBe(0);
    expect(store.getKv('k')).toBeUndefined();
    expect(store.transaction(() => 42)).toBe(42);
  });

  it('reads and overwrites key-value pairs', () => {
    expect(store.getKv('clock.offset_ms')).toBeUndefined();
    store.setKv('clock.offset_ms', '1000');
    store.setKv('clock.offset_ms', '2000');
    expect(store.getKv('clock.offset_ms')).toBe('2000');
  });

  it('exposes the raw database and records the schema version', () => {
    const row = store.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string };
    expect(row.value).toBe(String(SCHEMA_VERSION));
  });
});

describe('store on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxpay-store-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates sandbox.db in WAL mode, creating the directory if needed', () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = openStore(dataDir);
    try {
      expect(existsSync(join(dataDir, 'sandbox.db'))).toBe(true);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      store.close();
    }
  });

  it('keeps data across close and reopen, and reopening is idempotent', () => {
    const first = openStore(dir);
    first.merchants.insert({ mchid: '10000098', kind: 'mainland', config, balance: 100_000_000 });
    first.setKv('clock.offset_ms', '86400000');
    first.close();

    const second = openStore(dir);
    try {
      expect(second.merchants.get({ mchid: '10000098' })).toMatchObject({ balance: 100_000_000, config });
      expect(second.getKv('clock.offset_ms')).toBe('86400000');
    } finally {
      second.close();
    }
  });

  it('refuses a database written by a newer schema', () => {
    openStore(dir).close();
    const raw = new Database(join(dir, 'sandbox.db'));
    raw.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION + 1));
    raw.close();
    expect(() => openStore(dir)).toThrow(/schema version/);
  });

  it("writes nothing to disk for ':memory:'", () => {
    const before = readdirSync(process.cwd());
    const store = openStore(':memory:');
    store.merchants.insert({ mchid: '10000098', kind: 'mainland', config });
    store.close();
    expect(readdirSync(process.cwd())).toEqual(before);
    expect(existsSync(':memory:')).toBe(false);
    expect(existsSync(join(':memory:', 'sandbox.db'))).toBe(false);
  });
});
