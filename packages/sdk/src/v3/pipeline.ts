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
  headers?: Readonly<Record<string, string>> | undefined;
  /** Ends the call, its retries and the waits between them (WxpayConnectionError `ABORTED`). */
  signal?: AbortSignal | undefined;
}

export function familyOf(template: string, meta: V3EndpointMeta | undefined): ApiFamily {
  return meta?.host ?? (template.startsWith('v3/global/') ? 'global' : 'mainland');
}

export async function callV3(context: V3Context, input: V3CallInput): Promise<WithResponse<unknown>> {
  const meta = findV3Endpoint(input.template, input.verb);
  meta?.validate?.({ params: input.params, query: input.query, json: input.json });
  const family = familyOf(input.template, meta);
  const reply = await sendSigned(context, input, meta);
  const response = toRawResponse(reply);
  const signed = reply.headers['wechatpay-signature'] !== undefined;
  if (reply.status >= 200 && reply.status < 300) {
    // Verify the raw bytes before anything reads them.
    if (!meta?.unsignedReply) await context.keyStore.verify(reply.headers, reply.body, family);
    return { data: parseJson(response), response };
  }
  // Error replies are verified when they carry a signature; unsigned ones (gateways, some 4xx) are reported as they are.
  if (signed) await context.keyStore.verify(reply.headers, reply.body, family);
  throw apiError(response);
}

/**
 * Signs and sends, retrying only what is safe: a fresh timestamp, nonce and signature on every attempt, the body
 * byte-identical. Non-2xx replies are returned, not thrown.
 */
export async function sendSigned(
  context: V3Context,
  input: V3CallInput,
  meta: V3EndpointMeta | undefined,
): Promise<TransportResponse> {
  const { mchid, serial, privateKey } = context;
  if (!mchid) throw new ValidationError('options.mchid', 'required for APIv3 calls');
  if (!serial) throw new ValidationError('options.serial', 'required for APIv3 calls (merchant certificate serial)');
  if (!privateKey) throw new ValidationError('options.privateKey', 'required for APIv3 calls (apiclient_key.pem)');
  const method = input.verb.toUpperCase();
  const pathAndQuery = appendQuery(`/${expandTemplate(input.template, input.params)}`, input.query);
  const body = input.json === undefined ? undefined : JSON.stringify(input.json);
  const userHeaders = Object.fromEntries(
    Object.entries(input.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const idempotent = meta?.idempotencyKey !== undefined;
  // Whether an attempt of this call may already have reached the server: then so may the call, whatever comes next.
  let earlierAttemptSent = false;
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': context.userAgent,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...preferredSerialHeader(context.keyStore),
      ...userHeaders,
      authorization: buildAuthorization({
        mchid,
        serial,
        privateKey,
        method,
        pathAndQuery,
        body: body ?? '',
        timestamp: Math.floor(context.now() / 1000),
        nonce: createNonce(),
      }),
    };
    let reply: TransportResponse;
    try {
      reply = await context.transport.send({
        method,
        origins: context.origins(familyOf(input.template, meta)),
        path: pathAndQuery,
        headers,
        body,
        security: false,
        signal: input.signal,
      });
    } catch (caught) {
      const error = callError(caught, earlierAttemptSent);
      if (attempt < context.maxRetries && isRetryable({ error }, method, idempotent)) {
        earlierAttemptSent ||= (error as WxpayConnectionError).sent;
        await sleep(backoffDelay(attempt), input.signal, earlierAttemptSent);
        continue;
      }
      throw error;
    }
    if (attempt < context.maxRetries && isRetryable({ status: reply.status }, method, idempotent)) {
      earlierAttemptSent = true;
      await sleep(backoffDelay(attempt, reply.headers['retry-after']), input.signal, true);
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
