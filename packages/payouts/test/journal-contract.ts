// The behaviour every Journal must have, as a suite each store runs (journal-sqlite / journal-postgres tests).
// `open` opens another Journal on one shared store each time (as another process would), so tests keep to their own
// batch ids, business numbers and worker ids.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimedRow, Journal, JournalRow, NewBatch, NewRow } from '../src/journal/journal.js';

/** A fixed clock in ms, past 2^31 like every real timestamp (PostgreSQL keeps them as BIGINT). */
const T = 1_767_225_600_000;
const FOREVER = T + 1_000_000_000;

export function journalContract(name: string, open: () => Promise<Journal>): void {
  describe(`Journal contract: ${name}`, () => {
    const opened: Journal[] = [];
    const journal = async (): Promise<Journal> => {
      const instance = await open();
      opened.push(instance);
      return instance;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((instance) => instance.close()));
    });

    it('says where it is', async () => {
      const j = await journal();
      expect(j.location).toEqual(expect.any(String));
      expect(j.location.length).toBeGreaterThan(0);
    });

    it('beginBatch creates a batch once and afterwards returns what is stored', async () => {
      const j = await journal();
      const batch = newBatch(unique('batch'));
      expect(await j.beginBatch(batch)).toEqual({ ...batch, planned: false });
      const changed = {
        ...batch,
        kind: 'coupon',
        settings: '{"other":1}',
        inputHash: 'ff',
        rowCount: 9,
        createdAt: T + 5,
      };
      expect(await j.beginBatch(changed)).toEqual({ ...batch, planned: false });
      expect(await j.batch(batch.id)).toEqual({ ...batch, planned: false });
      expect(await j.batch(unique('missing'))).toBeUndefined();

      await j.markPlanned(batch.id);
      expect(await j.beginBatch(batch)).toEqual({ ...batch, planned: true });
      expect(await (await journal()).batch(batch.id)).toEqual({ ...batch, planned: true });
    });

    it('batches lists every batch, oldest first', async () => {
      const j = await journal();
      const prefix = unique('list');
      for (const [suffix, createdAt] of [
        ['middle', T + 2],
        ['newest', T + 3],
        ['oldest', T + 1],
      ] as const) {
        await j.beginBatch({ ...newBatch(`${prefix}-${suffix}`), createdAt });
      }
      const mine = (await j.batches()).filter((batch) => batch.id.startsWith(prefix));
      expect(mine.map((batch) => batch.id)).toEqual([`${prefix}-oldest`, `${prefix}-middle`, `${prefix}-newest`]);
      expect(mine[0]).toEqual({ ...newBatch(`${prefix}-oldest`), createdAt: T + 1, planned: false });
    });

    it('addRows stores new rows as pending, is idempotent and never changes a stored row', async () => {
      const j = await journal();
      const batch = await begin(j, 3);
      const rows = newRows(batch, 3);
      await j.addRows(batch, rows);
      const stored = await j.rows(batch, 1, 100);
      expect(stored).toEqual(rows.map((row) => ({ ...row, ...fresh, updatedAt: expect.any(Number) })));
      expect(typeof stored[0]?.amount).toBe('number');

      await j.addRows(batch, rows);
      expect(await j.rows(batch, 1, 100)).toEqual(stored);

      // Rows 2 and 3 again with other content (row 3 even under another number), plus new rows 4 and 5.
      const more = newRows(batch, 5).slice(1);
      more[0] = { ...rows[1]!, openid: 'someone-else', amount: 1, data: '{"changed":true}' };
      more[1] = { ...rows[2]!, number: `${batch}-other-number`, amount: 2 };
      await j.addRows(batch, more);
      const after = await j.rows(batch, 1, 100);
      expect(after.slice(0, 3)).toEqual(stored);
      expect(after.map((row) => row.row)).toEqual([1, 2, 3, 4, 5]);
      expect(after[3]).toMatchObject({ ...more[2], state: 'pending' });

      // A settled row stays settled when the plan is stored again.
      await j.heartbeat(`${batch}-w`, FOREVER);
      await j.claim(batch, `${batch}-w`, 1, T);
      expect(await j.settle(batch, 1, `${batch}-w`, { state: 'sent', wxId: 'wx-1', status: null }, T)).toBe(true);
      await j.addRows(batch, rows);
      expect((await j.rows(batch, 1, 1))[0]).toMatchObject({ state: 'sent', wxId: 'wx-1', attempts: 1 });

      await j.addRows(batch, []);
      expect(await j.rows(batch, 1, 100)).toHaveLength(5);
    });

    it('keeps amounts, times and refunds past 2^31 as numbers', async () => {
      const j = await journal();
      const batch = await begin(j, 1);
      const big = 9_000_000_000_000;
      await j.addRows(batch, [{ ...newRows(batch, 1)[0]!, amount: big }]);
      const worker = `${batch}-w`;
      await j.heartbeat(worker, FOREVER);
      expect(await j.workers()).toContainEqual({ id: worker, aliveUntil: FOREVER });
      expect((await j.claim(batch, worker, 1, T))[0]).toMatchObject({ amount: big, updatedAt: T });
      await j.settle(batch, 1, worker, { state: 'sent', wxId: 'wx', status: 'SENT' }, T + 1);
      await j.reconcile(batch, 1, 'REFUND', big, T + 2);
      expect((await j.rows(batch, 1, 1))[0]).toMatchObject({ amount: big, refundAmount: big, updatedAt: T + 2 });
      expect((await j.counts(batch)).sentAmount).toBe(big);
    });

    it("keeps a sent row's detail (a transfer's package_info), also through reconcile", async () => {
      const j = await journal();
      const batch = await begin(j, 2);
      await j.addRows(batch, newRows(batch, 2));
      const worker = `${batch}-w`;
      await j.heartbeat(worker, FOREVER);
      await j.claim(batch, worker, 2, T);
      await j.settle(
        batch,
        1,
        worker,
        { state: 'sent', wxId: 'bill-1', status: 'WAIT_USER_CONFIRM', detail: 'pkg' },
        T,
      );
      await j.settle(batch, 2, worker, { state: 'sent', wxId: 'bill-2', status: 'WAIT_USER_CONFIRM' }, T);
      expect((await j.rows(batch, 1, 2)).map((row) => row.detail)).toEqual(['pkg', null]);
      await j.reconcile(batch, 1, 'SUCCESS', null, T + 2);
      expect((await j.rows(batch, 1, 1))[0]).toMatchObject({ status: 'SUCCESS', detail: 'pkg' });
    });

    it('business numbers are unique across the journal, and a rejected addRows stores none of its rows', async () => {
      const j = await journal();
      const first = await begin(j, 2);
      const second = await begin(j, 2);
      const [row] = newRows(first, 1);
      await j.addRows(first, [row!]);

      await expect(j.addRows(second, [{ ...row! }])).rejects.toThrow();
      await expect(j.addRows(first, [{ ...newRows(first, 2)[1]!, number: row!.number }])).rejects.toThrow();
      await expect(
        j.addRows(second, [newRows(second, 1)[0]!, { ...newRows(second, 2)[1]!, number: row!.number }]),
      ).rejects.toThrow();

      expect(await j.rows(second, 1, 100)).toEqual([]);
      expect(await j.rows(first, 1, 100)).toEqual([{ ...row, ...fresh, updatedAt: expect.any(Number) }]);
    });

    it('claim serves due unknown rows, then orphaned sending rows, then due pending rows, each in row order', async () => {
      const j = await journal();
      const { batch, now } = await scenario(j);
      const worker = `${batch}-claimer`;
      await j.heartbeat(worker, FOREVER);
      const claimed = await j.claim(batch, worker, 100, now);
      expect(claimed.map(({ row, ambiguous }) => [row, ambiguous])).toEqual([
        [3, true],
        [7, true],
        [5, true],
        [1, false],
        [8, false],
      ]);
      for (const row of claimed) expect(row).toMatchObject({ state: 'sending', attempts: 2, updatedAt: now });
      const [input] = newRows(batch, 3).slice(2);
      expect(claimed[0]).toMatchObject({ ...input, errCode: 'SYSTEMERROR' });

      const sending = await j.rows(batch, 1, 100, 'sending');
      expect(sending.map((row) => row.row)).toEqual([1, 3, 5, 6, 7, 8]);
      // Everything else is held by a live worker, waiting, or final.
      expect(await j.claim(batch, `${batch}-other`, 100, now)).toEqual([]);
    });

    it('claim takes at most `limit` rows, continuing with the next group, and respects notBefore', async () => {
      const j = await journal();
      const { batch, now } = await scenario(j);
      const worker = `${batch}-claimer`;
      await j.heartbeat(worker, FOREVER);
      const claimRows = async (limit: number, at: number) =>
        (await j.claim(batch, worker, limit, at)).map((row) => row.row);
      expect(await claimRows(0, now)).toEqual([]);
      expect(await claimRows(2, now)).toEqual([3, 7]);
      expect(await claimRows(2, now)).toEqual([5, 1]);
      expect(await claimRows(2, now)).toEqual([8]);
      expect(await claimRows(2, now)).toEqual([]);
      expect(await claimRows(10, T + 999)).toEqual([]);
      const due = await j.claim(batch, worker, 10, T + 1000);
      expect(due.map(({ row, ambiguous }) => [row, ambiguous])).toEqual([
        [4, true],
        [2, false],
      ]);
    });

    it('claim marks rows sending and counts every attempt', async () => {
      const j = await journal();
      const batch = await begin(j, 2);
      await j.addRows(batch, newRows(batch, 2));
      const worker = `${batch}-w`;
      await j.heartbeat(worker, FOREVER);
      const first = await j.claim(batch, worker, 1, T);
      expect(first).toEqual([
        { ...newRows(batch, 1)[0], ...fresh, state: 'sending', attempts: 1, updatedAt: T, ambiguous: false },
      ]);
      expect((await j.rows(batch, 1, 2)).map((row) => [row.state, row.attempts])).toEqual([
        ['sending', 1],
        ['pending', 0],
      ]);
      await j.settle(
        batch,
        1,
        worker,
        { state: 'pending', errCode: 'FREQ_LIMIT', errMessage: 'slow down', notBefore: null },
        T,
      );
      expect((await j.claim(batch, worker, 1, T + 1))[0]).toMatchObject({ row: 1, attempts: 2, ambiguous: false });
    });

    it('never gives one row to two workers, however many claim at once from separate journals', async () => {
      const journals = [await journal(), await journal()];
      const j = journals[0]!;
      const batch = await begin(j, 120);
      await j.addRows(batch, newRows(batch, 120));
      // Rows 1-60 are left `sending` by a worker that has died.
      const dead = `${batch}-dead`;
      await j.heartbeat(dead, T - 1000);
      expect(await j.claim(batch, dead, 60, T - 2000)).toHaveLength(60);

      const workers = Array.from({ length: 8 }, (_, index) => ({
        id: `${batch}-w${index}`,
        journal: journals[index % 2]!,
        limit: 1 + (index % 4),
      }));
      const claims = await Promise.all(
        workers.map(async ({ id, journal: own, limit }) => {
          await own.heartbeat(id, FOREVER);
          const taken: ClaimedRow[] = [];
          for (;;) {
            const claimed = await own.claim(batch, id, limit, T);
            if (claimed.length === 0) return taken;
            taken.push(...claimed);
          }
        }),
      );
      const all = claims.flat();
      expect(all.map((row) => row.row).sort((a, b) => a - b)).toEqual(range(1, 120));
      for (const row of all) expect(row.ambiguous).toBe(row.row <= 60);
      for (const row of await j.rows(batch, 1, 200)) {
        expect(row).toMatchObject({ state: 'sending', attempts: row.row <= 60 ? 2 : 1 });
      }
      // Each row is held by the worker it was given to, and by no other.
      for (const [index, taken] of claims.entries()) {
        const { id, journal: own } = workers[index]!;
        const other = workers[(index + 1) % workers.length]!.id;
        for (const { row } of taken) {
          expect(await own.settle(batch, row, other, failed, T)).toBe(false);
          expect(await own.settle(batch, row, id, failed, T)).toBe(true);
        }
      }
      expect((await j.counts(batch)).failed).toBe(120);
    });

    it('heartbeat registers and renews a worker; removeWorker forgets it', async () => {
      const j = await journal();
      const prefix = unique('workers');
      const mine = async () =>
        (await j.workers()).filter((worker) => worker.id.startsWith(prefix)).sort((a, b) => (a.id < b.id ? -1 : 1));
      await j.heartbeat(`${prefix}-a`, T + 10);
      await j.heartbeat(`${prefix}-b`, T + 20);
      await j.heartbeat(`${prefix}-a`, T + 30);
      expect(await mine()).toEqual([
        { id: `${prefix}-a`, aliveUntil: T + 30 },
        { id: `${prefix}-b`, aliveUntil: T + 20 },
      ]);
      await j.removeWorker(`${prefix}-a`);
      await j.removeWorker(`${prefix}-never-seen`);
      expect(await mine()).toEqual([{ id: `${prefix}-b`, aliveUntil: T + 20 }]);
    });

    it('a worker keeps its rows while alive and loses them, as ambiguous, once its heartbeat expires', async () => {
      const [j, k] = [await journal(), await journal()];
      const batch = await begin(j, 2);
      await j.addRows(batch, newRows(batch, 2));
      const [a, b] = [`${batch}-a`, `${batch}-b`];
      await j.heartbeat(a, T + 100);
      await k.heartbeat(b, FOREVER);
      expect(await j.claim(batch, a, 2, T)).toHaveLength(2);

      expect(await k.claim(batch, b, 10, T + 50)).toEqual([]);
      await j.heartbeat(a, T + 500);
      expect(await k.claim(batch, b, 10, T + 200)).toEqual([]);

      const taken = await k.claim(batch, b, 10, T + 501);
      expect(taken.map(({ row, ambiguous, attempts }) => [row, ambiguous, attempts])).toEqual([
        [1, true, 2],
        [2, true, 2],
      ]);
      // The worker that lost them can no longer write their outcome; the new holder can.
      expect(await j.settle(batch, 1, a, sent, T + 502)).toBe(false);
      await j.release(batch, a, [2], T + 502);
      expect((await j.rows(batch, 1, 2)).map((row) => row.state)).toEqual(['sending', 'sending']);
      expect(await k.settle(batch, 1, b, sent, T + 503)).toBe(true);
    });

    it('removeWorker, or a worker that never sent a heartbeat, leaves its rows claimable at once', async () => {
      const j = await journal();
      const batch = await begin(j, 2);
      await j.addRows(batch, newRows(batch, 2));
      const [gone, silent, next] = [`${batch}-gone`, `${batch}-silent`, `${batch}-next`];
      await j.heartbeat(gone, FOREVER);
      await j.claim(batch, gone, 1, T);
      await j.claim(batch, silent, 1, T);
      await j.heartbeat(next, FOREVER);
      expect((await j.claim(batch, next, 10, T)).map((row) => row.row)).toEqual([2]);
      await j.removeWorker(gone);
      expect((await j.claim(batch, next, 10, T)).map(({ row, ambiguous }) => [row, ambiguous])).toEqual([[1, true]]);
    });

    it('settle writes the outcome only for the worker holding the row', async () => {
      const j = await journal();
      const batch = await begin(j, 4);
      await j.addRows(batch, newRows(batch, 4));
      const [holder, other] = [`${batch}-holder`, `${batch}-other`];
      await j.heartbeat(holder, FOREVER);
      await j.heartbeat(other, FOREVER);
      await j.claim(batch, holder, 4, T);
      const before = await j.rows(batch, 1, 4);

      expect(await j.settle(batch, 1, other, sent, T + 1)).toBe(false);
      expect(await j.settle(unique('another-batch'), 1, holder, sent, T + 1)).toBe(false);
      expect(await j.settle(batch, 99, holder, sent, T + 1)).toBe(false);
      expect(await j.rows(batch, 1, 4)).toEqual(before);

      const outcome = { state: 'sent', wxId: 'wx-1', status: 'RECEIVED' } as const;
      expect(await j.settle(batch, 1, holder, outcome, T + 5)).toBe(true);
      const settled = (await j.rows(batch, 1, 1))[0];
      expect(settled).toMatchObject({
        state: 'sent',
        wxId: 'wx-1',
        status: 'RECEIVED',
        errCode: null,
        updatedAt: T + 5,
      });
      // Settled rows are no longer held, not even by the worker that settled them.
      expect(await j.settle(batch, 1, holder, failed, T + 6)).toBe(false);
      expect((await j.rows(batch, 1, 1))[0]).toEqual(settled);

      expect(await j.settle(batch, 2, holder, failed, T + 7)).toBe(true);
      expect((await j.rows(batch, 2, 1))[0]).toMatchObject({
        state: 'failed',
        errCode: failed.errCode,
        errMessage: failed.errMessage,
        wxId: null,
        notBefore: null,
      });

      const later = { state: 'pending', errCode: 'FREQ_LIMIT', errMessage: 'too fast', notBefore: T + 60 } as const;
      expect(await j.settle(batch, 3, holder, later, T + 8)).toBe(true);
      const maybe = { state: 'unknown', errCode: null, errMessage: null, notBefore: null } as const;
      expect(await j.settle(batch, 4, holder, maybe, T + 8)).toBe(true);
      expect((await j.rows(batch, 3, 2)).map(({ state, errCode, notBefore }) => [state, errCode, notBefore])).toEqual([
        ['pending', 'FREQ_LIMIT', T + 60],
        ['unknown', null, null],
      ]);
      expect((await j.claim(batch, other, 10, T + 59)).map(({ row, ambiguous }) => [row, ambiguous])).toEqual([
        [4, true],
      ]);
      expect((await j.claim(batch, other, 10, T + 60)).map(({ row, ambiguous }) => [row, ambiguous])).toEqual([
        [3, false],
      ]);
    });

    it('release returns each row to the state it was claimed from, only for its holder', async () => {
      const j = await journal();
      const { batch, now, alive } = await scenario(j);
      const worker = `${batch}-claimer`;
      await j.heartbeat(worker, FOREVER);
      expect((await j.claim(batch, worker, 100, now)).map((row) => row.row)).toEqual([3, 7, 5, 1, 8]);
      const states = async () => (await j.rows(batch, 1, 100)).map((row) => row.state);
      const claimedStates = await states();

      await j.release(batch, alive, [3, 7, 5, 1, 8], now);
      await j.release(batch, worker, [9, 10, 6], now);
      await j.release(batch, worker, [], now);
      expect(await states()).toEqual(claimedStates);

      await j.release(batch, worker, [3, 5, 1], now + 1);
      expect(await states()).toEqual([
        'pending',
        'pending',
        'unknown',
        'unknown',
        'unknown',
        'sending',
        'sending',
        'sending',
        'sent',
        'failed',
      ]);
      await j.release(batch, worker, [7, 8], now + 1);
      expect((await j.rows(batch, 7, 2)).map((row) => row.state)).toEqual(['unknown', 'pending']);

      // Released rows are claimable again, where they came from.
      const again = await j.claim(batch, worker, 100, now + 1);
      expect(again.map(({ row, ambiguous }) => [row, ambiguous])).toEqual([
        [3, true],
        [5, true],
        [7, true],
        [1, false],
        [8, false],
      ]);
    });

    it('reconcile records status and refund on sent rows only', async () => {
      const j = await journal();
      const { batch, now } = await scenario(j);
      const before = await j.rows(batch, 1, 100);
      for (const row of [1, 3, 5, 10]) await j.reconcile(batch, row, 'REFUND', 100, now);
      expect(await j.rows(batch, 1, 100)).toEqual(before);

      await j.reconcile(batch, 9, 'REFUND', 900, now + 1);
      expect((await j.rows(batch, 9, 1))[0]).toEqual({
        ...before[8],
        status: 'REFUND',
        refundAmount: 900,
        updatedAt: now + 1,
      });
      await j.reconcile(batch, 9, 'RECEIVED', null, now + 2);
      expect((await j.rows(batch, 9, 1))[0]).toMatchObject({ state: 'sent', status: 'RECEIVED', refundAmount: null });
    });

    it('counts rows by state, the amount sent, and unsent rows by their err_code', async () => {
      const j = await journal();
      const empty = await begin(j, 0);
      expect(await j.counts(empty)).toEqual({
        pending: 0,
        sending: 0,
        sent: 0,
        failed: 0,
        unknown: 0,
        sentAmount: 0,
        byErrCode: {},
      });
      const { batch } = await scenario(j);
      expect(await j.counts(batch)).toEqual({
        pending: 3,
        sending: 2,
        sent: 1,
        failed: 1,
        unknown: 3,
        sentAmount: amountOf(9),
        byErrCode: { SYSTEMERROR: 2, FREQ_LIMIT: 1, NOTENOUGH: 1 },
      });
    });

    it('nextDue is the earliest notBefore of rows waiting to be claimed', async () => {
      const j = await journal();
      expect(await j.nextDue(await begin(j, 0))).toBeUndefined();
      const { batch, now } = await scenario(j);
      expect(await j.nextDue(batch)).toBe(T + 150);
      const worker = `${batch}-claimer`;
      await j.heartbeat(worker, FOREVER);
      await j.claim(batch, worker, 100, now);
      // Rows 3 and 8 are being sent now: their old notBefore no longer counts.
      expect(await j.nextDue(batch)).toBe(T + 1000);
      await j.claim(batch, worker, 100, T + 1000);
      expect(await j.nextDue(batch)).toBeUndefined();
    });

    it('rows pages in row order from fromRow and filters by state', async () => {
      const j = await journal();
      const { batch } = await scenario(j);
      const neighbour = await begin(j, 2);
      await j.addRows(neighbour, newRows(neighbour, 2));
      const page = async (from: number, limit: number, state?: JournalRow['state']) =>
        (await j.rows(batch, from, limit, state)).map((row) => row.row);
      expect(await page(1, 3)).toEqual([1, 2, 3]);
      expect(await page(4, 3)).toEqual([4, 5, 6]);
      expect(await page(10, 3)).toEqual([10]);
      expect(await page(11, 3)).toEqual([]);
      expect(await page(1, 100, 'pending')).toEqual([1, 2, 8]);
      expect(await page(3, 1, 'pending')).toEqual([8]);
      expect(await page(1, 100, 'unknown')).toEqual([3, 4, 7]);
      expect(await page(1, 100, 'sending')).toEqual([5, 6]);
      expect(await page(1, 100, 'sent')).toEqual([9]);
      expect(await page(1, 100, 'failed')).toEqual([10]);
      expect(await page(10, 100, 'failed')).toEqual([10]);
      expect(await page(1, 100)).toEqual(range(1, 10));
    });
  });
}

/** What a row stored by addRows holds besides its input. */
const fresh = {
  state: 'pending',
  attempts: 0,
  errCode: null,
  errMessage: null,
  wxId: null,
  status: null,
  refundAmount: null,
  detail: null,
  notBefore: null,
} as const;

const sent = { state: 'sent', wxId: 'wx', status: null } as const;
const failed = { state: 'failed', errCode: 'NOTENOUGH', errMessage: 'balance too low' } as const;

function unique(label: string): string {
  return `${label}-${randomUUID()}`;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

function amountOf(row: number): number {
  return 100 * row + 3_000_000_000;
}

function newBatch(id: string, rowCount = 0): NewBatch {
  return { id, kind: 'redpack', settings: '{"act_name":"test"}', inputHash: `hash-${id}`, rowCount, createdAt: T };
}

/** Rows 1..count; each business number carries the batch id so numbers never collide between tests. */
function newRows(batch: string, count: number): NewRow[] {
  return range(1, count).map((row) => ({
    row,
    number: `${batch}-${row}`,
    openid: `openid-${row}`,
    amount: amountOf(row),
    data: JSON.stringify({ row }),
  }));
}

async function begin(j: Journal, rowCount: number): Promise<string> {
  const batch = newBatch(unique('batch'), rowCount);
  await j.beginBatch(batch);
  return batch.id;
}

/**
 * A batch of 10 rows with every kind of row a claim at `now` (T + 200) must tell apart:
 *   1 pending, due          2 pending, notBefore T+1000    3 unknown, notBefore T+150 (due)   4 unknown, T+1000
 *   5 sending, worker dead  6 sending, worker alive        7 unknown, no notBefore            8 pending, notBefore = now
 *   9 sent                  10 failed
 * Every row has been claimed once (attempts 1).
 */
async function scenario(j: Journal): Promise<{ batch: string; now: number; dead: string; alive: string }> {
  const batch = await begin(j, 10);
  await j.addRows(batch, newRows(batch, 10));
  const [dead, alive] = [`${batch}-dead`, `${batch}-alive`];
  await j.heartbeat(dead, T + 100);
  await j.heartbeat(alive, FOREVER);
  expect((await j.claim(batch, dead, 5, T)).map((row) => row.row)).toEqual([1, 2, 3, 4, 5]);
  expect((await j.claim(batch, alive, 5, T)).map((row) => row.row)).toEqual([6, 7, 8, 9, 10]);
  const wait = (state: 'pending' | 'unknown', errCode: string | null, notBefore: number | null) =>
    ({ state, errCode, errMessage: errCode && `${errCode} message`, notBefore }) as const;
  const outcomes = [
    [dead, 1, wait('pending', null, null)],
    [dead, 2, wait('pending', null, T + 1000)],
    [dead, 3, wait('unknown', 'SYSTEMERROR', T + 150)],
    [dead, 4, wait('unknown', 'SYSTEMERROR', T + 1000)],
    [alive, 7, wait('unknown', null, null)],
    [alive, 8, wait('pending', 'FREQ_LIMIT', T + 200)],
    [alive, 9, { state: 'sent', wxId: 'wx-9', status: 'SENDING' }],
    [alive, 10, failed],
  ] as const;
  for (const [worker, row, outcome] of outcomes) expect(await j.settle(batch, row, worker, outcome, T)).toBe(true);
  return { batch, now: T + 200, dead, alive };
}
