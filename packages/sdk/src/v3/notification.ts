// APIv3 notifications: verify the signature over the raw body, then open the AES-256-GCM `resource` into typed data.
import { decryptAesGcm } from '../crypto/aes.js';
import { quoteRemote, ValidationError, WxpayDecryptError, WxpayParseError } from '../errors.js';
import type { ApiFamily, KeyStore } from './key-store.js';
import { checkBody, checkHeaders, type HeaderRecord, type HeadersLike, SIGNATURE_HEADERS } from './verifier.js';

/** The only `resource.algorithm` APIv3 uses. */
export const NOTIFICATION_ALGORITHM = 'AEAD_AES_256_GCM';

// --- Resource shapes. Kept together so they can be swapped for the catalog's GlobalTransaction / GlobalRefund. ---

/** The order inside a `TRANSACTION.SUCCESS` notification (the same object the order query returns). */
export interface NotifiedTransaction {
  /** Common mode. */
  mchid?: string;
  appid?: string;
  /** Institutional (service provider) mode. */
  sp_mchid?: string;
  sub_mchid?: string;
  sp_appid?: string;
  sub_appid?: string;
  out_trade_no: string;
  /** The WeChat Pay order number on the global API (mainland notifications name it `transaction_id`). */
  id?: string;
  transaction_id?: string;
  attach?: string;
  trade_type?: string;
  bank_type?: string;
  /** RFC 3339. */
  success_time?: string;
  trade_state: string;
  trade_state_desc?: string;
  payer?: { openid?: string; sp_openid?: string; sub_openid?: string };
  amount?: {
    total?: number;
    payer_total?: number;
    currency?: string;
    payer_currency?: string;
    /** `rate` is the exchange rate x 10^8, as an integer. */
    exchange_rate?: { type?: string; rate?: number };
  };
  promotion_detail?: Array<Record<string, unknown>>;
  /** The field set grows over time: anything else arrives untyped. */
  [field: string]: unknown;
}

/** The refund inside a `REFUND.SUCCESS` / `REFUND.ABNORMAL` / `REFUND.CLOSED` notification. */
export interface NotifiedRefund {
  /** Mainland direct mode. */
  mchid?: string;
  /** Mainland partner mode and global institutional mode. */
  sp_mchid?: string;
  sub_mchid?: string;
  out_refund_no: string;
  out_trade_no?: string;
  /** Global naming; mainland notifications carry `refund_id` and `refund_status` instead. */
  id?: string;
  refund_id?: string;
  transaction_id?: string;
  status?: string;
  refund_status?: string;
  success_time?: string;
  /** Mainland: where the money went, e.g. `招商银行信用卡0403`. */
  user_received_account?: string;
  amount?: {
    refund?: number;
    total?: number;
    currency?: string;
    /** Mainland: what the payer paid and gets back, in fen. */
    payer_total?: number;
    payer_refund?: number;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** The transfer inside a `MCHTRANSFER.BILL.FINISHED` notification (merchant transfers, `original_type` mch_payment). */
export interface NotifiedTransferBill {
  out_bill_no: string;
  transfer_bill_no: string;
  /** A final state: `SUCCESS`, `FAIL` or `CANCELLED`. */
  state: string;
  mch_id?: string;
  transfer_amount?: number;
  openid?: string;
  fail_reason?: string;
  create_time?: string;
  update_time?: string;
  [field: string]: unknown;
}

// --- Envelope types ---

/** A verified, decrypted notification; `resource` is the decrypted JSON. */
export interface Notification<T = unknown, E extends string = string> {
  id: string;
  create_time: string;
  event_type: E;
  resource_type: string;
  summary: string;
  resource: T;
}

export type RefundEventType = 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED';
export type TransactionNotification = Notification<NotifiedTransaction, 'TRANSACTION.SUCCESS'>;
export type RefundNotification = Notification<NotifiedRefund, RefundEventType>;
export type TransferBillNotification = Notification<NotifiedTransferBill, 'MCHTRANSFER.BILL.FINISHED'>;

/**
 * The notifications the SDK knows the resource of, discriminated by `event_type`. Narrow a {@link Notification} with
 * {@link isKnownNotification} first: a `string` member in the union would stop `switch (n.event_type)` from narrowing.
 */
export type KnownNotification = TransactionNotification | RefundNotification | TransferBillNotification;

const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set<KnownNotification['event_type']>([
  'TRANSACTION.SUCCESS',
  'REFUND.SUCCESS',
  'REFUND.ABNORMAL',
  'REFUND.CLOSED',
  'MCHTRANSFER.BILL.FINISHED',
]);

/** True when `event_type` is one whose `resource` shape {@link KnownNotification} describes. */
export function isKnownNotification(notification: Notification): notification is KnownNotification {
  return KNOWN_EVENT_TYPES.has(notification.event_type);
}

/** What arrived over HTTP: the headers (Node record or fetch `Headers`) and the body exactly as received. */
export interface NotificationInput {
  headers: HeaderRecord | HeadersLike;
  /** The raw bytes (a Buffer or any Uint8Array), or their text. */
  body: string | Uint8Array;
}

export interface ParseNotificationDeps {
  keyStore: KeyStore;
  apiv3Key: string | undefined;
  /** Which certificates endpoint to refresh from on an unknown serial; default `mainland`. */
  family?: ApiFamily;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Verifies and opens a notification. Order matters: the signature is checked over the raw bytes before anything
 * parses them, so unauthenticated input never reaches the JSON parser or the decryption.
 * Throws SignatureVerificationError (bad/missing/probe signature, skew, unknown key, `no platform key` while none could
 * be downloaded yet), WxpayParseError (body or plaintext not the expected JSON), WxpayDecryptError (unsupported
 * algorithm, wrong APIv3 key, tampered resource), ValidationError on `options.apiv3Key` when no APIv3 key is
 * configured, and ValidationError naming `input`, `headers`, `body` or `headers.<name>` when the caller passes
 * something of the wrong type. A first notification may also wait for (and report the failure of) the download of
 * the platform certificates; see KeyStore.
 */
export async function parseNotification(input: NotificationInput, deps: ParseNotificationDeps): Promise<Notification> {
  // A configuration problem is reported as such before the body is looked at, whatever the body holds.
  const apiv3Key = deps.apiv3Key;
  if (apiv3Key === undefined || apiv3Key === '') {
    throw new ValidationError('options.apiv3Key', 'required to decrypt notifications');
  }
  // Plain JavaScript callers can pass anything: a wrong type is their mistake, reported as such, never a TypeError.
  if (typeof input !== 'object' || input === null) {
    throw new ValidationError('input', 'an object { headers, body } with the request headers and raw body');
  }
  const headers = checkHeaders(input.headers);
  const body = checkBody(input.body);
  await deps.keyStore.verify(toHeaderRecord(headers), body, deps.family ?? 'mainland');

  const text = decodeBody(body);
  const envelope = parseJsonObject(text, 'notification body is not a JSON object', text);
  const resource = envelope.resource;
  if (!isRecord(resource)) throw new WxpayParseError('notification has no resource object', text);

  const algorithm = resource.algorithm;
  if (algorithm !== NOTIFICATION_ALGORITHM) {
    throw new WxpayDecryptError(
      'unsupported algorithm',
      // Quoted and cut short: the value is remote input.
      `decryption failed: unsupported algorithm ${quoteRemote(String(algorithm), 40)}`,
    );
  }
  const plaintext = decryptAesGcm({
    key: apiv3Key,
    nonce: requireString(resource, 'nonce', text),
    associatedData: optionalString(resource, 'associated_data', text),
    ciphertext: requireString(resource, 'ciphertext', text),
  });
  // The error keeps the envelope, not the plaintext, so the decrypted payer data does not end up in logs.
  const decrypted = parseJsonObject(plaintext, 'decrypted notification resource is not a JSON object', text);

  return {
    id: requireString(envelope, 'id', text),
    create_time: requireString(envelope, 'create_time', text),
    event_type: requireString(envelope, 'event_type', text),
    resource_type: requireString(envelope, 'resource_type', text),
    summary: requireString(envelope, 'summary', text),
    resource: decrypted,
  };
}

/**
 * The key store verifies from a header record; a fetch `Headers` object is reduced to the signature headers, which is
 * all verification reads.
 */
function toHeaderRecord(headers: HeaderRecord | HeadersLike): HeaderRecord {
  if (typeof (headers as Partial<HeadersLike>).get !== 'function') return headers as HeaderRecord;
  const record: Record<string, string | undefined> = {};
  for (const name of Object.values(SIGNATURE_HEADERS)) {
    record[name] = (headers as HeadersLike).get(name) ?? undefined;
  }
  return record;
}

function decodeBody(body: string | Uint8Array): string {
  if (typeof body === 'string') return body;
  try {
    return utf8.decode(body);
  } catch {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    throw new WxpayParseError('notification body is not valid UTF-8', bytes.toString('utf8'));
  }
}

function parseJsonObject(json: string, message: string, rawBody: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new WxpayParseError(message, rawBody);
  }
  if (!isRecord(value)) throw new WxpayParseError(message, rawBody);
  return value;
}

function requireString(object: Record<string, unknown>, name: string, rawBody: string): string {
  const value = object[name];
  if (typeof value !== 'string') throw new WxpayParseError(`notification field ${name} is not a string`, rawBody);
  return value;
}

function optionalString(object: Record<string, unknown>, name: string, rawBody: string): string | undefined {
  return object[name] === undefined ? undefined : requireString(object, name, rawBody);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
