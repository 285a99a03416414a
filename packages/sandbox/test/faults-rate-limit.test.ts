// Tests for the per-merchant rate limit window: at most `limit` requests within any second, per merchant.
import { describe, expect, it } from 'vitest';
import { Faults } from '../src/faults.js';

describe('Faults.allow', () => {
  it('allows the limit within a second, refuses the next, and allows again once a second has passed', () => {
    const faults = new Faults();
    const allowed = (at: number) => faults.allow('10000098', 3, at);
    expect([allowed(0), allowed(100), allowed(999), allowed(999)]).toEqual([true, true, true, false]);
    // The request at 0 leaves the window at 1000; the refused one was never counted.
    expect([allowed(1000), allowed(1001)]).toEqual([true, false]);
    expect(allowed(2000)).toBe(true);
  });

  it('counts each merchant apart, and the override applies to all', () => {
    const faults = new Faults();
    expect([faults.allow('a', 1, 0), faults.allow('a', 1, 1), faults.allow('b', 1, 1)]).toEqual([true, false, true]);
    faults.set({ rateLimitPerSecond: 2 });
    expect([faults.allow('c', 1, 5), faults.allow('c', 1, 6), faults.allow('c', 1, 7)]).toEqual([true, true, false]);
  });

  it('decides as the definition does over seconds of a high limit', () => {
    const faults = new Faults();
    const kept: number[] = [];
    /** The definition: count the requests let through in the last 1,000 ms. */
    const reference = (at: number) => {
      const allowed = kept.filter((then) => at - then < 1000).length < 2_500;
      if (allowed) kept.push(at);
      return allowed;
    };
    const decisions: boolean[] = [];
    const expected: boolean[] = [];
    // 3 requests a millisecond (3,000 a second) for 3 s against 2,500 a second.
    for (let ms = 0; ms < 3_000; ms++) {
      for (let i = 0; i < 3; i++) {
        decisions.push(faults.allow('10000098', 2_500, ms));
        expected.push(reference(ms));
      }
    }
    expect(decisions).toEqual(expected);
    expect(decisions.filter((allowed) => !allowed).length).toBeGreaterThan(0);
  });
});
