// Random letters and digits from the operating system's CSPRNG: nonces, AES-GCM nonces written as text, secrets.
import { randomBelow } from './random-pool.js';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random letters and digits (APIv2 `nonce_str` is at most 32 characters; an APIv3 key is exactly 32). */
export function createNonce(length = 32): string {
  if (!Number.isSafeInteger(length) || length < 1) throw new RangeError('nonce length must be a positive integer');
  let nonce = '';
  for (let i = 0; i < length; i++) nonce += alphabet.charAt(randomBelow(alphabet.length));
  return nonce;
}
