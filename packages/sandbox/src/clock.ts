// The sandbox's notion of "now": real time plus an offset that tests and the admin API can move (and that survives
// restarts), the registry of the work that falls due as that time passes, and WeChat's China Standard Time formats.
import type { KvStore } from './store.js';

const offsetKey = 'clock.offset_ms';
/** China Standard Time is UTC+8 all year (no daylight saving), so a fixed shift is exact. */
const chinaOffsetMs = 8 * 60 * 60 * 1000;

export class SandboxClock {
  private offsetMs: number;
  /** What falls due as this clock's time passes (red packets expiring, refunds completing, notifications). */
  readonly due: DueWork;

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
    this.due = new DueWork(() => this.nowSeconds());
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

/**
 * One kind of work that falls due as sandbox time passes. It does everything of its kind that is due by `nowSeconds`
 * and answers when the next piece of it falls due (unix seconds), or undefined when none is pending. Running it when
 * nothing is due must change nothing.
 */
export type DueJob = (nowSeconds: number) => number | undefined;

/**
 * The registry of work due as sandbox time passes, for APIv2 and APIv3 alike. State that moves on by itself (a red
 * packet expires, a refund completes) is brought up to sandbox time before anyone looks at it: the routers and the
 * admin call `settle()` first. Each job's next due moment is remembered, so `settle()` costs nothing until one is
 * reached; code that creates timed work says when it falls due (`expect`). Deliveries (notifications) are async and
 * run from `run()`: on a real-time timer (`start`) and whenever the admin moves time.
 */
export class DueWork {
  readonly #nowSeconds: () => number;
  readonly #jobs = new Map<string, { run: DueJob; nextAt: number }>();
  readonly #deliveries = new Map<string, () => Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(nowSeconds: () => number) {
    this.#nowSeconds = nowSeconds;
  }

  /** Adds a job. Its next due moment is unknown until it first runs, so the next `settle()` runs it. */
  register(name: string, run: DueJob): void {
    if (this.#jobs.has(name) || this.#deliveries.has(name)) throw new Error(`due work "${name}" is already registered`);
    this.#jobs.set(name, { run, nextAt: Number.NEGATIVE_INFINITY });
  }

  /** Adds an async delivery (notifications), run by `run()` after the jobs. It does only what is due itself. */
  registerDelivery(name: string, deliver: () => Promise<void>): void {
    if (this.#jobs.has(name) || this.#deliveries.has(name)) throw new Error(`due work "${name}" is already registered`);
    this.#deliveries.set(name, deliver);
  }

  /** Work of job `name` was just created that falls due at `atSeconds`. (A job not registered has nothing to wake.) */
  expect(name: string, atSeconds: number): void {
    const job = this.#jobs.get(name);
    if (job !== undefined && atSeconds < job.nextAt) job.nextAt = atSeconds;
  }

  /** Runs every job whose next due moment sandbox time has reached. Synchronous: a handler calls it before it reads. */
  settle(): void {
    const now = this.#nowSeconds();
    for (const job of this.#jobs.values()) if (job.nextAt <= now) this.#runJob(job, now);
  }

  /**
   * Runs every job whatever it said about its next moment: for when the state may have changed behind this process's
   * back (another process on the same database) or a clock was moved by hand.
   */
  settleAll(): void {
    const now = this.#nowSeconds();
    for (const job of this.#jobs.values()) this.#runJob(job, now);
  }

  /** Settles (every job with `all`), then runs the deliveries one after another; resolves when they are done. */
  async run(options: { all?: boolean } = {}): Promise<void> {
    if (options.all) this.settleAll();
    else this.settle();
    for (const deliver of this.#deliveries.values()) await deliver();
  }

  /**
   * Runs every job and the deliveries every `intervalMs` of real time until `stop()`; a run still going is not started
   * again. Every job, not only those whose moment this registry knows is reached: whatever it missed (work another
   * process wrote, a transaction rolled back after a job ran) is caught up within one interval.
   */
  start(intervalMs: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      // A slow notification receiver can hold a run for seconds; piling up runs behind it would only repeat work.
      if (this.#inFlight !== undefined) return;
      this.#inFlight = this.run({ all: true })
        // Background work has no caller to tell; whatever failed is retried on the next run.
        .catch(() => undefined)
        .finally(() => {
          this.#inFlight = undefined;
        });
    }, intervalMs);
    // Background work must not keep a process alive that is otherwise done.
    this.#timer.unref();
  }

  /** Stops the timer; resolves once a run in flight has finished. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  #runJob(job: { run: DueJob; nextAt: number }, now: number): void {
    // Cleared first, so work `expect`ed while the job runs is kept.
    job.nextAt = Number.POSITIVE_INFINITY;
    let next: number | undefined;
    try {
      next = job.run(now);
    } catch (error) {
      // Its moment stays reached: the next settle tries again.
      job.nextAt = Number.NEGATIVE_INFINITY;
      throw error;
    }
    job.nextAt = Math.min(job.nextAt, next ?? Number.POSITIVE_INFINITY);
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
  return {
    year: pad(shifted.getUTCFullYear(), 4),
    month: pad(shifted.getUTCMonth() + 1),
    day: pad(shifted.getUTCDate()),
    hour: pad(shifted.getUTCHours()),
    minute: pad(shifted.getUTCMinutes()),
    second: pad(shifted.getUTCSeconds()),
  };
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}
