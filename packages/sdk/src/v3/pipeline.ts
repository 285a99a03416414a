// The APIv3 request/response pipeline: validate -> sign the exact bytes -> send (with safe retries) -> verify -> parse.
import type { KeyObject } from 'node:crypto';
import { type RawResponse, toRawResponse, type WithResponse } from '../api-promise.js';
import type { HttpVerb, V3EndpointMeta } from '../catalog/types.js';
import { findV3Endpoint } from '../catalog/v3.js';
import { appendQuery, expandTemplate } from '../chain.js';
import { createNonce } from '../crypto/nonce.js';
import { ValidationError, WxpayAPIError, type WxpayConnectionError, WxpayParseError } from '../errors.js';
import { backoffDelay, callError, isRetryable, sleep } from '../retry.js';
import type { Transport, TransportResponse } from '../transport.js';
import { buildAuthorization } from './authorization.js';
import type { ApiFamily, KeyStore } from './key-store.js';
import { prepareBody } from './request-body.js';

export interface V3Context {
  transport: Transport;
  keyStore: KeyStore;
  origins: (family: ApiFamily) => readonly string[];
  mchid?: string | undefined;
  serial?: string | undefined;
  privateKey?: KeyObject | undefined;
  now: () => number;
  maxRetries: number;
  userAgent: string;
}

export interface V3CallInput {
  template: string;
  verb: HttpVerb;
  params: Readonly<Record<string, unknown>>;
  query?: Readonly<Record<string, unknown>> | undefined;
  json?: unknown;
  /** The file of a multipart upload (`{ filename, data }`). */
  upload?: unknown;
  headers?: Readonly<Record<string, string>> | undefined;
  /** Ends the call, its retries and the waits between them (WxpayConnectionError `ABORTED`). */
  signal?: AbortSignal | undefined;
}

export function familyOf(template: string, meta: V3EndpointMeta | undefined): ApiFamily {
  return meta?.host ?? (template.startsWith('v3/global/') ? 'global' : 'mainland');
}

export async function callV3(context: V3Context, input: V3CallInput): Promise<WithResponse<unknown>> {
  const meta = findV3Endpoint(input.template, input.verb);
  meta?.validate?.({ params: input.params, query: input.query, json: input.json, upload: input.upload });
  const family = familyOf(input.template, meta);
  const reply = await sendSigned(context, input, meta);
  const response = toRawResponse(reply);
  if (reply.status >= 200 && reply.status < 300) {
    // Verify the raw bytes before anything reads them.
    if (!meta?.unsignedReply) await context.keyStore.verify(reply.headers, reply.body, family);
    return { data: parseJson(response), response };
  }
  throw await errorOf(context, reply, family);
}

/**
 * The error of a non-2xx reply. Error replies are verified when they carry a signature; unsigned ones (gateways, some
 * 4xx) are reported as they are.
 */
export async function errorOf(context: V3Context, reply: TransportResponse, family: ApiFamily): Promise<WxpayAPIError> {
  if (reply.headers['wechatpay-signature'] !== undefined) {
    await context.keyStore.verify(reply.headers, reply.body, family);
  }
  return apiError(toRawResponse(reply));
}

/** A request ready to go out, attempt after attempt: only the Authorization header changes between attempts. */
export interface SignedRequest {
  method: string;
  /** Path and query exactly as sent and signed (percent-encoded), starting with `/`. */
  pathAndQuery: string;
  body: string | Uint8Array | undefined;
  /** The body line of the signature (for an upload, its `meta` JSON). */
  signedBody: string;
  /** Everything but Authorization, names lowercase. */
  headers: Readonly<Record<string, string>>;
  origins: readonly string[];
  /** Idempotent by business number: a byte-identical resend of a POST is a re-entry. */
  idempotent: boolean;
  signal?: AbortSignal | undefined;
  /** Overrides of the client's reply cap and per-attempt deadline (bill downloads). */
  maxBodyBytes?: number | undefined;
  timeout?: number | undefined;
}

/** The signing identity of APIv3 calls, or a ValidationError naming the missing option. */
export function requireSigner(context: V3Context): { mchid: string; serial: string; privateKey: KeyObject } {
  const { mchid, serial, privateKey } = context;
  if (!mchid) throw new ValidationError('options.mchid', 'required for APIv3 calls');
  if (!serial) throw new ValidationError('options.serial', 'required for APIv3 calls (merchant certificate serial)');
  if (!privateKey) throw new ValidationError('options.privateKey', 'required for APIv3 calls (apiclient_key.pem)');
  return { mchid, serial, privateKey };
}

/** The caller's headers with lowercase names (a later name differing only in case wins). */
export function lowercaseHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
}

/**
 * Signs and sends a catalogued or loose call, retrying only what is safe (see sendRequest). Non-2xx replies are
 * returned, not thrown.
 */
export async function sendSigned(
  context: V3Context,
  input: V3CallInput,
  meta: V3EndpointMeta | undefined,
): Promise<TransportResponse> {
  requireSigner(context);
  const pathAndQuery = appendQuery(`/${expandTemplate(input.template, input.params)}`, input.query);
  const prepared = prepareBody(context.keyStore, input, meta);
  const userHeaders = lowercaseHeaders(input.headers);
  if (prepared.serial !== undefined) {
    const asked = userHeaders['wechatpay-serial'];
    // The header names the key WeChat Pay must decrypt with: another key than the one used would fail, or worse.
    if (asked !== undefined && asked !== prepared.serial) {
      throw new ValidationError(
        'headers.wechatpay-serial',
        `must name the key the sensitive fields were encrypted with (${prepared.serial}), or be left out`,
      );
    }
  }
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': context.userAgent,
    ...(prepared.contentType !== undefined ? { 'content-type': prepared.contentType } : {}),
    ...preferredSerialHeader(context.keyStore),
    ...userHeaders,
    ...(prepared.serial !== undefined ? { 'wechatpay-serial': prepared.serial } : {}),
  };
  return sendRequest(context, {
    method: input.verb.toUpperCase(),
    pathAndQuery,
    body: prepared.body,
    signedBody: prepared.signed,
    headers,
    origins: context.origins(familyOf(input.template, meta)),
    idempotent: meta?.idempotencyKey !== undefined,
    signal: input.signal,
  });
}

/**
 * Sends a prepared request, retrying only what is safe: a fresh timestamp, nonce and signature on every attempt, the
 * body byte-identical. Non-2xx replies are returned, not thrown.
 */
export async function sendRequest(context: V3Context, request: SignedRequest): Promise<TransportResponse> {
  const { mchid, serial, privateKey } = requireSigner(context);
  const { method, pathAndQuery } = request;
  // Whether an attempt of this call may already have reached the server: then so may the call, whatever comes next.
  let earlierAttemptSent = false;
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = {
      ...request.headers,
      authorization: buildAuthorization({
        mchid,
        serial,
        privateKey,
        method,
        pathAndQuery,
        body: request.signedBody,
        timestamp: Math.floor(context.now() / 1000),
        nonce: createNonce(),
      }),
    };
    let reply: TransportResponse;
    try {
      reply = await context.transport.send({
        method,
        origins: request.origins,
        path: pathAndQuery,
        headers,
        body: request.body,
        security: false,
        signal: request.signal,
        maxBodyBytes: request.maxBodyBytes,
        timeout: request.timeout,
      });
    } catch (caught) {
      const error = callError(caught, earlierAttemptSent);
      if (attempt < context.maxRetries && isRetryable({ error }, method, request.idempotent)) {
        earlierAttemptSent ||= (error as WxpayConnectionError).sent;
        await sleep(backoffDelay(attempt), request.signal, earlierAttemptSent);
        continue;
      }
      throw error;
    }
    if (attempt < context.maxRetries && isRetryable({ status: reply.status }, method, request.idempotent)) {
      earlierAttemptSent = true;
      await sleep(backoffDelay(attempt, reply.headers['retry-after']), request.signal, true);
      continue;
    }
    return reply;
  }
}

/** Tells the server which key to sign its reply with (and which key encrypted fields used): the public key if any. */
function preferredSerialHeader(keyStore: KeyStore): Record<string, string> {
  try {
    return { 'wechatpay-serial': keyStore.encryptionKey().serial };
  } catch {
    return {};
  }
}

function parseJson(response: RawResponse): unknown {
  if (response.body === '') return undefined;
  try {
    return JSON.parse(response.body);
  } catch {
    throw new WxpayParseError('the reply is not JSON', response.body, response.status);
  }
}

export function apiError(response: RawResponse): WxpayAPIError {
  let parsed: { code?: unknown; message?: unknown; detail?: unknown } | undefined;
  try {
    const value: unknown = JSON.parse(response.body);
    if (value && typeof value === 'object') parsed = value as typeof parsed;
  } catch {
    parsed = undefined; // an HTML gateway page or an empty body: still a typed API error
  }
  return new WxpayAPIError({
    status: response.status,
    code: typeof parsed?.code === 'string' ? parsed.code : undefined,
    apiMessage: typeof parsed?.message === 'string' ? parsed.message : undefined,
    detail: parsed?.detail,
    requestId: response.headers['request-id'],
    body: response.body,
  });
}

/**
 * GET the platform certificates with a signed request; the reply is returned unverified for the key store to vet.
 * Sent once, without retries: the key store rate limits downloads (forged notifications can trigger them), and
 * retries here would multiply each allowed download.
 */
export async function fetchCertificates(context: V3Context, family: ApiFamily): Promise<TransportResponse> {
  const template = family === 'global' ? 'v3/global/certificates' : 'v3/certificates';
  const once = { ...context, maxRetries: 0 };
  const reply = await sendSigned(once, { template, verb: 'get', params: {} }, findV3Endpoint(template, 'get'));
  if (reply.status < 200 || reply.status >= 300) throw apiError(toRawResponse(reply));
  return reply;
}
