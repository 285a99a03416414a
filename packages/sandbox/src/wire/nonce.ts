// Random letters and digits from the operating system's CSPRNG: nonces, AES-GCM nonces written as text, secrets.
import { randomBytes } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 248 = 4 × 62: bytes from here up are skipped, so that every character is equally likely (no modulo bias). */
const unbiasedBelow = 248;

/** `length` random letters and digits (APIv2 `nonce_str` is at most 32 characters; an APIv3 key is exactly 32). */
export function createNonce(length = 32): string {
  if (!Number.isSafeInteger(length) || length < 1) throw new RangeError('nonce length must be a positive integer');
  let nonce = '';
  while (nonce.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte >= unbiasedBelow) continue;
      nonce += alphabet.charAt(byte % alphabet.length);
      if (nonce.length === length) break;
    }
  }
  return nonce;
}
