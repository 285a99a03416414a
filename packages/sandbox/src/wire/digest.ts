// SHA-256 as lower-case hex: the fingerprint of a request's business fields (re-entry or changed parameters).
import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
