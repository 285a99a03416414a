// Downloads a bill: apply (signed reply), fetch `download_url` with a signed GET (the reply is NOT signed), unpack
// gzip, and check the announced hash over the uncompressed bytes before anything is handed out. The whole bill is held
// in memory for that, up to a cap (docs/protocol.md#apiv3-bill-downloads).
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { BillReply, BillTarType, FundFlowBillQuery, TradeBillQuery } from '../catalog/bills.js';
import { sha1Hex } from '../crypto/hash.js';
import { timingSafeEqualString } from '../crypto/timing-safe.js';
import { quoteRemote, ValidationError, WxpayIntegrityError, WxpayParseError } from '../errors.js';
import { ReplyTooLargeError } from '../exchange.js';
import { callV3, errorOf, sendRequest, type V3Context } from '../v3/pipeline.js';
import { VerifiedBill } from './verified-bill.js';

/** The default cap of a bill, compressed and uncompressed alike: 100 MiB. */
export const DEFAULT_BILL_MAX_BYTES = 100 * 1024 * 1024;

/** What to download: a bill application's reply as is (plus the `tar_type` asked for), or the application itself. */
export type BillSource =
  | (BillReply & { tar_type?: BillTarType | undefined })
  | { tradebill: TradeBillQuery }
  | { fundflowbill: FundFlowBillQuery };

export interface DownloadBillOptions {
  /**
   * Largest bill accepted, in bytes, as downloaded and again once unpacked (default 100 MiB). The bill is held in
   * memory until its hash is checked; a larger one is refused (WxpayIntegrityError `too large`).
   */
  maxBytes?: number;
  /** Milliseconds each download attempt may take (default: the client's `timeout`). */
  timeout?: number;
  /** Ends the application and the download (WxpayConnectionError `ABORTED`). */
  signal?: AbortSignal;
}

const gunzipAsync = promisify(gunzip);

/** The only digest the bill applications announce. */
const HASH_TYPE = 'SHA1';

export async function downloadBill(
  context: V3Context,
  source: BillSource,
  options: DownloadBillOptions = {},
): Promise<VerifiedBill> {
  const maxBytes = options.maxBytes ?? DEFAULT_BILL_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new ValidationError('maxBytes', 'positive integer');
  const { timeout } = options;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new ValidationError('timeout', 'positive number of milliseconds');
  }
  const { reply, tarType } = await resolveSource(context, source, options.signal);
  const expected = announcedDigest(reply);
  const target = downloadTarget(reply.download_url, context.origins('mainland'));
  let response: Awaited<ReturnType<typeof sendRequest>>;
  try {
    response = await sendRequest(context, {
      method: 'GET',
      pathAndQuery: target.pathAndQuery,
      body: undefined,
      signedBody: '',
      // The reply is a file, not JSON.
      headers: { accept: '*/*', 'user-agent': context.userAgent },
      origins: [target.origin],
      idempotent: false,
      signal: options.signal,
      maxBodyBytes: maxBytes,
      timeout,
    });
  } catch (error) {
    // The transport's own error would carry the start of the unverified bill; this one carries nothing of it.
    if (error instanceof ReplyTooLargeError) {
      throw new WxpayIntegrityError('too large', undefined, undefined, `the bill exceeds maxBytes (${maxBytes})`);
    }
    throw error;
  }
  if (response.status < 200 || response.status >= 300) throw await errorOf(context, response, 'mainland');
  const bill = await unpack(response.body, tarType, maxBytes);
  const actual = sha1Hex(bill);
  if (!timingSafeEqualString(actual, expected)) {
    throw new WxpayIntegrityError(
      'hash mismatch',
      reply.hash_value,
      actual,
      'file integrity check failed: hash mismatch (the downloaded bill is not the one WeChat Pay announced)',
    );
  }
  return new VerifiedBill(decodeUtf8(bill, response.status), bill.length, actual);
}

/** The announced download: from the caller, or from a signed application made now. */
async function resolveSource(
  context: V3Context,
  source: BillSource,
  signal: AbortSignal | undefined,
): Promise<{ reply: BillReply; tarType: string | undefined }> {
  if (typeof source !== 'object' || source === null) {
    throw new ValidationError(
      'source',
      '{ tradebill } or { fundflowbill } query, or a bill reply { download_url, ... }',
    );
  }
  const application =
    'tradebill' in source
      ? { template: 'v3/bill/tradebill', query: source.tradebill }
      : 'fundflowbill' in source
        ? { template: 'v3/bill/fundflowbill', query: source.fundflowbill }
        : undefined;
  if (application === undefined) {
    const fields = source as Partial<Record<keyof BillReply | 'tar_type', unknown>>;
    for (const field of ['download_url', 'hash_type', 'hash_value'] as const) {
      if (typeof fields[field] !== 'string' || fields[field] === '')
        throw new ValidationError(field, 'required string');
    }
    if (fields.tar_type !== undefined && fields.tar_type !== 'GZIP')
      throw new ValidationError('tar_type', 'one of GZIP');
    return { reply: source as BillReply, tarType: fields.tar_type };
  }
  const query = application.query as unknown as Readonly<Record<string, unknown>> | undefined;
  const { data, response } = await callV3(context, {
    template: application.template,
    verb: 'get',
    params: {},
    query,
    signal,
  });
  const reply = data as Partial<Record<keyof BillReply, unknown>> | undefined;
  if (
    typeof reply?.download_url !== 'string' ||
    typeof reply.hash_type !== 'string' ||
    typeof reply.hash_value !== 'string'
  ) {
    throw new WxpayParseError('the bill reply lacks download_url, hash_type or hash_value', response.body, 200);
  }
  const tarType = query?.tar_type;
  return { reply: reply as BillReply, tarType: typeof tarType === 'string' ? tarType : undefined };
}

/** The announced digest, lowercase hex; an unknown algorithm or a malformed digest is refused before downloading. */
function announcedDigest(reply: BillReply): string {
  if (reply.hash_type !== HASH_TYPE) {
    throw new WxpayIntegrityError(
      'unsupported hash_type',
      undefined,
      undefined,
      `file integrity check failed: unsupported hash_type ${quoteRemote(reply.hash_type, 40)} (only SHA1 is known)`,
    );
  }
  if (!/^[0-9A-Fa-f]{40}$/.test(reply.hash_value)) throw new WxpayIntegrityError('invalid hash_value');
  return reply.hash_value.toLowerCase();
}

const DOWNLOAD_URL_RULE = "an https URL under /v3/ on the client's own WeChat Pay host (or its baseURL)";

/**
 * Where the signed GET goes: `download_url` must be https and on one of the client's hosts, so the merchant's
 * signature never goes anywhere else. Returns that host (as configured, path prefix included) and the path and query
 * exactly as they will be sent and signed.
 */
function downloadTarget(downloadUrl: string, origins: readonly string[]): { origin: string; pathAndQuery: string } {
  if (!URL.canParse(downloadUrl)) throw new ValidationError('download_url', DOWNLOAD_URL_RULE);
  const url = new URL(downloadUrl);
  if (url.protocol === 'https:' && url.username === '' && url.password === '') {
    for (const origin of origins) {
      const base = new URL(origin);
      const prefix = base.pathname.replace(/\/+$/, '');
      if (url.origin === base.origin && url.pathname.startsWith(`${prefix}/v3/`)) {
        return { origin, pathAndQuery: `${url.pathname.slice(prefix.length)}${url.search}` };
      }
    }
  }
  throw new ValidationError('download_url', DOWNLOAD_URL_RULE);
}

/** The uncompressed bill: gunzipped (within the cap) when the bytes are gzip, which `tar_type: GZIP` requires. */
async function unpack(body: Buffer, tarType: string | undefined, maxBytes: number): Promise<Buffer> {
  const gzipped = body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
  if (tarType === 'GZIP' && !gzipped) throw new WxpayIntegrityError('not gzip');
  if (!gzipped) return body;
  try {
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new WxpayIntegrityError(
        'too large',
        undefined,
        undefined,
        `the bill exceeds maxBytes (${maxBytes}) unpacked`,
      );
    }
    throw new WxpayIntegrityError('gzip error');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bill: Buffer, status: number): string {
  try {
    return utf8.decode(bill);
  } catch {
    // The bytes are WeChat Pay's (the hash matched) but not text: nothing of them goes into the error.
    throw new WxpayParseError('the bill is not valid UTF-8', '', status);
  }
}
