// Pacing sends: at most `rate` a second from this process, and a shared pause after a frequency limit that grows while
// the limit persists and resets after a success.

export interface PacerOptions {
  /** Sends a second (default 30, WeChat Pay's documented frequency for these payouts). */
  rate: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      done();
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
}

export class Pacer {
  #interval: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #nextSlot = 0;
  #pausedUntil = 0;
  #backoff = FIRST_BACKOFF_MS;

  constructor(options: PacerOptions) {
    if (!(options.rate > 0 && Number.isFinite(options.rate))) throw new RangeError('rate must be a number > 0');
    this.#interval = 1000 / options.rate;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleep;
  }

  /** Changes the rate from the next slot on (e.g. when the rate is shared with more or fewer workers). */
  setRate(rate: number): void {
    if (!(rate > 0 && Number.isFinite(rate))) throw new RangeError('rate must be a number > 0');
    this.#interval = 1000 / rate;
  }

  /** Waits for this send's slot; false when `signal` aborted first (nothing may be sent then). */
  async take(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const now = this.#now();
      const at = Math.max(this.#nextSlot, this.#pausedUntil, now);
      // A slot less than a clock tick away is taken now: no timer waits less than 1 ms (the average rate holds).
      if (at - now < 1) {
        this.#nextSlot = Math.max(this.#nextSlot, now) + this.#interval;
        return true;
      }
      await this.#sleep(at - now, signal);
    }
  }

  /**
   * A frequency limit (or an unreachable server): everyone waits, longer each time the limit is met again after a
   * pause, until a send passes. Returns the wait. Limits answered while a pause is on (the other sends of the burst
   * that met it, already in flight) keep the pause as it is: counted each, a burst of 8 senders would have stretched
   * the first pause from 0.5 s to 30 s.
   */
  backoff(): number {
    const now = this.#now();
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    const wait = this.#backoff;
    this.#pausedUntil = now + wait;
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    return wait;
  }

  succeeded(): void {
    this.#backoff = FIRST_BACKOFF_MS;
  }
}

/** How long an ambiguous row waits before it is resolved again: grows with its attempts, at most 30 s. */
export function retryDelay(attempts: number): number {
  return Math.min(FIRST_BACKOFF_MS * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/** The next midnight in China (UTC+8), when daily limits clear. */
export function nextChinaMidnight(now: number): number {
  const day = 86_400_000;
  const offset = 8 * 3_600_000;
  return Math.floor((now + offset) / day) * day + day - offset;
}
