// Comparing a received signature with the expected one without leaking, through timing, how much of it matched.
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when `received` equals `expected`. Both are hashed first: timingSafeEqual wants inputs of one length, and
 * comparing fixed-size digests keeps even the length of the received value from steering the time taken.
 */
export function equalsInConstantTime(received: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(received), digest(expected));
}
