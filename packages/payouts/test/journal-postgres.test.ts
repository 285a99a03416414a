// The PostgreSQL journal against the Journal contract, on a real server started for this file, plus what only a
// shared server has: URLs with passwords, and several processes creating the tables at once.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PayoutConfigError } from '../src/errors.js';
import type { Journal } from '../src/journal/journal.js';
import { openJournal } from '../src/journal/open.js';
import { openPostgresJournal } from '../src/journal/postgres.js';
import { journalTables } from '../src/journal/schema.js';
import { journalContract } from './journal-contract.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';

let server: TestPostgres | undefined;
let contractUrl = '';

beforeAll(async () => {
  server = await startPostgres();
  contractUrl = await server.createDatabase('contract');
}, 120_000);
afterAll(() => server?.stop(), 60_000);

journalContract('PostgreSQL', () => openPostgresJournal(contractUrl));

const newBatch = (id: string) => ({ id, kind: 'redpack', settings: '{}', inputHash: 'h', rowCount: 0, createdAt: 1 });

async function closeAll(journals: readonly Journal[]): Promise<void> {
  await Promise.all(journals.map((journal) => journal.close()));
}

describe('PostgreSQL journal', () => {
  it('never shows the password in its location', async () => {
    const url = new URL(contractUrl);
    const password = decodeURIComponent(url.password);
    const inQuery = new URL(contractUrl);
    inQuery.password = '';
    inQuery.searchParams.set('password', password);
    const journals = [await openPostgresJournal(contractUrl), await openPostgresJournal(inQuery.href)];
    try {
      for (const journal of journals) {
        expect(journal.location).not.toContain(password);
        expect(journal.location).not.toContain(url.password);
        expect(journal.location).toBe(`postgres://postgres@${url.host}/contract`);
      }
    } finally {
      await closeAll(journals);
    }
  });

  it('rejects a URL it cannot read, or a wrong password, without repeating the password', async () => {
    const invalid = openPostgresJournal('postgres://postgres:hunter2-secret@[not-a-host/db');
    await expect(invalid).rejects.toBeInstanceOf(PayoutConfigError);
    await expect(invalid).rejects.not.toThrow(/hunter2/);

    const wrong = new URL(contractUrl);
    wrong.password = 'hunter2-wrong';
    const refused = await openPostgresJournal(wrong.href).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(Error);
    expect(String(refused)).toMatch(/password authentication failed/);
    expect(JSON.stringify(refused, Object.getOwnPropertyNames(refused))).not.toContain('hunter2');
  });

  it('lets several processes create the tables of a new database at once', async () => {
    // Without a lock, simultaneous CREATE TABLE IF NOT EXISTS on a new database fails now and then: try it a few times.
    for (let round = 0; round < 3; round++) {
      const url = await server!.createDatabase(`concurrent_open_${round}`);
      const journals = await Promise.allSettled(Array.from({ length: 12 }, () => openPostgresJournal(url)));
      const opened = journals.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      try {
        expect(journals.filter((result) => result.status === 'rejected')).toEqual([]);
        await Promise.all(opened.map((journal, index) => journal.beginBatch(newBatch(`b${index}`))));
        expect(await opened[0]!.batches()).toHaveLength(12);
      } finally {
        await closeAll(opened);
      }
    }
  });
});

describe('a PostgreSQL journal made before the detail column', () => {
  it('gains it when opened, keeping its rows', async () => {
    const url = await server!.createDatabase('before_detail');
    const old = new pg.Client({ connectionString: url });
    await old.connect();
    try {
      for (const statement of journalTables) await old.query(statement.replace(/\n\s*detail TEXT,/, ''));
      await old.query(
        `INSERT INTO payout_rows (batch_id, row, number, openid, amount, data, updated_at) VALUES ('b', 1, 'N1', 'o', 1, '{}', 1)`,
      );
    } finally {
      await old.end();
    }
    const journals = await Promise.all([openPostgresJournal(url), openPostgresJournal(url)]);
    try {
      expect((await journals[0]!.rows('b', 1, 1))[0]).toMatchObject({ number: 'N1', detail: null });
      await journals[0]!.heartbeat('w', 10_000);
      await journals[0]!.claim('b', 'w', 1, 2);
      const outcome = { state: 'sent', wxId: 'B1', status: 'WAIT_USER_CONFIRM', detail: 'pkg' } as const;
      expect(await journals[0]!.settle('b', 1, 'w', outcome, 3)).toBe(true);
      expect((await journals[1]!.rows('b', 1, 1))[0]).toMatchObject({ detail: 'pkg' });
    } finally {
      await closeAll(journals);
    }
  });
});

describe('openJournal with a PostgreSQL URL', () => {
  it('opens PostgreSQL for postgres:// and postgresql:// URLs', async () => {
    const url = await server!.createDatabase('open_journal');
    const journals = [await openJournal(url), await openJournal(url.replace(/^postgres:/, 'postgresql:'))];
    try {
      await journals[0]!.beginBatch(newBatch('shared'));
      expect(await journals[1]!.batch('shared')).toMatchObject({ id: 'shared' });
      expect(journals[0]!.location).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/open_journal$/);
      expect(journals[1]!.location).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/open_journal$/);
    } finally {
      await closeAll(journals);
    }
  });
});
