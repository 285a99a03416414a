// The pacer: sends are spaced by 1/rate, and a slot less than a clock tick away is taken at once (no timer can wait less
// than 1 ms, so sleeping for it only delayed every send and capped high rates far below `rate`).
import { describe, expect, it } from 'vitest';
import { Pacer } from '../src/pacer.js';

/** A pacer on a fake clock whose sleeps advance it, as a timer would (never by less than 1 ms); records each sleep. */
function pacerAt(rate: number) {
  let now = 1_000;
  const slept: number[] = [];
  const pacer = new Pacer({
    rate,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += Math.max(1, ms);
    },
  });
  return { pacer, slept, now: () => now };
}

describe('Pacer', () => {
  it('spaces sends by 1/rate', async () => {
    const { pacer, slept, now } = pacerAt(10);
    for (let i = 0; i < 3; i++) expect(await pacer.take()).toBe(true);
    expect(slept).toEqual([100, 100]);
    expect(now()).toBe(1_200);
  });

  it('does not sleep for a slot less than a millisecond away', async () => {
    const { pacer, slept, now } = pacerAt(1e6);
    for (let i = 0; i < 16; i++) expect(await pacer.take()).toBe(true);
    expect(slept).toEqual([]);
    expect(now()).toBe(1_000);
  });

  it('takes nothing once the signal aborted', async () => {
    const { pacer } = pacerAt(10);
    const stop = new AbortController();
    stop.abort();
    expect(await pacer.take(stop.signal)).toBe(false);
  });
});
