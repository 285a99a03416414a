// Hash primitives: MD5, SHA-1, SHA-256 and HMAC-SHA256 as lowercase hex.
import { createHash, createHmac } from 'node:crypto';

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
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
