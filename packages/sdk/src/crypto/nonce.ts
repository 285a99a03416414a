// Random nonces from the operating system's CSPRNG.
import { randomFillSync } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** The largest multiple of the alphabet's size that fits a byte: bytes from it up are dropped, so no letter is favoured. */
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

/** Random bytes drawn in bulk: one CSPRNG call serves many nonces instead of one call per character. */
const pool = Buffer.alloc(1024);
let poolUsed = pool.length;

/** A random alphanumeric string (default 32 characters, the longest `nonce_str` allows), uniform over the alphabet. */
export function createNonce(length = 32): string {
  let out = '';
  while (out.length < length) {
    if (poolUsed === pool.length) {
      randomFillSync(pool);
      poolUsed = 0;
    }
    const byte = pool[poolUsed++] as number;
    // Each byte is used once and then left behind, so no two nonces share randomness.
    if (byte < UNBIASED_LIMIT) out += ALPHABET[byte % ALPHABET.length];
  }
  return out;
}
