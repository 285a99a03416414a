// The SQLite journal against the Journal contract, in a file under a temp directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openJournal } from '../src/journal/open.js';
import { openSqliteJournal } from '../src/journal/sqlite.js';
import { journalContract } from './journal-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'wxpay-payouts-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

journalContract('SQLite', async () => openSqliteJournal(join(dir, 'journal.db')));

describe('openJournal with a path', () => {
  it('opens the SQLite file there, creating its directory', async () => {
    const file = join(dir, 'nested', 'other.db');
    const journal = await openJournal(file);
    try {
      expect(journal.location).toBe(resolve(file));
      await journal.beginBatch({ id: 'b', kind: 'redpack', settings: '{}', inputHash: 'h', rowCount: 0, createdAt: 1 });
    } finally {
      await journal.close();
    }
    const again = openSqliteJournal(file);
    expect(await again.batch('b')).toMatchObject({ id: 'b', planned: false });
    await again.close();
  });
});
