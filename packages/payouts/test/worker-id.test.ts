// Workers: a dead process of this host loses its claims at once; the merchant's rate is split among live workers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Journal } from '../src/journal/journal.js';
import { openSqliteJournal } from '../src/journal/sqlite.js';
import { forgetDeadWorkersOfThisHost, newWorkerId, rateShare } from '../src/worker-id.js';

let dir: string;
let journal: Journal;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxpay-workers-'));
  journal = openSqliteJournal(join(dir, 'journal.db'));
});
afterEach(async () => {
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('forgetDeadWorkersOfThisHost', () => {
  it('forgets a worker of this host whose process is gone, keeps live ones and other hosts', async () => {
    // A pid that certainly ended: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const later = Date.now() + 60_000;
    await journal.heartbeat(`${hostname()}/${dead}/aaaa`, later);
    await journal.heartbeat(newWorkerId(), later);
    await journal.heartbeat(`${hostname()}-other/${dead}/bbbb`, later);
    await forgetDeadWorkersOfThisHost(journal);
    const left = (await journal.workers()).map((w) => w.id);
    expect(left).toHaveLength(2);
    expect(left).toContain(`${hostname()}-other/${dead}/bbbb`);
    expect(left.some((id) => id.startsWith(`${hostname()}/${process.pid}/`))).toBe(true);
  });
});

describe('rateShare', () => {
  it('splits the rate among the workers alive now, counting at least this one', () => {
    const now = 1000;
    expect(rateShare(30, [], now)).toBe(30);
    expect(rateShare(30, [{ aliveUntil: 1000 }, { aliveUntil: 5000 }, { aliveUntil: 999 }], now)).toBe(15);
  });
});
