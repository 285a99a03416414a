// The sandbox's notion of "now": real time plus an offset that tests and the admin API can move (and that survives restarts),
// and WeChat's China Standard Time formats.
import type { KvStore } from './store.js';

const offsetKey = 'clock.offset_ms';
/** China Standard Time is UTC+8 all year (no daylight saving), so a fixed shift is exact. */
const chinaOffsetMs = 8 * 60 * 60 * 1000;

export class SandboxClock {
  private offsetMs: number;

  /**
   * @param store where the offset persists; without one it lives as long as this object.
   * @param realNow the underlying real clock, replaceable so tests need no fake timers.
   */
  constructor(
    private readonly store?: KvStore,
    private readonly realNow: () => number = Date.now,
  ) {
    const saved = store?.getKv(offsetKey);
    const parsed = saved === undefined ? 0 : Number(saved);
    // A damaged value must not put the sandbox in an undefined year; fall back to real time.
    this.offsetMs = Number.isSafeInteger(parsed) ? parsed : 0;
  }

  /** Unix milliseconds. */
  now(): number {
    return this.realNow() + this.offsetMs;
  }

  /** Unix seconds, as WeChat timestamps and the store's time columns use. */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /**
   * Real (wall-clock) unix seconds, for the protocol's freshness checks: request and reply signature timestamps must
   * agree with the clients' real clocks even after sandbox time was advanced by days.
   */
  wireSeconds(): number {
    return Math.floor(this.realNow() / 1000);
  }

  /** Moves time forward (to expire red packets, trigger notification retries, ...). Never backwards: use `set`. */
  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError('advance() takes a whole, non-negative number of ms');
    this.saveOffset(this.offsetMs + ms);
  }

  /** Jumps to an absolute time, in either direction. */
  set(unixMs: number): void {
    if (!Number.isSafeInteger(unixMs)) throw new RangeError('set() takes whole unix milliseconds');
    this.saveOffset(unixMs - this.realNow());
  }

  /** How far the sandbox runs ahead of (positive) or behind real time, ms. */
  offset(): number {
    return this.offsetMs;
  }

  private saveOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
    this.store?.setKv(offsetKey, String(offsetMs));
  }
}

/** `yyyy-MM-dd HH:mm:ss` in China Standard Time (APIv2 `send_time`, `rcv_time`, ...). */
export function formatChinaTime(ms: number): string {
  const t = chinaParts(ms);
  return `${t.year}-${t.month}-${t.day} ${t.hour}:${t.minute}:${t.second}`;
}

/** `yyyyMMddHHmmss` in China Standard Time (coupon `begin_time_t`, `time_end`, ...). */
export function formatCompactChinaTime(ms: number): string {
  const t = chinaParts(ms);
  return `${t.year}${t.month}${t.day}${t.hour}${t.minute}${t.second}`;
}

/** RFC 3339 with the `+08:00` offset and whole seconds, as APIv3 writes `success_time`, `create_time`, ... */
export function formatRfc3339China(ms: number): string {
  const t = chinaParts(ms);
  return `${t.year}-${t.month}-${t.day}T${t.hour}:${t.minute}:${t.second}+08:00`;
}

function chinaParts(ms: number): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  // Shifting the instant by 8 hours and reading UTC fields gives China's wall clock without depending on the host's zone.
  const shifted = new Date(ms + chinaOffsetMs);
  if (Number.isNaN(shifted.getTime())) throw new RangeError('not a representable time');
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return {
    year: pad(shifted.getUTCFullYear(), 4),
    month: pad(shifted.getUTCMonth() + 1),
    day: pad(shifted.getUTCDate()),
    hour: pad(shifted.getUTCHours()),
    minute: pad(shifted.getUTCMinutes()),
    second: pad(shifted.getUTCSeconds()),
  };
}
