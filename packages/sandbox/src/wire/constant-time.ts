// Comparing a received signature with the expected one without leaking, through timing, how much of it matched.
import { timingSafeEqual } from 'node:crypto';

/**
 * True when `received` equals `expected`, in a time that does not depend on how much of them matched. A `received` of
 * another length cannot match; the comparison still runs (`expected` against itself), so that case takes as long as
 * any other. Its length is all the timing could tell, and the caller chose it; `expected`'s (a hex digest's) is no
 * secret either.
 */
export function equalsInConstantTime(received: string, expected: string): boolean {
  const expectedBytes = Buffer.from(expected, 'utf8');
  const receivedBytes = Buffer.from(received, 'utf8');
  if (receivedBytes.length !== expectedBytes.length) {
    timingSafeEqual(expectedBytes, expectedBytes);
    return false;
  }
  return timingSafeEqual(receivedBytes, expectedBytes);
}
