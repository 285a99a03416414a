// The pacer: slots at the rate, a shared pause that grows while limits persist, a rate that can be shared.
import { describe, expect, it } from 'vitest';
import { nextChinaMidnight, Pacer, retryDelay } from '../src/pacer.js';

function clock() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

describe('Pacer', () => {
  it('hands out one slot every 1000/rate ms', async () => {
    const c = clock();
    const pacer = new Pacer({ rate: 4, now: c.now, sleep: c.sleep });
    for (let i = 0; i < 4; i++) expect(await pacer.take()).toBe(true);
    expect(c.sleeps).toEqual([250, 250, 250]);
  });

  it('never sleeps for a slot less than a millisecond away (a timer waits at least 1 ms)', async () => {
    const c = clock();
    const pacer = new Pacer({ rate: 1e6, now: c.now, sleep: c.sleep });
    for (let i = 0; i < 16; i++) expect(await pacer.take()).toBe(true);
    expect(c.sleeps).toEqual([]);
  });

  it('pauses every sender after a frequency limit, longer each time, and resets after a success', async () => {
    const c = clock();
    const pacer = new Pacer({ rate: 1000, now: c.now, sleep: c.sleep });
    expect(pacer.backoff()).toBe(500);
    await pacer.take();
    expect(c.sleeps).toEqual([500]);
    // Met again after the pause: twice as long.
    expect(pacer.backoff()).toBe(1000);
    await pacer.take();
    expect(c.sleeps).toEqual([500, 1000]);
    pacer.succeeded();
    expect(pacer.backoff()).toBe(500);
  });

  it('keeps the pause as it is for the other limits of the same burst (sends already in flight)', async () => {
    const c = clock();
    const pacer = new Pacer({ rate: 1000, now: c.now, sleep: c.sleep });
    for (let sender = 0; sender < 8; sender++) expect(pacer.backoff()).toBe(500);
    await pacer.take();
    expect(c.sleeps).toEqual([500]);
    expect(pacer.backoff()).toBe(1000);
  });

  it('shares its rate when told to', async () => {
    const c = clock();
    const pacer = new Pacer({ rate: 10, now: c.now, sleep: c.sleep });
    pacer.setRate(10 / 4);
    await pacer.take();
    await pacer.take();
    expect(c.sleeps).toEqual([400]);
  });

  it('gives no slot once its signal aborted', async () => {
    const c = clock();
    const pacer = new Pacer({ rate: 1, now: c.now, sleep: c.sleep });
    await pacer.take();
    const controller = new AbortController();
    controller.abort();
    expect(await pacer.take(controller.signal)).toBe(false);
  });
});

describe('retryDelay and nextChinaMidnight', () => {
  it('grows from 0.5 s to at most 30 s', () => {
    expect([1, 2, 3, 10].map(retryDelay)).toEqual([500, 1000, 2000, 30_000]);
  });

  it('is the next 00:00 in UTC+8', () => {
    // 2026-11-30 15:59:59 UTC is 23:59:59 in China; the day ends one second later.
    expect(nextChinaMidnight(Date.UTC(2026, 10, 30, 15, 59, 59))).toBe(Date.UTC(2026, 10, 30, 16, 0, 0));
    expect(nextChinaMidnight(Date.UTC(2026, 10, 30, 16, 0, 0))).toBe(Date.UTC(2026, 11, 1, 16, 0, 0));
  });
});
