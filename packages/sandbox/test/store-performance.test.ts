// Tests for what keeps the store's cost flat as it grows: only the declared indexes exist (older ones are dropped on
// open), the queries of the request path use them, and statements and transactions are made once per store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/store.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxpay-store-perf-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function indexesOf(table: string): string[] {
  const db = new Database(join(dir, 'sandbox.db'), { readonly: true });
  try {
    return db
      .prepare<[string], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
      )
      .all(table)
      .map((row) => row.name);
  } finally {
    db.close();
  }
}

describe('indexes', () => {
  it('gives red packets one index beyond their keys, named after its columns', () => {
    openStore(dir).close();
    expect(indexesOf('redpacks')).toEqual(['redpacks_by_status_send_time']);
  });

  it('drops the indexes of earlier versions when a data directory is opened', () => {
    openStore(dir).close();
    const legacy = new Database(join(dir, 'sandbox.db'));
    // What schema versions 1 and 2 created: positional names, and two indexes only the per-day scans used.
    legacy.exec(`
      DROP INDEX redpacks_by_status_send_time;
      CREATE INDEX redpacks_index_0 ON redpacks (re_openid, send_time);
      CREATE INDEX redpacks_index_1 ON redpacks (mch_id, send_time);
      CREATE INDEX redpacks_index_2 ON redpacks (status, send_time);
    `);
    legacy.close();
    const store = openStore(dir);
    store.close();
    expect(indexesOf('redpacks')).toEqual(['redpacks_by_status_send_time']);
  });

  it('serves the lookups of a red packet send from keys and indexes, never a scan', () => {
    const store = openStore(dir);
    try {
      const plans = [
        'SELECT * FROM "redpacks" WHERE "mch_id" = ? AND "mch_billno" = ? LIMIT 1',
        'SELECT 1 FROM "users" WHERE "openid" = ? AND "mchid" = ? LIMIT 1',
        `SELECT openid, count, fen FROM daily_totals WHERE product = ? AND mchid = ? AND openid = ? AND day = ?
         UNION ALL
         SELECT openid, count, fen FROM daily_totals WHERE product = ? AND mchid = ? AND openid = '' AND day = ?`,
        'SELECT * FROM "merchants" WHERE "mchid" = ? LIMIT 1',
        'SELECT * FROM redpacks WHERE status = ? AND send_time <= ? AND mch_id = ? ORDER BY send_time',
        'SELECT * FROM "redpacks" WHERE "mch_id" = ? ORDER BY "created_at" DESC',
      ].map((sql) =>
        store.db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...Array.from(sql.matchAll(/\?/g), () => 'x'))
          .map((step) => (step as { detail: string }).detail)
          .join('; '),
      );
      // Every step that reads a table searches it (a compound query is two searches); none scans.
      for (const plan of plans) {
        expect(plan).toMatch(/SEARCH /);
        expect(plan).not.toMatch(/SCAN /);
      }
    } finally {
      store.close();
    }
  });
});

describe('statements and transactions', () => {
  it('prepares each SQL text once per store', () => {
    const store = openStore(':memory:');
    try {
      const sql = 'SELECT value FROM kv WHERE key = ?';
      expect(store.statement(sql)).toBe(store.statement(sql));
    } finally {
      store.close();
    }
  });

  it('writeTransaction takes the write lock at BEGIN, and nests as a savepoint', () => {
    const store = openStore(dir);
    const other = new Database(join(dir, 'sandbox.db'));
    other.pragma('busy_timeout = 0');
    try {
      store.writeTransaction(() => {
        // Nothing written yet, and still another connection cannot start writing: the lock is held.
        expect(() => other.exec('BEGIN IMMEDIATE')).toThrow(/locked|busy/i);
        expect(() =>
          store.writeTransaction(() => {
            store.setKv('inner', 'v');
            throw new Error('undo the inner one');
          }),
        ).toThrow('undo the inner one');
        store.setKv('outer', 'v');
      });
      expect([store.getKv('inner'), store.getKv('outer')]).toEqual([undefined, 'v']);
    } finally {
      other.close();
      store.close();
    }
  });
});
