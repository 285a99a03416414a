// The APIv2 request/response pipeline: validate -> fill nonce and signatures -> XML -> send -> parse -> verify -> result.
import { type RawResponse, toRawResponse, type WithResponse } from '../api-promise.js';
import { validateFields } from '../catalog/rules.js';
import type { V2EndpointMeta, V2SignType } from '../catalog/types.js';
import { isV2ReplySigned } from '../catalog/unsigned-replies.js';
import { findV2Endpoint } from '../catalog/v2.js';
import { appendQuery, expandTemplate } from '../chain.js';
import { createNonce } from '../crypto/nonce.js';
import {
  quoteRemote,
  type ResultOutcome,
  remoteText,
  SignatureVerificationError,
  ValidationError,
  WxpayParseError,
  WxpayResultError,
} from '../errors.js';
import type { Transport, TransportResponse } from '../transport.js';
import { signV2, signWorkwx, verifyV2Sign } from './sign.js';
import { buildXml, parseXml, type XmlObject } from './xml.js';

export interface V2Context {
  transport: Transport;
  /** Origins in fail-over order. */
  origins: readonly string[];
  mchid?: string | undefined;
  secret?: string | undefined;
  workwxSecret?: string | undefined;
  userAgent: string;
}

export interface V2CallInput {
  template: string;
  method: string;
  xml?: Readonly<Record<string, unknown>> | undefined;
  query?: Readonly<Record<string, unknown>> | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  security?: boolean | undefined;
  /** Accept a reply without a valid `sign` on an uncatalogued path (dangerous: unsigned data is forgeable). */
  unsignedReply?: boolean | undefined;
  params: Readonly<Record<string, unknown>>;
  /** Ends the call (WxpayConnectionError `ABORTED`). */
  signal?: AbortSignal | undefined;
}

// Codes whose meaning is the same on every APIv2 endpoint; catalogue entries refine them per endpoint.
const COMMON_OUTCOMES: Readonly<Record<string, ResultOutcome>> = {
  SYSTEMERROR: 'unknown',
  PROCESSING: 'unknown',
  FREQ_LIMIT: 'retry',
  CA_ERROR: 'fix',
  SIGN_ERROR: 'fix',
  XML_ERROR: 'fix',
  PARAM_ERROR: 'fix',
};

export async function callV2(context: V2Context, input: V2CallInput): Promise<WithResponse<XmlObject>> {
  const meta = findV2Endpoint(input.template);
  const security = certificateUse(meta, input.security);
  if (input.unsignedReply !== undefined && meta) {
    throw new ValidationError(
      'unsignedReply',
      'only for uncatalogued paths: the catalogue knows whether this reply is signed',
    );
  }
  const { fields, signType } = prepareFields(context, meta, input.xml ?? {});
  const body = buildXml(fields);
  const path = appendQuery(`/${expandTemplate(input.template.slice('v2/'.length), input.params)}`, input.query);
  const reply = await context.transport.send({
    method: input.method,
    origins: context.origins,
    path,
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      accept: 'text/xml, application/xml',
      'user-agent': context.userAgent,
      ...input.headers,
    },
    body,
    security,
    signal: input.signal,
  });
  return readV2Reply(reply, {
    secret: context.secret as string,
    meta,
    signType,
    signed: input.unsignedReply === true ? false : isV2ReplySigned(input.template),
  });
}

/** How to read one APIv2 reply: the key, the endpoint, how the request was signed, whether the reply must be. */
export interface ReplyCheck {
  secret: string;
  meta: V2EndpointMeta | undefined;
  /** The algorithm the request was signed with: a signed reply must use the same one. */
  signType: V2SignType;
  /** Whether a successful reply must carry a valid `sign`. */
  signed: boolean;
}

/**
 * Turns the bytes of an APIv2 reply into its data, or a typed error: WxpayParseError (not XML, damaged result codes;
 * outcome unknown), SignatureVerificationError, or WxpayResultError (a FAIL the reply states). Pure: no I/O.
 */
export function readV2Reply(reply: TransportResponse, check: ReplyCheck): WithResponse<XmlObject> {
  const response = toRawResponse(reply);
  if (reply.status < 200 || reply.status >= 300) {
    throw new WxpayParseError(`HTTP ${reply.status} instead of an XML reply`, response.body, reply.status);
  }
  const data = parseXml(reply.body);
  checkReply(check, data, response);
  return { data, response };
}

/** Whether to present the merchant certificate: what the caller asked, but never less than the endpoint needs. */
function certificateUse(meta: V2EndpointMeta | undefined, requested: boolean | undefined): boolean {
  if (requested === false && meta?.cert) {
    throw new ValidationError('security', `${meta.path} needs the merchant API certificate: security cannot be false`);
  }
  return requested ?? meta?.cert ?? false;
}

/** Turns the caller's fields into the exact strings to send, checked and signed. */
function prepareFields(
  context: V2Context,
  meta: V2EndpointMeta | undefined,
  input: Readonly<Record<string, unknown>>,
): { fields: Record<string, string>; signType: V2SignType } {
  const secret = context.secret;
  if (!secret) throw new ValidationError('options.secret', 'required for APIv2 calls (the APIv2 key)');
  const fields = fieldStrings(input);
  if (meta?.merchantField && fields[meta.merchantField] === undefined && context.mchid) {
    fields[meta.merchantField] = context.mchid;
  }
  fields.nonce_str ??= createNonce();
  const signType = signTypeOf(meta, fields.sign_type);
  if (meta) validateFields(meta, fields);
  if (meta?.workwxFields && fields.workwx_sign === undefined) {
    if (!context.workwxSecret) {
      throw new ValidationError(
        'workwx_sign',
        'required: configure options.workwxSecret (the WeCom payment secret) or pass workwx_sign',
      );
    }
    // workwx_sign is computed first, so that `sign` covers it too.
    fields.workwx_sign = signWorkwx(fields, meta.workwxFields, context.workwxSecret);
  }
  // A caller's `sign` is replaced and moved last. Deleted only when present: a delete makes later reads of the object slower.
  if (fields.sign !== undefined) delete fields.sign;
  fields.sign = signV2(fields, secret, signType);
  return { fields, signType };
}

/** The caller's field values as the strings that will be sent; absent (undefined/null) values are left out. */
export function fieldStrings(input: Readonly<Record<string, unknown>>): Record<string, string> {
  const fields: Record<string, string> = {};
  // Keys, not entries: no array of pairs built per call.
  for (const name of Object.keys(input)) {
    const value = input[name];
    if (value === undefined || value === null) continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new ValidationError(name, 'finite number');
      fields[name] = String(value);
    } else if (typeof value === 'string') {
      fields[name] = value;
    } else {
      throw new ValidationError(name, 'string or number');
    }
  }
  return fields;
}

function signTypeOf(meta: V2EndpointMeta | undefined, requested: string | undefined): V2SignType {
  const allowed = meta?.signTypes ?? ['MD5', 'HMAC-SHA256'];
  if (requested === undefined) return allowed[0] ?? 'MD5';
  const match = allowed.find((type) => type === requested);
  if (!match) throw new ValidationError('sign_type', `one of ${allowed.join(', ')}`);
  return match;
}

/**
 * Fails closed. A reply is only read for its result when `return_code` (and, on SUCCESS, `result_code`) is exactly
 * SUCCESS or FAIL; anything else is damaged, and a damaged reply never says the operation did not happen. A reply that
 * should be signed must verify, and may hold nothing the signature does not cover, before any of its data is trusted.
 */
function checkReply(check: ReplyCheck, data: XmlObject, response: RawResponse): void {
  const { meta } = check;
  const outcomeOf = (code: string | undefined): ResultOutcome =>
    (code !== undefined ? (meta?.errors?.[code] ?? COMMON_OUTCOMES[code]) : undefined) ?? 'unknown';
  const returnCode = resultLayer(response, data, 'return_code', true);
  if (returnCode === 'FAIL') {
    // Communication-level failure: the request was not processed, and such replies are unsigned.
    const code = typeof data.err_code === 'string' ? data.err_code : undefined;
    throw new WxpayResultError(data, code ? outcomeOf(code) : 'fix');
  }
  // Catalogued endpoints all answer with a result_code; for other paths it may be absent (then the reply is a success).
  const resultCode = resultLayer(response, data, 'result_code', meta !== undefined);
  const businessFailure = resultCode === 'FAIL';
  if (check.signed) {
    if (typeof data.sign === 'string') {
      for (const name of Object.keys(data)) {
        if (typeof data[name] !== 'string') {
          throw new SignatureVerificationError(
            'unsigned element',
            `signature verification failed: <${remoteText(name, 40)}> is not covered by the signature`,
          );
        }
      }
      if (!verifyV2Sign(data, check.secret, check.signType)) throw new SignatureVerificationError('sign mismatch');
    } else if (!businessFailure) {
      // Only a failure may come back unsigned from a signing endpoint; success data is never trusted unsigned.
      throw new SignatureVerificationError('missing sign');
    }
  }
  if (businessFailure) {
    throw new WxpayResultError(data, outcomeOf(typeof data.err_code === 'string' ? data.err_code : undefined));
  }
}

/** Reads `return_code` or `result_code`: exactly SUCCESS or FAIL, or (when not required) absent. */
function resultLayer(
  response: RawResponse,
  data: XmlObject,
  name: string,
  required: boolean,
): 'SUCCESS' | 'FAIL' | undefined {
  const value = data[name];
  if (value === 'SUCCESS' || value === 'FAIL') return value;
  if (value === undefined && !required) return undefined;
  const seen =
    value === undefined ? 'missing' : typeof value === 'string' ? quoteRemote(value, 40) : 'not a single text value';
  throw new WxpayParseError(
    `damaged reply: ${name} is ${seen}, not SUCCESS or FAIL (outcome unknown: query before resending)`,
    response.body,
    response.status,
  );
}
