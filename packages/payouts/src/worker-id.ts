// Who holds a claim: host, process and a random part, so a dead process on this host is recognised and its claims
// freed at once instead of after its heartbeat expires.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Journal } from './journal/journal.js';

export function newWorkerId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Forgets workers of this host whose process is gone (killed, crashed): their `sending` rows become claimable. */
export async function forgetDeadWorkersOfThisHost(journal: Journal): Promise<void> {
  const host = `${hostname()}/`;
  for (const { id } of await journal.workers()) {
    if (!id.startsWith(host)) continue;
    const pid = Number(id.slice(host.length).split('/')[0]);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) {
      await journal.removeWorker(id);
    }
  }
}

/** This worker's share of the merchant's `rate`: the workers alive at `now` (this one among them) split it evenly. */
export function rateShare(rate: number, workers: ReadonlyArray<{ aliveUntil: number }>, now: number): number {
  return rate / Math.max(1, workers.filter((worker) => worker.aliveUntil >= now).length);
}
