// APIv3 request signatures (docs/protocol.md, "APIv3: signing requests"): the five-line message a merchant signs, and
// the SHA256withRSA (PKCS#1 v1.5) check of its base64 signature against the merchant API certificate.
import { type KeyObject, verify } from 'node:crypto';

export interface SignedRequestParts {
  method: string;
  /** Path and query exactly as received, still percent-encoded. */
  pathAndQuery: string;
  /** Unix seconds, as the Authorization header gave them. */
  timestamp: string;
  nonce: string;
  /** The body bytes exactly as received (empty for GET). */
  body: Buffer;
}

/**
 * `METHOD\npathAndQuery\ntimestamp\nnonce\nbody\n`, or undefined when one of the first four holds a line break:
 * that would move text from one line to the next, so two different requests could share one signature.
 */
export function requestSignMessage(parts: SignedRequestParts): Buffer | undefined {
  const lines = [parts.method, parts.pathAndQuery, parts.timestamp, parts.nonce];
  if (lines.some((line) => /[\r\n]/.test(line))) return undefined;
  return Buffer.concat([Buffer.from(`${lines.join('\n')}\n`, 'utf8'), parts.body, Buffer.from('\n', 'utf8')]);
}

/** Canonical base64 only: padded, no whitespace, no URL-safe alphabet. Anything looser is refused, not repaired. */
const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True only when `signature` is strict base64 of a SHA256withRSA signature of `message` by `key`'s owner. */
export function verifyRequestSignature(message: Buffer, signature: string, key: KeyObject): boolean {
  if (signature === '' || !strictBase64.test(signature)) return false;
  try {
    return verify('sha256', message, key, Buffer.from(signature, 'base64'));
  } catch {
    // A key or signature node:crypto cannot use is a failed check, never a crash of the request.
    return false;
  }
}
