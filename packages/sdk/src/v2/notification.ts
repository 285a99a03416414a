// APIv2 notifications: signed payment notifications, refund notifications with encrypted `req_info`, and the XML reply.
import type { V2SignType } from '../catalog/types.js';
import { decryptRefundReqInfo } from '../crypto/aes.js';
import {
  quoteRemote,
  SignatureVerificationError,
  ValidationError,
  WxpayDecryptError,
  WxpayParseError,
} from '../errors.js';
import { verifyV2Sign } from './sign.js';
import { buildXml, parseXml, type XmlObject } from './xml.js';

/** A flat APIv2 document: every value a string, exactly as sent. */
export type V2Fields = Readonly<Record<string, string>>;

/** A refund notification: the outer fields plus the decrypted `req_info` fields. */
export interface V2RefundNotification {
  readonly return_code?: string;
  readonly return_msg?: string;
  readonly appid?: string;
  readonly mch_id?: string;
  readonly nonce_str?: string;
  /** Decrypted: `transaction_id`, `out_trade_no`, `refund_id`, `out_refund_no`, `refund_status`, `refund_fee`, ... */
  readonly req_info: V2Fields;
  readonly [field: string]: string | V2Fields | undefined;
}

/**
 * Parses a payment (or other `sign`-signed) notification and checks its `sign` in constant time with the algorithm
 * its own `sign_type` names (MD5 when absent; any other value is refused). Throws WxpayParseError for hostile or malformed XML and
 * SignatureVerificationError with reason `missing sign` or `sign mismatch`. The returned values are all strings: check
 * `return_code` and `result_code` before acting.
 */
export function parseV2Notification(xml: string | Uint8Array, apiv2Key: string): V2Fields {
  requireKey(apiv2Key);
  const fields = flatFields(parseXml(xml), xml);
  if (fields.sign === undefined || fields.sign === '') throw new SignatureVerificationError('missing sign');
  if (!verifyV2Sign(fields, apiv2Key, notificationSignType(fields.sign_type))) {
    throw new SignatureVerificationError('sign mismatch');
  }
  return fields;
}

/**
 * Parses a refund notification. It has no `sign`: its authenticity rests on `req_info`, AES-256-ECB encrypted with
 * the lowercase hex MD5 of the APIv2 key, whose plaintext is a `<root>` document. A `req_info` that does not decrypt
 * to such a document (wrong key, forged or damaged data) is a WxpayDecryptError; a notification without `req_info`
 * is a WxpayParseError. ECB is unauthenticated and malleable, so before moving money on it, confirm the refund with
 * a refund query.
 */
export function parseV2RefundNotification(xml: string | Uint8Array, apiv2Key: string): V2RefundNotification {
  requireKey(apiv2Key);
  const outer = flatFields(parseXml(xml), xml);
  const reqInfo = outer.req_info;
  if (reqInfo === undefined || reqInfo === '') {
    throw new WxpayParseError('refund notification has no req_info', toText(xml));
  }
  const plaintext = decryptRefundReqInfo(reqInfo, apiv2Key);
  let decrypted: V2Fields;
  try {
    decrypted = flatFields(parseXml(plaintext, { root: 'root' }), plaintext);
  } catch (error) {
    // Without authentication, "does not parse" is how a wrong key or forged ciphertext shows; the plaintext stays out
    // of the error.
    if (error instanceof WxpayParseError) throw new WxpayDecryptError('invalid plaintext');
    throw error;
  }
  return { ...outer, req_info: decrypted };
}

/** The XML reply to an APIv2 notification: `SUCCESS`/`OK` when handled, `FAIL` (WeChat Pay re-sends) otherwise. */
export function v2NotificationReply(ok: boolean, msg?: string): string {
  return buildXml({ return_code: ok ? 'SUCCESS' : 'FAIL', return_msg: msg ?? (ok ? 'OK' : 'FAIL') });
}

/** The algorithm a notification says it was signed with; never inferred from the signature itself. */
function notificationSignType(signType: string | undefined): V2SignType {
  if (signType === undefined || signType === 'MD5') return 'MD5';
  if (signType === 'HMAC-SHA256') return 'HMAC-SHA256';
  throw new SignatureVerificationError(
    'unsupported sign_type',
    `signature verification failed: unsupported sign_type ${quoteRemote(signType, 40)}`,
  );
}

function requireKey(apiv2Key: string): void {
  if (typeof apiv2Key !== 'string' || apiv2Key === '') throw new ValidationError('options.apiv2Key', 'required');
}

/**
 * Notifications are flat. A nested or repeated element is refused: the signature only covers string values, so such
 * an element would reach the caller unsigned.
 */
function flatFields(parsed: XmlObject, raw: string | Uint8Array): V2Fields {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') {
      throw new WxpayParseError(`notification field ${name} is not a plain value`, toText(raw));
    }
    fields[name] = value;
  }
  return fields;
}

function toText(raw: string | Uint8Array): string {
  return typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
}
