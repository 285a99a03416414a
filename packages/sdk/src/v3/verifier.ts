// Verifies the WeChat Pay signature on an APIv3 reply or notification, from its headers and raw body bytes.
import type { KeyObject } from 'node:crypto';
import { decodeStrictBase64, verifySha256RsaBytes } from '../crypto/rsa.js';
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

/** Printable ASCII, which WeChat Pay's nonces are: no CR or LF, which would change the signed message's lines. */
const NONCE_SYNTAX = /^[\x20-\x7e]+$/;

/** What a key name can be: a certificate serial (hex) or a public key id (`PUB_KEY_ID_` and digits), with margin. */
const SERIAL_SYNTAX = /^[0-9A-Za-z_]{1,64}$/;

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
  // One conversion for a text body (the same bytes: `\n` can never complete a surrogate pair the body left open).
  if (typeof body === 'string') return Buffer.from(`${timestamp}\n${nonce}\n${body}\n`, 'utf8');
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), body, NEWLINE]);
}

const NEWLINE = Buffer.from('\n', 'utf8');

/**
 * Verifies a reply or notification and returns the serial of the key that verified it. Never parses the body, so it
 * can (and must) run before anything else looks at it. Throws SignatureVerificationError with `reason`:
 * `missing header <name>`, `invalid timestamp`, `invalid nonce` (not printable ASCII, e.g. CR or LF: a line break
 * would let a forger move part of a signed body into the nonce), `timestamp skew`, `probe signature`,
 * `invalid signature encoding`, `invalid serial` (not 1 to 64 letters, digits or `_`, e.g. joined duplicates),
 * `unknown serial` (an UnknownSerialError carrying `serial`) or `signature mismatch`.
 * A bad `now`, tolerance or key (not an RSA public key), or a header value that is not a string, is a ValidationError:
 * a configuration or calling problem, not a forgery.
 */
export function verifyWechatpaySignature(input: VerifyWechatpaySignatureInput): string {
  const toleranceSeconds = input.toleranceSeconds ?? 300;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds <= 0) {
    throw new ValidationError('toleranceSeconds', 'a positive number of seconds');
  }

  const headers = readSignatureHeaders(checkHeaders(input.headers));
  const body = checkBody(input.body);
  const timestamp = requireHeader(headers, SIGNATURE_HEADERS.timestamp);
  const nonce = requireHeader(headers, SIGNATURE_HEADERS.nonce);
  const signature = requireHeader(headers, SIGNATURE_HEADERS.signature);
  const serial = requireHeader(headers, SIGNATURE_HEADERS.serial);

  if (!/^[0-9]+$/.test(timestamp)) throw new SignatureVerificationError('invalid timestamp');
  // The signed message is line-based (`timestamp\nnonce\nbody\n`): a nonce with a line break could carry the first
  // lines of a genuinely signed body, so that a shorter body verifies under the same signature.
  if (!NONCE_SYNTAX.test(nonce)) throw new SignatureVerificationError('invalid nonce');
  const nowMs = (input.now ?? Date.now)();
  // A clock that answers NaN would make every comparison false, i.e. accept any timestamp: fail closed instead.
  if (!Number.isFinite(nowMs)) throw new ValidationError('now', 'must return unix milliseconds');
  if (Math.abs(nowMs - Number(timestamp) * 1000) >= toleranceSeconds * 1000) {
    throw new SignatureVerificationError('timestamp skew');
  }

  if (signature.startsWith(PROBE_SIGNATURE_PREFIX)) throw new SignatureVerificationError('probe signature');
  const signatureBytes = decodeStrictBase64(signature);
  if (signatureBytes === undefined) throw new SignatureVerificationError('invalid signature encoding');

  // Checked before any lookup, so that a serial no key can have never reaches findKey (nor a certificate refresh).
  if (!SERIAL_SYNTAX.test(serial)) throw new SignatureVerificationError('invalid serial');
  const key = input.findKey(serial);
  if (key === undefined) throw new UnknownSerialError(serial);

  if (!verifySha256RsaBytes(buildVerifyMessage(timestamp, nonce, body), signatureBytes, key)) {
    throw new SignatureVerificationError('signature mismatch');
  }
  return serial;
}

/**
 * The headers as passed by a caller who may not be using TypeScript: a header record or a fetch `Headers` object, else
 * a ValidationError on `headers` (a number, a string or `null` is a calling mistake, not a forged notification).
 */
export function checkHeaders(headers: unknown): HeadersLike | HeaderRecord {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new ValidationError('headers', 'a header record (e.g. req.headers) or a fetch Headers object');
  }
  return headers as HeadersLike | HeaderRecord;
}

/** The body as passed by a caller: the raw bytes or their text, else a ValidationError on `body`. */
export function checkBody(body: unknown): string | Uint8Array {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    // Most often a body a JSON parser already turned into an object: its signed bytes are gone.
    throw new ValidationError('body', 'the raw body as received, a string or a Buffer (not parsed JSON)');
  }
  return body;
}

/** Reads one signature header (lowercase name): its value, undefined when absent, or a ValidationError thrown. */
type SignatureHeaderReader = (lowerName: string) => string | undefined;

const SIGNATURE_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(SIGNATURE_HEADERS));

function requireHeader(read: SignatureHeaderReader, name: string): string {
  const value = read(name);
  // An empty value carries nothing to verify, so it counts as missing.
  if (value === undefined || value === '') throw new SignatureVerificationError(`missing header ${name}`);
  return value;
}

/**
 * Case-insensitive lookup of the signature headers. Repeated values (an array, or names differing only in case) are
 * joined with `, ` as the fetch `Headers` class does; a joined value then fails the timestamp, nonce, base64 or serial
 * checks, so duplicates fail closed. A value that is not a string, number or array of strings is the caller's mistake
 * (ValidationError naming the header, thrown when that header is read).
 */
function readSignatureHeaders(headers: HeadersLike | HeaderRecord): SignatureHeaderReader {
  if (isHeadersLike(headers)) {
    return (lowerName) => {
      const value: unknown = headers.get(lowerName);
      if (value === null || value === undefined) return undefined;
      if (typeof value !== 'string') {
        throw new ValidationError(`headers.${lowerName}`, 'Headers.get must return a string');
      }
      return value;
    };
  }
  // One pass over the record for all four headers: a request carries many other headers.
  const found = new Map<string, string | ValidationError>();
  for (const name of Object.keys(headers)) {
    const lowerName = name.toLowerCase();
    if (!SIGNATURE_HEADER_NAMES.has(lowerName)) continue;
    const value = headers[name];
    const earlier = found.get(lowerName);
    if (value === undefined || value === null || earlier instanceof ValidationError) continue;
    let text: string;
    if (typeof value === 'string' || typeof value === 'number') {
      text = String(value);
    } else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      if (value.length === 0) continue;
      text = value.join(', ');
    } else {
      found.set(lowerName, new ValidationError(`headers.${lowerName}`, 'a string or an array of strings'));
      continue;
    }
    found.set(lowerName, earlier === undefined ? text : `${earlier}, ${text}`);
  }
  return (lowerName) => {
    const value = found.get(lowerName);
    if (value instanceof ValidationError) throw value;
    return value;
  };
}

function isHeadersLike(headers: HeadersLike | HeaderRecord): headers is HeadersLike {
  return typeof (headers as Partial<HeadersLike>).get === 'function';
}
