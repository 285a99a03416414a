// Stopping `wxpay payout run` with a signal: it ends with 75, and running it again pays every recipient exactly once.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliSandbox, csv, redpackFlags, startCliSandbox, USERS } from './support/cli-sandbox.js';
import { type Running, startWxpay, wxpay } from './support/wxpay-bin.js';

let s: CliSandbox;
beforeAll(async () => {
  s = await startCliSandbox();
});
afterAll(() => s?.close());

/** Eight rows (different amounts, so each row's packet is recognisable) over the three users. */
const rows = Array.from({ length: 8 }, (_, i) => [USERS[i % 3] as string, 100 + i] as const);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function untilPackets(count: number, run: Running): Promise<void> {
  return until(() => s.packets().length >= count, `packet ${count} (${run.stderr})`);
}

function expectEachRowPaidOnce(amounts: number[]): void {
  const paid = s.packets().filter((p) => amounts.includes(p.total_amount));
  expect(paid.map((p) => p.total_amount).sort()).toEqual([...amounts].sort());
}

describe('wxpay payout run, stopped by a signal', () => {
  it('SIGTERM: in-flight sends finish, exit 75; the same command again completes, each row paid once', async () => {
    const file = s.file('slow.csv', csv(rows));
    const args = ['payout', 'run', file, ...redpackFlags(), '-c', s.configPath, '--journal', join(s.dir, 'slow.db')];
    const run = startWxpay([...args, '--rate', '2']);
    await untilPackets(1, run);
    run.child.kill('SIGTERM');
    const stopped = await run.done;
    expect(stopped.code).toBe(75);
    expect(stopped.stderr).toContain('SIGTERM: stopping');
    expect(stopped.stdout).toMatch(
      /^batch slow: \d sent, .*; \d left \(\d pending, 0 unknown\): run the same command again\n$/,
    );
    expect(s.packets().length).toBeLessThan(8);

    const again = await wxpay(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('batch slow: 8 sent');
    expectEachRowPaidOnce(rows.map(([, amount]) => amount));
  });

  it('a second SIGINT exits at once (75) with a send in flight; the next run still pays each row once', async () => {
    const before = s.packets().length;
    const twice = rows.map(([openid, amount]) => [openid, amount + 100] as const);
    const file = s.file('twice.csv', csv(twice));
    const args = ['payout', 'run', file, ...redpackFlags(), '-c', s.configPath, '--journal', join(s.dir, 'twice.db')];
    const run = startWxpay([...args, '--rate', '2']);
    await untilPackets(before + 1, run);
    // From now on the sandbox holds each request this long before handling it: a send stays in flight.
    const delayMs = 3000;
    s.sandbox.admin.setFaults({ delayRate: 1, delayMs });
    const heldSince = Date.now();
    try {
      await sleep(700);
      run.child.kill('SIGINT');
      await until(() => run.stderr.includes('SIGINT: stopping'));
      run.child.kill('SIGINT');
      const stopped = await run.done;
      expect(stopped.code).toBe(75);
      expect(stopped.stderr).toContain('SIGINT again: exiting now');
      // It did not wait for the reply of the send in flight.
      expect(Date.now() - heldSince).toBeLessThan(delayMs);
      // That send is still `sending` in the journal, under a worker that is gone.
      const status = await wxpay(['payout', 'status', '--journal', join(s.dir, 'twice.db'), '--json']);
      expect(JSON.parse(status.stdout)[0].counts.sending).toBeGreaterThan(0);
    } finally {
      s.sandbox.admin.resetFaults();
    }

    const again = await wxpay(args);
    expect(again.code).toBe(0);
    // The held request is handled by now too (as a re-entry of its number, if the rerun sent it again).
    await sleep(Math.max(0, heldSince + delayMs + 200 - Date.now()));
    expectEachRowPaidOnce(twice.map(([, amount]) => amount));
  });
});
