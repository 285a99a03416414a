// The APIv2 request/response pipeline: validate -> fill nonce and signatures -> XML -> send -> parse -> verify -> result.
import { toRawResponse, type WithResponse } from '../api-promise.js';
import { validateFields } from '../catalog/rules.js';
import type { V2EndpointMeta, V2SignType } from '../catalog/types.js';
import { findV2Endpoint } from '../catalog/v2.js';
import { appendQuery, expandTemplate } from '../chain.js';
import { createNonce } from '../crypto/nonce.js';
import {
  type ResultOutcome,
  SignatureVerificationError,
  ValidationError,
  WxpayParseError,
  WxpayResultError,
} from '../errors.js';
import type { Transport } from '../transport.js';
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
  params: Readonly<Record<string, unknown>>;
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
  const fields = prepareFields(context, meta, input.xml ?? {});
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
    security: input.security ?? meta?.cert ?? false,
  });
  const response = toRawResponse(reply);
  if (reply.status < 200 || reply.status >= 300) {
    throw new WxpayParseError(`HTTP ${reply.status} instead of an XML reply`, response.body, reply.status);
  }
  const data = parseXml(reply.body);
  checkReply(context, meta, data);
  return { data, response };
}

/** Turns the caller's fields into the exact strings to send, checked and signed. */
function prepareFields(
  context: V2Context,
  meta: V2EndpointMeta | undefined,
  input: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const secret = context.secret;
  if (!secret) throw new ValidationError('options.secret', 'required for APIv2 calls (the APIv2 key)');
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
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
  delete fields.sign;
  fields.sign = signV2(fields, secret, signType);
  return fields;
}

function signTypeOf(meta: V2EndpointMeta | undefined, requested: string | undefined): V2SignType {
  const allowed = meta?.signTypes ?? ['MD5', 'HMAC-SHA256'];
  if (requested === undefined) return allowed[0] ?? 'MD5';
  const match = allowed.find((type) => type === requested);
  if (!match) throw new ValidationError('sign_type', `one of ${allowed.join(', ')}`);
  return match;
}

/** Fails closed: a reply that should be signed must verify before any of its data is trusted. */
function checkReply(context: V2Context, meta: V2EndpointMeta | undefined, data: XmlObject): void {
  const outcomeOf = (code: string | undefined): ResultOutcome =>
    (code !== undefined ? (meta?.errors?.[code] ?? COMMON_OUTCOMES[code]) : undefined) ?? 'unknown';
  if (data.return_code !== 'SUCCESS') {
    // Communication-level failure: the request was not processed, and such replies are unsigned.
    const code = typeof data.err_code === 'string' ? data.err_code : undefined;
    throw new WxpayResultError(data, code ? outcomeOf(code) : 'fix');
  }
  const businessFailure = data.result_code !== undefined && data.result_code !== 'SUCCESS';
  const hasSign = typeof data.sign === 'string';
  if (meta ? meta.responseSigned : hasSign) {
    if (hasSign) {
      if (!verifyV2Sign(data, context.secret as string)) throw new SignatureVerificationError('sign mismatch');
    } else if (!businessFailure) {
      // Only a failure may come back unsigned from a signing endpoint; success data is never trusted unsigned.
      throw new SignatureVerificationError('missing sign');
    }
  }
  if (businessFailure) {
    throw new WxpayResultError(data, outcomeOf(typeof data.err_code === 'string' ? data.err_code : undefined));
  }
}
