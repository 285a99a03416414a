// Client-side pay signs: the parameters a JSAPI / mini program page or an APP passes to WeChat to open the payment.
import { createNonce } from '../crypto/nonce.js';
import { type PrivateKeyInput, signSha256Rsa } from '../crypto/rsa.js';
import { ValidationError } from '../errors.js';

export interface JsapiPaySignInput {
  /** The appid the order was created with (official account, mini program). */
  appId: string;
  /** `prepay_id` from the JSAPI order, without the `prepay_id=` prefix. */
  prepayId: string;
  /** The merchant private key (`apiclient_key.pem`). */
  privateKey: PrivateKeyInput;
  /** Unix seconds; default from `now`. */
  timeStamp?: string;
  /** Default: a random 32-character nonce. */
  nonceStr?: string;
  /** Current time in unix milliseconds; default `Date.now`. */
  now?: () => number;
}

/** Exactly the object `WeixinJSBridge.invoke('getBrandWCPayRequest', ...)` / `wx.requestPayment` expect. */
export interface JsapiPayParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: `prepay_id=${string}`;
  signType: 'RSA';
  paySign: string;
}

export interface AppPaySignInput {
  /** The mobile application's appid. */
  appid: string;
  /** The merchant id (mchid). */
  partnerid: string;
  /** `prepay_id` from the APP order. */
  prepayid: string;
  privateKey: PrivateKeyInput;
  /** Unix seconds; default from `now`. */
  timestamp?: string;
  noncestr?: string;
  now?: () => number;
}

/** Exactly the fields of the APP SDK's PayReq (field names as the SDK spells them). */
export interface AppPayParams {
  appid: string;
  partnerid: string;
  prepayid: string;
  package: 'Sign=WXPay';
  noncestr: string;
  timestamp: string;
  sign: string;
}

/** JSAPI and mini program: signs `appId\ntimeStamp\nnonceStr\nprepay_id=...\n` with SHA256withRSA. */
export function jsapiPaySign(input: JsapiPaySignInput): JsapiPayParams {
  const appId = requireLine(input.appId, 'appId');
  const prepayId = requirePrepayId(input.prepayId, 'prepayId');
  const timeStamp = resolveTimestamp(input.timeStamp, input.now, 'timeStamp');
  const nonceStr = resolveNonce(input.nonceStr, 'nonceStr');
  const pkg = `prepay_id=${prepayId}` as const;
  const paySign = signLines([appId, timeStamp, nonceStr, pkg], input.privateKey);
  return { appId, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
}

/** APP: signs `appid\ntimestamp\nnoncestr\nprepayid\n` (the bare prepay id on line 4) with SHA256withRSA. */
export function appPaySign(input: AppPaySignInput): AppPayParams {
  const appid = requireLine(input.appid, 'appid');
  const partnerid = requireLine(input.partnerid, 'partnerid');
  const prepayid = requirePrepayId(input.prepayid, 'prepayid');
  const timestamp = resolveTimestamp(input.timestamp, input.now, 'timestamp');
  const noncestr = resolveNonce(input.noncestr, 'noncestr');
  const sign = signLines([appid, timestamp, noncestr, prepayid], input.privateKey);
  return { appid, partnerid, prepayid, package: 'Sign=WXPay', noncestr, timestamp, sign };
}

/** Each line followed by `\n`, signed with the merchant key, base64. */
function signLines(lines: readonly string[], privateKey: PrivateKeyInput): string {
  return signSha256Rsa(lines.map((line) => `${line}\n`).join(''), privateKey);
}

/** A non-empty value without line breaks: a `\n` inside a value would shift the signed lines. */
function requireLine(value: string, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ValidationError(field, 'required');
  if (/[\r\n]/.test(value)) throw new ValidationError(field, 'no line breaks');
  return value;
}

function requirePrepayId(value: string, field: string): string {
  const prepayId = requireLine(value, field);
  // Passing the whole `package` value here is an easy mistake and would sign `prepay_id=prepay_id=...`.
  if (prepayId.startsWith('prepay_id=')) throw new ValidationError(field, 'the bare prepay id, without "prepay_id="');
  return prepayId;
}

function resolveTimestamp(given: string | undefined, now: (() => number) | undefined, field: string): string {
  if (given !== undefined) {
    // At most 10 digits: a 13-digit value is milliseconds, which WeChat refuses.
    if (!/^[0-9]{1,10}$/.test(given)) throw new ValidationError(field, 'unix seconds (digits only)');
    return given;
  }
  const ms = (now ?? Date.now)();
  if (!Number.isFinite(ms) || ms < 0) throw new ValidationError('now', 'must return unix milliseconds');
  return String(Math.floor(ms / 1000));
}

function resolveNonce(given: string | undefined, field: string): string {
  if (given === undefined) return createNonce();
  // WeChat allows at most 32 characters; whitespace would not survive every client unchanged.
  if (!/^[\x21-\x7E]{1,32}$/.test(given))
    throw new ValidationError(field, '1-32 printable ASCII characters, no spaces');
  return given;
}
