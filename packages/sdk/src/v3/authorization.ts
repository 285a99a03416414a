// The APIv3 request signature: the 5-line message and the `Authorization: WECHATPAY2-SHA256-RSA2048 ...` header value.
import { createNonce } from '../crypto/nonce.js';
import { type PrivateKeyInput, signSha256Rsa } from '../crypto/rsa.js';
import { ValidationError } from '../errors.js';

/** The scheme word of the header, naming the algorithm (SHA256withRSA, 2048-bit merchant key). */
export const AUTHORIZATION_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

/** Everything one request signature depends on. */
export interface AuthorizationInput {
  /** The merchant id that signs (the service provider's `sp_mchid` in institutional mode). */
  mchid: string;
  /** Serial of the merchant API certificate whose private key signs; hex, sent uppercase. */
  serial: string;
  privateKey: PrivateKeyInput;
  /** Uppercase HTTP method exactly as sent, e.g. `GET`, `POST`. */
  method: string;
  /** Path plus query exactly as sent (still percent-encoded), starting with `/`, e.g. `/v3/certificates`. */
  pathAndQuery: string;
  /** The request body exactly as sent; empty (the default) for GET. */
  body?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number | string;
  /** Defaults to 32 random alphanumeric characters from the CSPRNG. */
  nonce?: string;
}

/**
 * The message the merchant signs: method, path+query, timestamp, nonce and body, each followed by `\n`.
 * A line break inside any of the first four would shift the lines, so it is rejected rather than signed.
 */
export function buildRequestMessage(
  method: string,
  pathAndQuery: string,
  timestamp: number | string,
  nonce: string,
  body: string,
): string {
  const lines: Array<[string, string]> = [
    ['method', method],
    ['pathAndQuery', pathAndQuery],
    ['timestamp', String(timestamp)],
    ['nonce', nonce],
  ];
  for (const [field, value] of lines) {
    if (/[\r\n]/.test(value)) throw new ValidationError(field, 'must not contain line breaks');
  }
  return `${method}\n${pathAndQuery}\n${String(timestamp)}\n${nonce}\n${body}\n`;
}

/**
 * The `Authorization` header value for one APIv3 request:
 * `WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",timestamp="..",serial_no="..",signature=".."`.
 * Every field is checked against a strict charset first, so no value can break out of its quotes.
 */
export function buildAuthorization(input: AuthorizationInput): string {
  const { mchid, method, pathAndQuery } = input;
  const body = input.body ?? '';
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? createNonce(32);
  // Certificate tools print the serial in either case; WeChat Pay documents and matches uppercase.
  const serial = input.serial.toUpperCase();

  if (!/^[0-9A-Za-z_-]{1,32}$/.test(mchid)) throw new ValidationError('mchid', 'charset [0-9A-Za-z_-], 1-32 chars');
  if (!/^[0-9A-F]{1,64}$/.test(serial)) throw new ValidationError('serial', 'hex certificate serial, 1-64 digits');
  if (!/^[A-Z]+$/.test(method)) throw new ValidationError('method', 'uppercase HTTP method, e.g. GET or POST');
  if (!/^\/[\x21-\x7e]*$/.test(pathAndQuery)) {
    throw new ValidationError('pathAndQuery', 'must start with / and be percent-encoded (printable ASCII, no spaces)');
  }
  if (!/^[0-9]{1,12}$/.test(timestamp)) throw new ValidationError('timestamp', 'unix seconds, a plain integer');
  if (!/^[0-9A-Za-z]{1,32}$/.test(nonce)) throw new ValidationError('nonce', 'charset [0-9A-Za-z], 1-32 chars');

  const signature = signSha256Rsa(buildRequestMessage(method, pathAndQuery, timestamp, nonce, body), input.privateKey);
  return (
    `${AUTHORIZATION_SCHEME} mchid="${mchid}",nonce_str="${nonce}",timestamp="${timestamp}",` +
    `serial_no="${serial}",signature="${signature}"`
  );
}
