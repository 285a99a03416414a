// Hash primitives: MD5, SHA-1, SHA-256 and HMAC-SHA256 as lowercase hex.
import { createHash, createHmac, hash } from 'node:crypto';

/** One-shot `hash` (Node 20.12+): APIv2 signs short strings, for which a Hash object costs more than the digest. */
export function md5Hex(data: string | Buffer): string {
  return hash('md5', data, 'hex');
}

/** SHA-1: only to check a downloaded bill against the digest its signed application announced. */
export function sha1Hex(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacSha256Hex(key: string | Buffer, data: string | Buffer): string {
  return createHmac('sha256', key).update(data).digest('hex');
}
