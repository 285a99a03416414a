// A journal that fails mid-run: the run rejects with its error, but only after every send in flight has finished and
// its outcome is written, and no send starts after the failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Wxpay, WxpayConnectionError } from 'wxpay';
import { arraySource, type Journal, openSqliteJournal, runPayouts } from '../src/index.js';
import { journalWith } from './support/journal-with.js';
import { payoutDefaults as defaults } from './support/sandbox-merchant.js';

let dir: string;
let journal: Journal;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxpay-journal-errors-'));
  journal = openSqliteJournal(join(dir, 'journal.db'));
});
afterEach(async () => {
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Just enough of a client for the redpack kind: every send succeeds, the one for row 1 slowly. */
function fakeClient(sends: string[]): Wxpay {
  const client = {
    toJSON: () => ({ mchid: '1900000109' }),
    chain: () => ({
      post: async ({ xml }: { xml: Record<string, unknown> }) => {
        const billno = String(xml.mch_billno);
        sends.push(billno);
        if (billno.endsWith('0000000001')) await new Promise((resolve) => setTimeout(resolve, 300));
        return { send_listid: `listid-${billno}` };
      },
    }),
  };
  return client as unknown as Wxpay;
}

it('on a journal error, writes the outcomes of sends in flight before it rejects, and sends nothing more', async () => {
  let claims = 0;
  const failing = journalWith(journal, {
    claim: (...args) => (++claims === 1 ? journal.claim(...args) : Promise.reject(new Error('disk I/O error'))),
  });
  const rows = Array.from({ length: 20 }, (_, i) => ({ openid: `o${i + 1}`, amount: 100 }));
  const sends: string[] = [];
  const run = runPayouts({
    wxpay: fakeClient(sends),
    journal: failing,
    kind: 'redpack',
    source: arraySource('errors', rows),
    appid: 'wx8888888888888888',
    defaults,
    concurrency: 2,
    rate: 1000,
  });
  await expect(run).rejects.toThrow('disk I/O error');
  // The first claim took 8 rows; row 1 was still on the wire when the second claim failed.
  expect(sends).toHaveLength(8);
  const journaled = await journal.rows('errors', 1, 20);
  expect(journaled.slice(0, 8).map((r) => r.state)).toEqual(Array(8).fill('sent'));
  expect(journaled[0]?.wxId).toMatch(/^listid-/);
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(sends).toHaveLength(8);
});

it('stops sending when a heartbeat cannot be written, and rejects with its error', async () => {
  let heartbeats = 0;
  const failing = journalWith(journal, {
    // The first (before any send) succeeds; the timer's renewals fail.
    heartbeat: (...args) =>
      ++heartbeats === 1 ? journal.heartbeat(...args) : Promise.reject(new Error('connection lost')),
  });
  const rows = Array.from({ length: 200 }, (_, i) => ({ openid: `o${i + 1}`, amount: 100 }));
  const sends: string[] = [];
  const run = runPayouts({
    wxpay: fakeClient(sends),
    journal: failing,
    kind: 'redpack',
    source: arraySource('heartbeat', rows),
    appid: 'wx8888888888888888',
    defaults,
    concurrency: 1,
    rate: 20,
    leaseMs: 1000,
  });
  await expect(run).rejects.toThrow('connection lost');
  // The renewal fails after about a third of the lease: far from all 200 rows (10 s at 20/s) went out.
  expect(sends.length).toBeGreaterThan(0);
  expect(sends.length).toBeLessThan(100);
  const journaled = await journal.rows('heartbeat', 1, 200);
  // Every row sent is journaled as sent; the rest stay for the next run.
  expect(journaled.filter((row) => row.state === 'sent')).toHaveLength(sends.length);
  expect(journaled.filter((row) => row.state === 'sending')).toHaveLength(0);
});

it('resolves an ambiguous row by a query paced like a send, whose frequency limit does not stretch the row’s wait', async () => {
  const controller = new AbortController();
  const calls: string[] = [];
  const client = {
    toJSON: () => ({ mchid: '1900000109' }),
    chain: (path: string) => ({
      post: async () => {
        calls.push(path);
        if (path.endsWith('sendredpack')) throw new WxpayConnectionError('reply lost', true, 'ECONNRESET');
        // The query never got through (refused before sending): it says nothing about the packet.
        controller.abort();
        throw new WxpayConnectionError('connection refused', false, 'ECONNREFUSED');
      },
    }),
  } as unknown as Wxpay;
  const result = await runPayouts({
    wxpay: client,
    journal,
    kind: 'redpack',
    source: arraySource('paced-query', [{ openid: 'o1', amount: 100 }]),
    appid: 'wx8888888888888888',
    defaults,
    concurrency: 1,
    rate: 1000,
    signal: controller.signal,
  });
  expect(result.complete).toBe(false);
  expect(calls.map((path) => path.split('/').pop())).toEqual(['sendredpack', 'gethbinfo']);
  const [row] = await journal.rows('paced-query', 1, 1);
  expect(row).toMatchObject({ state: 'unknown', attempts: 2, errCode: 'ECONNREFUSED' });
  // The first wait (retryDelay(1), 500 ms), not the second attempt's 1,000 ms.
  const wait = (row?.notBefore ?? 0) - (row?.updatedAt ?? 0);
  expect(wait).toBeGreaterThan(400);
  expect(wait).toBeLessThanOrEqual(500);
});
