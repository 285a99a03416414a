// SHA-256 as lower-case hex: the fingerprint of a request's business fields (re-entry or changed parameters).
import { hash } from 'node:crypto';

export function sha256Hex(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}
