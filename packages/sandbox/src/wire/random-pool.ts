// Random bytes from the operating system's CSPRNG, drawn a block at a time: every request takes a nonce and an id,
// and one call into the CSPRNG per block costs far less than one per value (or one per digit).
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let next = pool.length;

/** One random byte (0..255). */
function randomByte(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const byte = pool[next] ?? 0;
  // Used once: a byte handed out is never handed out again.
  pool[next] = 0;
  next += 1;
  return byte;
}

/** A random whole number 0 <= n < `below` (at most 256), without modulo bias. */
export function randomBelow(below: number): number {
  if (!Number.isSafeInteger(below) || below < 1 || below > 256) throw new RangeError('randomBelow takes 1..256');
  // Bytes from the largest multiple of `below` up are skipped, so that every result is equally likely.
  const limit = 256 - (256 % below);
  for (;;) {
    const byte = randomByte();
    if (byte < limit) return byte % below;
  }
}
