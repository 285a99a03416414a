// Tests for the sandbox clock: offset arithmetic, persistence across a store reopen, and China Standard Time formats.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatChinaTime, formatCompactChinaTime, formatRfc3339China, SandboxClock } from '../src/clock.js';
import { openStore } from '../src/store.js';

const hourMs = 60 * 60 * 1000;
/** 2026-11-25T11:05:00Z, i.e. 19:05 in Beijing. */
const instant = Date.UTC(2026, 10, 25, 11, 5, 0);

describe('SandboxClock', () => {
  it('follows real time with no offset', () => {
    let real = instant;
    const clock = new SandboxClock(undefined, () => real);
    expect(clock.now()).toBe(instant);
    real += 1500;
    expect(clock.now()).toBe(instant + 1500);
    expect(clock.nowSeconds()).toBe(Math.floor((instant + 1500) / 1000));
  });

  it('advances and jumps, keeping real time flowing underneath', () => {
    let real = instant;
    const clock = new SandboxClock(undefined, () => real);
    clock.advance(24 * hourMs);
    expect(clock.now()).toBe(instant + 24 * hourMs);
    real += 10;
    expect(clock.now()).toBe(instant + 24 * hourMs + 10);
    clock.set(instant - hourMs);
    expect(clock.now()).toBe(instant - hourMs);
    expect(clock.offset()).toBe(-hourMs - 10);
  });

  it('refuses to advance backwards or by a non-integer', () => {
    const clock = new SandboxClock();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.advance(0.5)).toThrow(RangeError);
    expect(() => clock.set(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(clock.offset()).toBe(0);
  });

  it('ignores a damaged saved offset', () => {
    const store = openStore(':memory:');
    store.setKv('clock.offset_ms', 'not a number');
    expect(new SandboxClock(store, () => instant).now()).toBe(instant);
    store.close();
  });

  describe('with a store on disk', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'wxpay-clock-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps the offset across a reopen', () => {
      const first = openStore(dir);
      new SandboxClock(first, () => instant).advance(25 * hourMs);
      first.close();

      const second = openStore(dir);
      try {
        const later = instant + 5000; // real time moved on while the sandbox was down
        expect(new SandboxClock(second, () => later).now()).toBe(later + 25 * hourMs);
      } finally {
        second.close();
      }
    });
  });
});

describe('China Standard Time formats', () => {
  it('formats in UTC+8 whatever the host time zone', () => {
    expect(formatChinaTime(instant)).toBe('2026-11-25 19:05:00');
    expect(formatRfc3339China(instant)).toBe('2026-11-25T19:05:00+08:00');
    expect(formatCompactChinaTime(instant)).toBe('20261125190500');
  });

  it('rolls over the date at midnight Beijing time, not UTC', () => {
    const utcEvening = Date.UTC(2026, 11, 31, 16, 0, 1); // 2027-01-01 00:00:01 in Beijing
    expect(formatChinaTime(utcEvening)).toBe('2027-01-01 00:00:01');
    expect(formatRfc3339China(utcEvening - 2000)).toBe('2026-12-31T23:59:59+08:00');
  });

  it('drops milliseconds and pads every field', () => {
    expect(formatChinaTime(Date.UTC(2026, 0, 1, 0, 0, 0, 999) - 8 * hourMs)).toBe('2026-01-01 00:00:00');
    expect(formatCompactChinaTime(Date.UTC(2026, 1, 3, 4, 5, 6))).toBe('20260203120506');
  });

  it('rejects a time that is not one', () => {
    expect(() => formatChinaTime(Number.NaN)).toThrow(RangeError);
  });
});
