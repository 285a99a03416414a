// The error hierarchy: every failure the SDK reports is a WxpayError subclass with machine-readable fields.

/**
 * The most characters of a raw reply body an error keeps (`body`): enough to see what came back, not enough for a
 * hostile or runaway reply to hold megabytes in memory or flood logs. A longer body is cut (`bodyTruncated` true).
 */
export const MAX_ERROR_BODY_CHARS = 64 * 1024;

/** The start of `body`, at most MAX_ERROR_BODY_CHARS characters; a surrogate pair is never split. */
function capBody(body: string): { body: string; truncated: boolean } {
  if (body.length <= MAX_ERROR_BODY_CHARS) return { body, truncated: false };
  let end = MAX_ERROR_BODY_CHARS;
  const last = body.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return { body: body.slice(0, end), truncated: true };
}

/**
 * Text from the network (a reply's message, an element name, a header value) as it may appear in an error message:
 * control characters (line breaks included) become spaces and the text is cut to `max` characters, so a hostile value
 * can neither forge log lines nor flood them. The full value stays on the error's data fields.
 */
export function remoteText(text: string, max = 200): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is replaced.
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** {@link remoteText}, in double quotes: for a value whose exact edges matter (a serial, an algorithm name). */
export function quoteRemote(text: string, max = 80): string {
  return JSON.stringify(remoteText(text, max));
}

/** Base class of every error thrown by the SDK. */
export class WxpayError extends Error {
  override name = 'WxpayError';
}

/** A request field (or client option) broke a rule; thrown before anything is sent. */
export class ValidationError extends WxpayError {
  override name = 'ValidationError';
  constructor(
    /** The field (or option) at fault, e.g. `mch_billno`, `scene_id`, `options.secret`. */
    readonly field: string,
    /** The rule it broke, e.g. `required`, `maxLength 28`, `charset [0-9A-Za-z]`. */
    readonly rule: string,
    message = `${field}: ${rule}`,
  ) {
    super(message);
  }
}

/**
 * What a failed APIv2 result means for money: `unknown` (the operation may have happened: query, or resend the SAME
 * business number with the SAME parameters), `retry` (did not happen; retry later with the same number),
 * `fix` (the request is wrong; fix and resend), `final` (did not happen and will not for this business number).
 */
export type ResultOutcome = 'unknown' | 'retry' | 'fix' | 'final';

/** An APIv2 reply with `return_code` or `result_code` FAIL. */
export class WxpayResultError extends WxpayError {
  override name = 'WxpayResultError';
  readonly returnCode: string;
  readonly returnMsg: string | undefined;
  readonly resultCode: string | undefined;
  readonly errCode: string | undefined;
  readonly errCodeDes: string | undefined;
  /** The whole parsed reply (all values strings). */
  readonly data: Record<string, unknown>;
  readonly outcome: ResultOutcome;
  constructor(data: Record<string, unknown>, outcome: ResultOutcome) {
    const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
    const returnCode = text('return_code') ?? 'FAIL';
    const errCode = text('err_code');
    const said = (key: string) => (text(key) ? `: ${remoteText(text(key) as string)}` : '');
    const detail =
      returnCode !== 'SUCCESS'
        ? `return_code ${remoteText(returnCode, 40)}${said('return_msg')}`
        : `${remoteText(errCode ?? 'FAIL', 60)}${said('err_code_des')}`;
    super(`WeChat Pay answered ${detail} (outcome: ${outcome})`);
    this.returnCode = returnCode;
    this.returnMsg = text('return_msg');
    this.resultCode = text('result_code');
    this.errCode = errCode;
    this.errCodeDes = text('err_code_des');
    this.data = data;
    this.outcome = outcome;
  }
}

/** A reply or notification whose signature is missing, malformed, from an unknown key or wrong. */
export class SignatureVerificationError extends WxpayError {
  override name = 'SignatureVerificationError';
  constructor(
    /** Machine-readable cause, e.g. `missing sign`, `sign mismatch`, `timestamp skew`, `unknown serial`, `probe signature`. */
    readonly reason: string,
    message = `signature verification failed: ${reason}`,
  ) {
    super(message);
  }
}

/** The request could not be completed on the network. */
export class WxpayConnectionError extends WxpayError {
  override name = 'WxpayConnectionError';
  constructor(
    message: string,
    /** Could the request have reached the server? `false` only when the connection provably never opened. */
    readonly sent: boolean,
    /** The underlying error code (e.g. `ECONNREFUSED`, `ETIMEDOUT` for the deadline, `ABORTED` for the caller's signal), when known. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A reply body that is not what the protocol promises (not XML, hostile XML, empty, HTML, not JSON). */
export class WxpayParseError extends WxpayError {
  override name = 'WxpayParseError';
  /** The raw body as received (decoded as UTF-8), cut to its first MAX_ERROR_BODY_CHARS characters. */
  readonly body: string;
  /** True when `body` is only the start of what was received. */
  readonly bodyTruncated: boolean;
  /**
   * Always `unknown`: a reply that cannot be read does not say whether the operation happened. Query, or resend the
   * SAME business number with the SAME fields; never a new number.
   */
  readonly outcome: ResultOutcome = 'unknown';
  constructor(
    message: string,
    body: string,
    /** The HTTP status of the reply, when there was one. */
    readonly status?: number,
  ) {
    super(message);
    const capped = capBody(body);
    this.body = capped.body;
    this.bodyTruncated = capped.truncated;
  }
}

/** Encrypted data that could not be decrypted: wrong key, tampered ciphertext or tag, malformed input. */
export class WxpayDecryptError extends WxpayError {
  override name = 'WxpayDecryptError';
  constructor(
    /** Machine-readable cause, e.g. `authentication failed`, `invalid key length`, `invalid base64`, `bad padding`. */
    readonly reason: string,
    message = `decryption failed: ${reason}`,
  ) {
    super(message);
  }
}

/**
 * A signature made with a key the SDK does not know (reason `unknown serial`). The serial is kept so the caller can
 * refresh platform certificates, or see that a public key id is missing from the configuration.
 */
export class UnknownSerialError extends SignatureVerificationError {
  override name = 'UnknownSerialError';
  constructor(
    /** The `Wechatpay-Serial` value as received (untrusted input: a header of the reply or notification). */
    readonly serial: string,
  ) {
    // The serial comes from the network: quote it and cut it short so a hostile value cannot flood logs.
    super('unknown serial', `signature verification failed: unknown serial ${quoteRemote(serial)}`);
  }
}

/** Why a downloaded file (a bill) was refused; nothing of it is handed out. */
export type IntegrityFailure =
  | 'unsupported hash_type'
  | 'invalid hash_value'
  | 'hash mismatch'
  | 'not gzip'
  | 'gzip error'
  | 'too large';

/**
 * A file download (a bill, which WeChat Pay does not sign) failed its integrity check: the hash announced by the
 * signed reply did not match, the announced hash type is unknown, or the bytes could not be unpacked within the cap.
 * Download again (a new download URL is needed after a short while); never use the bytes.
 */
export class WxpayIntegrityError extends WxpayError {
  override name = 'WxpayIntegrityError';
  constructor(
    readonly reason: IntegrityFailure,
    /** The announced digest (hex, as received) for `hash mismatch`. */
    readonly expected?: string,
    /** The digest of what arrived (hex) for `hash mismatch`. */
    readonly actual?: string,
    message = `file integrity check failed: ${reason}`,
  ) {
    super(message);
  }
}

/** An APIv3 reply with a 4xx/5xx status (its JSON `{ code, message, detail }` when it had one). */
export class WxpayAPIError extends WxpayError {
  override name = 'WxpayAPIError';
  readonly status: number;
  /** WeChat Pay's error code, e.g. `ORDER_NOT_EXIST`, `PARAM_ERROR`; undefined when the body was not JSON. */
  readonly code: string | undefined;
  /** WeChat Pay's own `message` text (the Error `message` adds status and code to it). */
  readonly apiMessage: string | undefined;
  /** `detail` of the error reply (`field`, `value`, `issue`, `location`, ...). */
  readonly detail: unknown;
  /** The `Request-ID` header: quote it to WeChat Pay support. */
  readonly requestId: string | undefined;
  /** The raw reply body, cut to its first MAX_ERROR_BODY_CHARS characters. */
  readonly body: string;
  /** True when `body` is only the start of the reply. */
  readonly bodyTruncated: boolean;
  constructor(input: {
    status: number;
    code?: string | undefined;
    apiMessage?: string | undefined;
    detail?: unknown;
    requestId?: string | undefined;
    body: string;
    /** What to do about it, appended to the message. */
    hint?: string | undefined;
  }) {
    const head = `[${input.status}${input.code ? ` ${remoteText(input.code, 60)}` : ''}]`;
    const text =
      input.apiMessage !== undefined
        ? remoteText(input.apiMessage)
        : input.code
          ? ''
          : 'the reply is not a WeChat Pay error object';
    super(`${head} ${text}${input.hint ? ` — ${input.hint}` : ''}`.replace(/\s+$/, ''));
    this.status = input.status;
    this.code = input.code;
    this.apiMessage = input.apiMessage;
    this.detail = input.detail;
    this.requestId = input.requestId;
    const capped = capBody(input.body);
    this.body = capped.body;
    this.bodyTruncated = capped.truncated;
  }
}
