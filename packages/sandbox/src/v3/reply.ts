// APIv3 replies and their WeChat Pay signature: the error a handler throws, which key signs for a merchant, the
// `Wechatpay-*` headers (shared with notifications) and the rendered SandboxReply.

import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock.js';
import type { PendingSignature, SandboxContext, SandboxReply } from '../context.js';
import type { JsonValue, MerchantConfig, MerchantRow, Store } from '../store.js';
import { privateKeyOf } from '../wire/keys.js';
import { createNonce } from '../wire/nonce.js';
import { replySignMessage, signReplyMessage } from '../wire/v3-reply-signature.js';

/** Where a bad parameter was found, as WeChat Pay's `detail.location` says it. */
export type ParamLocation = 'body' | 'query' | 'path';

/** An APIv3 error reply `{code, message, detail?}`; handlers throw it and the router renders it. */
export class V3Error extends Error {
  override name = 'V3Error';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: { [key: string]: JsonValue | undefined },
  ) {
    super(message);
  }

  toJSON(): { code: string; message: string; detail?: { [key: string]: JsonValue | undefined } } {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

/** 400 PARAM_ERROR naming the field (a JSON pointer such as `/amount/total` in a body) the way WeChat Pay does. */
export function paramError(field: string, location: ParamLocation, issue: string, value?: JsonValue): V3Error {
  return new V3Error(400, 'PARAM_ERROR', `parameter ${field} is invalid: ${issue}`, { field, value, issue, location });
}

/**
 * 400 INVALID_REQUEST for an idempotency key (`out_trade_no`, `out_refund_no`, `out_bill_no`) resent with other
 * fields; `message` as the API words it.
 */
export function numberReused(
  name: string,
  value: string,
  message = `${name} already used with different parameters`,
): V3Error {
  const issue = `${name} already used with different parameters`;
  return new V3Error(400, 'INVALID_REQUEST', message, { field: `/${name}`, value, issue, location: 'body' });
}

/** The private key a reply or notification is signed with, and the `Wechatpay-Serial` that names it. */
export interface SigningKey {
  serial: string;
  privateKeyPem: string;
}

/**
 * Which key signs for a merchant. `certificate` and `public_key` mode always use their one key; `mixed` (a merchant
 * migrating between the two) follows the `Wechatpay-Serial` the request named, and otherwise uses the public key,
 * the key WeChat Pay is moving every merchant to. `platform` forces the platform certificate (the certificate download
 * must verify with a certificate it contains).
 */
export function chooseSigningKey(
  config: MerchantConfig,
  options: { requestedSerial?: string | undefined; platform?: boolean } = {},
): SigningKey {
  const platform: SigningKey = { serial: config.platformCert.serial, privateKeyPem: config.platformCert.keyPem };
  const publicKey: SigningKey = { serial: config.publicKey.id, privateKeyPem: config.publicKey.privateKeyPem };
  if (options.platform) return platform;
  switch (config.signingMode) {
    case 'certificate':
      return platform;
    case 'public_key':
      return publicKey;
    case 'mixed':
      return options.requestedSerial === platform.serial ? platform : publicKey;
  }
}

/**
 * `Wechatpay-Timestamp`, `-Nonce` and `-Serial`, and the signature to compute over `timestamp\nnonce\nbody\n` for
 * `Wechatpay-Signature`.
 */
function signatureParts(
  key: SigningKey,
  body: string,
  timestampSeconds: number,
): { headers: Record<string, string>; signature: PendingSignature } {
  const timestamp = String(timestampSeconds);
  const nonce = createNonce(32);
  return {
    headers: { 'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': nonce, 'Wechatpay-Serial': key.serial },
    signature: { message: replySignMessage(timestamp, nonce, body), key: privateKeyOf(key.privateKeyPem) },
  };
}

/** The four signature headers, signed now (notifications, which leave from the notifier rather than the server). */
function signatureHeaders(key: SigningKey, body: string, timestampSeconds: number): Record<string, string> {
  const { headers, signature } = signatureParts(key, body, timestampSeconds);
  return { ...headers, 'Wechatpay-Signature': signReplyMessage(signature.message, signature.key) };
}

/** Signs an outgoing body for a merchant, as the notifier needs it. */
export type Signer = (mchid: string, body: string) => Record<string, string>;

/** The notification signer: the merchant's key at sandbox time (a notification names no serial, so `mixed` uses the public key). */
export function createSigner(store: Store, clock: SandboxClock): Signer {
  return (mchid, body) => {
    const merchant = store.merchants.get({ mchid });
    if (merchant === undefined) throw new Error(`merchant ${mchid} does not exist`);
    return signatureHeaders(chooseSigningKey(merchant.config), body, clock.wireSeconds());
  };
}

export interface ReplyOptions {
  status: number;
  /** JSON body; absent for 204. */
  body?: object | undefined;
  /** The merchant the reply is for; without one (unknown caller) the reply goes out unsigned, as WeChat Pay's does. */
  merchant?: MerchantRow | undefined;
  /** The request's `Wechatpay-Serial` (steers `mixed` mode). */
  requestedSerial?: string | undefined;
  /** Sign with the platform certificate whatever the mode. */
  platform?: boolean;
}

/**
 * A reply: JSON body, a fresh `Request-ID`, and for a known merchant the signature headers with `Wechatpay-Signature`
 * pending (the server adds it off the event loop).
 */
export function renderReply(ctx: Pick<SandboxContext, 'clock'>, options: ReplyOptions): SandboxReply {
  const body = options.body === undefined ? '' : JSON.stringify(options.body);
  const headers: Record<string, string> = { 'Request-ID': randomUUID().replaceAll('-', '').toUpperCase() };
  if (body !== '') headers['Content-Type'] = 'application/json; charset=utf-8';
  if (options.merchant !== undefined) {
    const key = chooseSigningKey(options.merchant.config, {
      requestedSerial: options.requestedSerial,
      platform: options.platform ?? false,
    });
    const parts = signatureParts(key, body, ctx.clock.wireSeconds());
    Object.assign(headers, parts.headers);
    return { status: options.status, headers, body, signature: parts.signature };
  }
  return { status: options.status, headers, body };
}
