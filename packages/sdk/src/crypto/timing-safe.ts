// Constant-time comparison of secrets and signatures.
import { hash, timingSafeEqual } from 'node:crypto';

/** Compares two strings in time independent of where they differ (lengths are hidden by hashing first). */
export function timingSafeEqualString(a: string, b: string): boolean {
  // `hash` reads a string as UTF-8.
  const da = hash('sha256', a, 'buffer');
  const db = hash('sha256', b, 'buffer');
  return timingSafeEqual(da, db) && a.length === b.length;
}
