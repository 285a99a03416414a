// The APIv2 front door: finds the endpoint, then runs the checks every APIv2 call goes through, in WeChat's order
// (XML, merchant, client certificate, sign, workwx_sign, rate limit, fields), before the endpoint's own handler.
import { ValidationError } from 'wxpay';
import {
  type FieldSpec,
  findV2Endpoint,
  isV2ReplySigned,
  parseXml,
  signV2,
  signWorkwx,
  timingSafeEqualString,
  type V2EndpointMeta,
  validateFields,
} from 'wxpay/internal';
import type { SandboxCall, SandboxContext, SandboxReply } from '../context.js';
import { queryCouponStock, queryCouponsInfo, sendCoupon } from './coupon.js';
import { getHbInfo, queryWorkwxRedpack, sendRedpack, sendWorkwxRedpack } from './redpack.js';
import {
  businessReply,
  communicationFailure,
  fail,
  type Outcome,
  type ReplyFields,
  textReply,
  type V2Handler,
} from './reply.js';
import { payWwspTrans2Pocket } from './transfers.js';

/** Codes that differ between the red packet / transfer endpoints and the (older) coupon endpoints. */
interface FamilyCodes {
  /** Body is not an APIv2 XML document. */
  readonly xml: string;
  /** No `mch_id` at all. */
  readonly noMerchant: string;
  /** Over the merchant's requests-per-second limit. */
  readonly frequency: string;
  /** Required fields whose absence has a code of its own instead of PARAM_ERROR. */
  readonly missing?: Readonly<Record<string, string>>;
}

const payoutCodes: FamilyCodes = { xml: 'XML_ERROR', noMerchant: 'PARAM_ERROR', frequency: 'FREQ_LIMIT' };
const couponCodes: FamilyCodes = {
  xml: 'REQ_PARAM_XML_ERR',
  noMerchant: 'MCH_ID_EMPTY',
  frequency: 'FREQ_LIMIT',
  missing: { coupon_stock_id: 'COUPON_STOCK_ID_EMPTY', stock_id: 'COUPON_STOCK_ID_EMPTY' },
};

interface EndpointSpec {
  /** Request path below `/mmpaymkttransfers/`. */
  readonly name: string;
  readonly codes: FamilyCodes;
  /** Request fields every processed reply repeats. */
  readonly echo: readonly string[];
  readonly handle: V2Handler;
  /** Rules the server enforces beyond the SDK catalogue's. */
  readonly serverFields?: Readonly<Record<string, FieldSpec>>;
}

/** An endpoint with its SDK catalogue entry: certificate, signed replies, workwx_sign subset, field rules. */
interface Endpoint extends EndpointSpec {
  readonly meta: V2EndpointMeta;
  /** The catalogue's field rules with the server's added. */
  readonly rules: V2EndpointMeta;
}

/**
 * Red packets: 1..499900 fen in any case; the catalogue's cross rule adds "scene_id required outside 100..20000".
 * 499900 fen (4999 yuan) is the documented ceiling for packets sent with a scene.
 */
const redpackAmount: Readonly<Record<string, FieldSpec>> = {
  total_amount: { required: true, integer: { min: 1, max: 499_900 } },
};

const redpackSendEcho = ['mch_billno', 'mch_id', 'wxappid', 're_openid', 'total_amount'];
const redpackQueryEcho = ['mch_billno', 'mch_id'];
const couponEcho = ['appid', 'mch_id', 'device_info'];

const specs: readonly EndpointSpec[] = [
  { name: 'sendredpack', codes: payoutCodes, echo: redpackSendEcho, handle: sendRedpack, serverFields: redpackAmount },
  { name: 'gethbinfo', codes: payoutCodes, echo: redpackQueryEcho, handle: getHbInfo },
  {
    name: 'sendworkwxredpack',
    codes: payoutCodes,
    echo: [...redpackSendEcho, 'sender_name', 'sender_header_media_id'],
    handle: sendWorkwxRedpack,
    serverFields: redpackAmount,
  },
  { name: 'queryworkwxredpack', codes: payoutCodes, echo: redpackQueryEcho, handle: queryWorkwxRedpack },
  {
    name: 'promotion/paywwsptrans2pocket',
    codes: payoutCodes,
    echo: ['appid', 'mch_id', 'device_info'],
    handle: payWwspTrans2Pocket,
  },
  { name: 'query_coupon_stock', codes: couponCodes, echo: couponEcho, handle: queryCouponStock },
  // send_coupon documents a frequency code of its own.
  {
    name: 'send_coupon',
    codes: { ...couponCodes, frequency: 'FREQ_OVER_LIMIT' },
    echo: couponEcho,
    handle: sendCoupon,
  },
  { name: 'querycouponsinfo', codes: couponCodes, echo: couponEcho, handle: queryCouponsInfo },
];

/** Every APIv2 endpoint the sandbox serves, by request path. */
const endpoints: ReadonlyMap<string, Endpoint> = new Map(
  specs.map((spec) => {
    const path = `mmpaymkttransfers/${spec.name}`;
    const meta = findV2Endpoint(`v2/${path}`);
    if (meta === undefined) throw new Error(`the wxpay catalogue has no v2/${path}`);
    // The SDK leaves nonce_str optional because its pipeline fills it in; a request without one is malformed.
    const fields = { ...meta.fields, nonce_str: { required: true, maxLength: 32 }, ...spec.serverFields };
    return [`/${path}`, { ...spec, meta, rules: { ...meta, fields } }];
  }),
);

/**
 * Answers one APIv2 call. Unknown paths get a plain 404, other methods a 405; everything else a 200 XML reply:
 * `return_code` FAIL for communication problems (XML, unknown merchant, certificate, signature), otherwise
 * `return_code` SUCCESS with `result_code` telling the business outcome, signed where the real endpoint signs.
 */
export function handleV2(ctx: SandboxContext, call: SandboxCall): SandboxReply {
  const path = call.pathAndQuery.split('?', 1)[0] ?? '';
  const spec = endpoints.get(path);
  if (spec === undefined) return textReply(404, 'Not Found');
  if (call.method !== 'POST') return textReply(405, 'Method Not Allowed', { allow: 'POST' });

  const fields = readFields(call.rawBody);
  if (typeof fields === 'string') return communicationFailure(spec.codes.xml, `XML format error: ${fields}`);

  const mchid = fields.mch_id ?? '';
  if (mchid === '') return communicationFailure(spec.codes.noMerchant, 'mch_id: required');
  const merchant = ctx.store.merchants.get({ mchid });
  if (merchant === undefined) return communicationFailure('PARAM_ERROR', 'mch_id: no such merchant');

  const certificateProblem = spec.meta.cert ? checkCertificate(call, mchid) : undefined;
  if (certificateProblem !== undefined) return communicationFailure('CA_ERROR', certificateProblem);

  const signProblem = checkSign(fields, merchant.config.apiv2Key);
  if (signProblem !== undefined) return communicationFailure('SIGN_ERROR', signProblem);

  const reply = (outcome: Outcome): SandboxReply => {
    const echo: ReplyFields = {};
    // Empty request fields count as absent (as in a signature) and are not echoed.
    for (const name of spec.echo) if (fields[name] !== '') echo[name] = fields[name];
    return businessReply(outcome, echo, isV2ReplySigned(spec.meta.path) ? merchant.config.apiv2Key : undefined);
  };

  if (spec.meta.workwxFields !== undefined) {
    const workwx = merchant.config.workwx;
    // Without WeCom payment enabled there is no secret to check workwx_sign against: the merchant may not call.
    if (workwx === undefined) return reply(fail('NO_COMPETENCE', 'mch_id has no WeCom payment enabled'));
    const workwxProblem = checkWorkwxSign(fields, spec.meta.workwxFields, workwx.secret);
    if (workwxProblem !== undefined) return communicationFailure('SIGN_ERROR', workwxProblem);
  }

  if (!ctx.faults.allow(mchid, merchant.rate_limit, Date.now())) {
    return reply(fail(spec.codes.frequency, 'too many requests: slow down and retry later'));
  }

  const invalid = checkFields(spec, fields);
  if (invalid !== undefined) return reply(invalid);

  return reply(spec.handle(ctx, { merchant, fields, now: ctx.clock.nowSeconds() }));
}

/** The request's fields, or why the body is not an APIv2 request document. */
function readFields(body: Buffer): Record<string, string> | string {
  let parsed: ReturnType<typeof parseXml>;
  try {
    parsed = parseXml(body, { maxBytes: 64 * 1024 });
  } catch (error) {
    if (!(error instanceof Error)) return 'unreadable body';
    // The parser's messages speak of a "reply" (the SDK reads replies with it); here it read a request. Angle
    // brackets go: a reply quoting "<!DOCTYPE" would itself be refused by strict clients (the SDK's parser included).
    return error.message.replace('APIv2 reply', 'request body').replace(/[<>]/g, '');
  }
  // Prototype-less, so a missing field is undefined even when it is named like an Object.prototype member.
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') return `field ${name} must hold text, not elements, and appear once`;
    fields[name] = value;
  }
  return fields;
}

/** Why the caller's client certificate does not authenticate `mchid`, or undefined when it does. */
function checkCertificate(call: SandboxCall, mchid: string): string | undefined {
  const cert = call.clientCert;
  if (cert === undefined) return 'this API requires the merchant API certificate (apiclient_cert.pem)';
  if (!cert.ok) return `client certificate refused: ${cert.reason}`;
  if (cert.mchid !== mchid) return `client certificate belongs to merchant ${cert.mchid}, not to mch_id ${mchid}`;
  return undefined;
}

/** These endpoints are MD5 only: an HMAC-SHA256 `sign` (or a `sign_type` asking for it) does not verify. */
function checkSign(fields: Readonly<Record<string, string>>, key: string): string | undefined {
  const sign = fields.sign;
  if (sign === undefined || sign === '') return 'sign: missing';
  if (!timingSafeEqualString(signV2(fields, key, 'MD5'), sign.toUpperCase())) {
    return 'sign: does not verify (MD5 with the APIv2 key over all fields but sign)';
  }
  return undefined;
}

function checkWorkwxSign(
  fields: Readonly<Record<string, string>>,
  subset: readonly string[],
  secret: string,
): string | undefined {
  const sign = fields.workwx_sign;
  if (sign === undefined || sign === '') return 'workwx_sign: missing';
  if (!timingSafeEqualString(signWorkwx(fields, subset, secret), sign.toUpperCase())) {
    return `workwx_sign: does not verify (MD5 with the WeCom payment secret over ${subset.join(', ')})`;
  }
  return undefined;
}

/** The field rules of the SDK's catalogue plus the server's own, as a PARAM_ERROR (or a field's own code). */
function checkFields(spec: Endpoint, fields: Readonly<Record<string, string>>): Outcome | undefined {
  try {
    validateFields(spec.rules, fields);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const ownCode = error.rule === 'required' ? spec.codes.missing?.[error.field] : undefined;
    return fail(ownCode ?? 'PARAM_ERROR', `${error.field}: ${error.rule}`);
  }
  return undefined;
}
