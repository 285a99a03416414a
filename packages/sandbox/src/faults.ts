// Fault injection and rate limiting: SYSTEMERROR replies, committed-but-dropped replies, delays, per-merchant limits.

export interface FaultSettings {
  /** Probability (0..1) that a request fails with SYSTEMERROR / 500 SYSTEM_ERROR before doing anything. */
  systemErrorRate: number;
  /** Probability (0..1) that a request takes effect but its reply is never sent (the connection is dropped). */
  dropReplyRate: number;
  /** Probability (0..1) that a reply is delayed by `delayMs`. */
  delayRate: number;
  delayMs: number;
  /** Overrides every merchant's requests-per-second limit when set. */
  rateLimitPerSecond: number | undefined;
}

export const DEFAULT_FAULTS: Readonly<FaultSettings> = {
  systemErrorRate: 0,
  dropReplyRate: 0,
  delayRate: 0,
  delayMs: 0,
  rateLimitPerSecond: undefined,
};

export class Faults {
  #settings: FaultSettings = { ...DEFAULT_FAULTS };
  // Request times per merchant within the last second (real time: rate limits protect the process, not the story).
  readonly #recent = new Map<string, RecentRequests>();
  readonly #random: () => number;
  #changes = 0;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  get settings(): Readonly<FaultSettings> {
    return this.#settings;
  }

  /** How many times the settings were changed or reset: the dashboard's change feed watches it (they live in memory). */
  get changes(): number {
    return this.#changes;
  }

  /** Changes some settings; probabilities must be within 0..1. */
  set(changes: Partial<FaultSettings>): Readonly<FaultSettings> {
    const next = { ...this.#settings, ...changes };
    for (const name of ['systemErrorRate', 'dropReplyRate', 'delayRate'] as const) {
      const value = next[name];
      if (!(typeof value === 'number' && value >= 0 && value <= 1)) throw new RangeError(`${name} must be within 0..1`);
    }
    if (!(Number.isInteger(next.delayMs) && next.delayMs >= 0)) throw new RangeError('delayMs must be an integer >= 0');
    const limit = next.rateLimitPerSecond;
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      throw new RangeError('rateLimitPerSecond must be a positive integer');
    }
    this.#settings = next;
    this.#changes += 1;
    return this.#settings;
  }

  reset(): void {
    this.#settings = { ...DEFAULT_FAULTS };
    this.#recent.clear();
    this.#changes += 1;
  }

  systemError(): boolean {
    return this.#random() < this.#settings.systemErrorRate;
  }

  dropReply(): boolean {
    return this.#random() < this.#settings.dropReplyRate;
  }

  /** The delay to apply to this reply, in ms (0 for none). */
  delay(): number {
    return this.#settings.delayMs > 0 && this.#random() < this.#settings.delayRate ? this.#settings.delayMs : 0;
  }

  /**
   * Counts a request of `mchid` and says whether it is within the limit (the merchant's own, unless overridden).
   * `nowMs` is real time.
   */
  allow(mchid: string, merchantLimit: number, nowMs: number): boolean {
    const limit = this.#settings.rateLimitPerSecond ?? merchantLimit;
    let recent = this.#recent.get(mchid);
    if (recent === undefined) {
      recent = { times: [], start: 0 };
      this.#recent.set(mchid, recent);
    }
    // Oldest first, so the expired ones are a prefix: skipping it costs nothing per request, where filtering (and
    // copying) a second's worth of times on every request cost more the higher the limit was set.
    const { times } = recent;
    while (recent.start < times.length && nowMs - (times[recent.start] as number) >= 1000) recent.start++;
    if (recent.start >= 1024 && recent.start * 2 >= times.length) {
      times.splice(0, recent.start);
      recent.start = 0;
    }
    const allowed = times.length - recent.start < limit;
    if (allowed) times.push(nowMs);
    return allowed;
  }
}

/** One merchant's request times, oldest first; those before `start` are over a second old. */
interface RecentRequests {
  readonly times: number[];
  start: number;
}
