// Verifies the WeChat Pay signature on an APIv3 reply or notification, from its headers and raw body bytes.
import type { KeyObject } from 'node:crypto';
import { isStrictBase64, verifySha256Rsa } from '../crypto/rsa.js';
import { SignatureVerificationError, UnknownSerialError, ValidationError } from '../errors.js';

/** Prefix of the deliberately invalid signatures WeChat Pay sends to check that merchants verify. */
export const PROBE_SIGNATURE_PREFIX = 'WECHATPAY/SIGNTEST/';

/** The verification headers in the order they are checked (lowercase, as reported in `missing header <name>`). */
export const SIGNATURE_HEADERS = {
  timestamp: 'wechatpay-timestamp',
  nonce: 'wechatpay-nonce',
  signature: 'wechatpay-signature',
  serial: 'wechatpay-serial',
} as const;

/** A fetch/undici `Headers` object (its `get` is already case-insensitive). */
export interface HeadersLike {
  get(name: string): string | null;
}

/** Node's `IncomingHttpHeaders`, undici's `request()` headers, or any plain object, with names in any case. */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | number | undefined | null>>;

export interface VerifyWechatpaySignatureInput {
  headers: HeadersLike | HeaderRecord;
  /** The body exactly as received; a string is taken as its UTF-8 bytes. */
  body: string | Uint8Array;
  /** Current time in unix milliseconds; defaults to `Date.now`. */
  now?: () => number;
  /** Largest accepted distance between `Wechatpay-Timestamp` and now, exclusive; default 300. */
  toleranceSeconds?: number;
  /** The configured key for a `Wechatpay-Serial` (platform certificate serial or `PUB_KEY_ID_...`), if any. */
  findKey: (serial: string) => KeyObject | undefined;
}

/** The signed message: timestamp, nonce and the raw body bytes, each followed by `\n`. */
export function buildVerifyMessage(timestamp: string, nonce: string, body: string | Uint8Array): Buffer {
  const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), bodyBytes, Buffer.from('\n', 'utf8')]);
}

/**
 * Verifies a reply or notification and returns the serial of the key that verified it. Never parses the body, so it
 * can (and must) run before anything else looks at it. Throws SignatureVerificationError with `reason`:
 * `missing header <name>`, `invalid timestamp`, `timestamp skew`, `probe signature`, `invalid signature encoding`,
 * `unknown serial` (an UnknownSerialError carrying `serial`) or `signature mismatch`.
 * A bad `now`, tolerance or key (not an RSA public key) is a ValidationError: a configuration problem, not a forgery.
 */
export function verifyWechatpaySignature(input: VerifyWechatpaySignatureInput): string {
  const toleranceSeconds = input.toleranceSeconds ?? 300;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds <= 0) {
    throw new ValidationError('toleranceSeconds', 'a positive number of seconds');
  }

  const timestamp = requireHeader(input.headers, SIGNATURE_HEADERS.timestamp);
  const nonce = requireHeader(input.headers, SIGNATURE_HEADERS.nonce);
  const signature = requireHeader(input.headers, SIGNATURE_HEADERS.signature);
  const serial = requireHeader(input.headers, SIGNATURE_HEADERS.serial);

  if (!/^[0-9]+$/.test(timestamp)) throw new SignatureVerificationError('invalid timestamp');
  const nowMs = (input.now ?? Date.now)();
  // A clock that answers NaN would make every comparison false, i.e. accept any timestamp: fail closed instead.
  if (!Number.isFinite(nowMs)) throw new ValidationError('now', 'must return unix milliseconds');
  if (Math.abs(nowMs - Number(timestamp) * 1000) >= toleranceSeconds * 1000) {
    throw new SignatureVerificationError('timestamp skew');
  }

  if (signature.startsWith(PROBE_SIGNATURE_PREFIX)) throw new SignatureVerificationError('probe signature');
  if (!isStrictBase64(signature)) throw new SignatureVerificationError('invalid signature encoding');

  const key = input.findKey(serial);
  if (key === undefined) throw new UnknownSerialError(serial);

  if (!verifySha256Rsa(buildVerifyMessage(timestamp, nonce, input.body), signature, key)) {
    throw new SignatureVerificationError('signature mismatch');
  }
  return serial;
}

function requireHeader(headers: HeadersLike | HeaderRecord, name: string): string {
  const value = readHeader(headers, name);
  // An empty value carries nothing to verify, so it counts as missing.
  if (value === undefined || value === '') throw new SignatureVerificationError(`missing header ${name}`);
  return value;
}

/**
 * Case-insensitive lookup. Repeated values (an array, or names differing only in case) are joined with `, ` as the
 * fetch `Headers` class does; a joined value then fails the timestamp, base64 or serial checks, so duplicates fail closed.
 */
function readHeader(headers: HeadersLike | HeaderRecord, lowerName: string): string | undefined {
  if (isHeadersLike(headers)) return headers.get(lowerName) ?? undefined;
  const values: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== lowerName || value === undefined || value === null) continue;
    if (typeof value === 'string' || typeof value === 'number') values.push(String(value));
    else values.push(...value);
  }
  return values.length === 0 ? undefined : values.join(', ');
}

function isHeadersLike(headers: HeadersLike | HeaderRecord): headers is HeadersLike {
  return typeof (headers as Partial<HeadersLike>).get === 'function';
}
