// Side-by-side measurement: variants of one workload run in alternating rounds in the same process, so that a noisy,
// shared machine slows them alike, and each is reported as its median rate and as a ratio to the baseline.

export interface Variant {
  name: string;
  /** One operation (one request, one parse...). */
  op: () => Promise<unknown>;
}

export interface Measured {
  name: string;
  /** Median operations per second over the rounds. */
  rate: number;
}

/** Operations per second of `op` with `concurrency` in flight, over about `ms` milliseconds. */
export async function rateOf(op: () => Promise<unknown>, concurrency: number, ms: number): Promise<number> {
  let done = 0;
  const deadline = performance.now() + ms;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      await op();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (done * 1000) / (performance.now() - started);
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Warms every variant up, then runs `rounds` alternating rounds of each; returns their median rates. */
export async function compare(
  variants: readonly Variant[],
  options: { concurrency: number; rounds: number; roundMs: number },
): Promise<Measured[]> {
  for (const variant of variants) await rateOf(variant.op, options.concurrency, options.roundMs / 2);
  const rates = variants.map(() => [] as number[]);
  for (let round = 0; round < options.rounds; round++) {
    // Alternate the order too, so neither variant always runs on a warmer (or more tired) machine.
    const order = round % 2 === 0 ? variants.map((_, i) => i) : variants.map((_, i) => variants.length - 1 - i);
    for (const index of order) {
      rates[index]?.push(await rateOf((variants[index] as Variant).op, options.concurrency, options.roundMs));
    }
  }
  return variants.map((variant, index) => ({ name: variant.name, rate: median(rates[index] ?? []) }));
}
