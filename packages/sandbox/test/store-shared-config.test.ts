// A merchant's config is read and parsed once per change and shared: every read of an unchanged row hands out the same
// frozen value, and any change (through the store, through another connection, undone by a rollback) is seen at the
// next read, because triggers redraw the row's config_version on every write of the config. Also the upgrade that adds
// them, and the store's existence check.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MerchantConfig, openStore, SCHEMA_VERSION, type Store } from '../src/store.js';

const fakePem = { certPem: 'CERT', keyPem: 'KEY', serial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1' };
const config: MerchantConfig = {
  apiv2Key: 'a'.repeat(32),
  apiv3Key: 'b'.repeat(32),
  apiCert: fakePem,
  platformCert: fakePem,
  publicKey: { id: `PUB_KEY_ID_${'1'.repeat(32)}`, publicKeyPem: 'PUB', privateKeyPem: 'PRIV' },
  signingMode: 'certificate',
  appids: { redpack: 'wx8888888888888888' },
  settings: { sendingSeconds: 0 },
};
const MCH = '10000098';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxpay-shared-config-'));
  store = openStore(dir);
  store.merchants.insert({ mchid: MCH, kind: 'mainland', config });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const read = (): MerchantConfig => {
  const merchant = store.merchants.get({ mchid: MCH });
  if (merchant === undefined) throw new Error('the merchant is gone');
  return merchant.config;
};

describe('a merchant config read again and again', () => {
  it('is the same value, frozen all the way down, while its text is unchanged', () => {
    const first = read();
    expect(first).toEqual(config);
    expect(read()).toBe(first);
    expect(store.merchants.list()[0]?.config).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.appids)).toBe(true);
    expect(() => {
      (first.appids as Record<string, string>).redpack = 'wx0000000000000000';
    }).toThrow(TypeError);
  });

  it('is read anew once the store changed it', () => {
    const first = read();
    store.merchants.update({ mchid: MCH }, { config: { ...config, appids: { redpack: 'wx1111111111111111' } } });
    expect(read().appids.redpack).toBe('wx1111111111111111');
    expect(read()).not.toBe(first);
  });

  it('is read anew once another connection changed it', () => {
    read();
    const other = new Database(join(dir, 'sandbox.db'));
    try {
      other
        .prepare('UPDATE merchants SET config = ? WHERE mchid = ?')
        .run(JSON.stringify({ ...config, apiv2Key: 'z' }), MCH);
    } finally {
      other.close();
    }
    expect(read().apiv2Key).toBe('z');
  });

  it('is what was committed after a change is rolled back, even when read in between', () => {
    const changed = { ...config, apiv2Key: 'rolled back' };
    expect(() =>
      store.writeTransaction(() => {
        store.merchants.update({ mchid: MCH }, { config: changed });
        expect(read().apiv2Key).toBe('rolled back');
        throw new Error('undo');
      }),
    ).toThrow('undo');
    expect(read().apiv2Key).toBe(config.apiv2Key);
  });

  it('does not leak into the balance, which every read takes from the row', () => {
    read();
    store.db.prepare('UPDATE merchants SET balance = 5 WHERE mchid = ?').run(MCH);
    expect(store.merchants.get({ mchid: MCH })?.balance).toBe(5);
  });
});

describe('config_version', () => {
  const version = (db: Database.Database = store.db): number =>
    (db.prepare('SELECT config_version AS v FROM merchants WHERE mchid = ?').get(MCH) as { v: number }).v;

  it('is redrawn by every write of the config, by any connection, and by nothing else', () => {
    const first = version();
    expect(Number.isSafeInteger(first)).toBe(true);
    store.db.prepare('UPDATE merchants SET balance = balance + 1 WHERE mchid = ?').run(MCH);
    expect(version()).toBe(first);
    store.merchants.update({ mchid: MCH }, { config });
    const second = version();
    expect(second).not.toBe(first);
    const other = new Database(join(dir, 'sandbox.db'));
    try {
      other.prepare('UPDATE merchants SET config = config WHERE mchid = ?').run(MCH);
      expect(version(other)).not.toBe(second);
    } finally {
      other.close();
    }
  });

  it('comes with the upgrade from schema version 3, which had neither the column nor its triggers', () => {
    read();
    store.close();
    const old = new Database(join(dir, 'sandbox.db'));
    old.exec(`
      DROP TRIGGER merchants_config_inserted;
      DROP TRIGGER merchants_config_written;
      ALTER TABLE merchants DROP COLUMN config_version;
      UPDATE meta SET value = '3' WHERE key = 'schema_version';
    `);
    old.close();

    store = openStore(dir);
    expect(version()).toBe(0);
    expect(read()).toEqual(config);
    store.merchants.update({ mchid: MCH }, { config: { ...config, apiv2Key: 'after the upgrade' } });
    expect(version()).not.toBe(0);
    expect(read().apiv2Key).toBe('after the upgrade');
    const meta = store.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string };
    expect(meta.value).toBe(String(SCHEMA_VERSION));
  });
});

describe('Table.exists', () => {
  it('tells whether a row matches, by any columns', () => {
    expect(store.merchants.exists({ mchid: MCH })).toBe(true);
    expect(store.merchants.exists({ mchid: MCH, kind: 'global' })).toBe(false);
    expect(store.merchants.exists({ mchid: '10000099' })).toBe(false);
    expect(store.merchants.exists({ parent_mchid: null })).toBe(true);
  });
});
