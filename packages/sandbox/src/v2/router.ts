// The APIv2 front door: finds the endpoint, then runs the checks every APIv2 call goes through, in WeChat's order
// (XML, merchant, client certificate, sign, workwx_sign, rate limit, fields), before the endpoint's own handler.
import { Transformer, type XmlObject } from 'wxpay';
import type { SandboxCall, SandboxContext, SandboxReply } from '../context.js';
import type { MerchantRow } from '../store.js';
import { equalsInConstantTime } from '../wire/constant-time.js';
import { signV2 } from '../wire/v2-sign.js';
import { signWorkwx } from '../wire/workwx-sign.js';
import { queryCouponStock, queryCouponsInfo, sendCoupon, sendCouponResult } from './coupon.js';
import { type V2Endpoint, v2Endpoint } from './endpoints.js';
import { findBrokenRule } from './field-rules.js';
import { readFlatXml } from './flat-xml.js';
import { getHbInfo, queryWorkwxRedpack, sendRedpack, sendWorkwxRedpack } from './redpack.js';
import { type Refusal, type RefusalStyle, refuse } from './refusals.js';
import {
  businessReply,
  communicationFailure,
  type Outcome,
  type ReplyFields,
  textReply,
  type V2Handler,
} from './reply.js';
import { injectedSystemError } from './system-errors.js';
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
  /**
   * A `workwx_sign` that does not verify: a business failure with this err_code where the endpoint's table documents
   * one (pay to pocket: WORKWX_SIGN_ERROR); otherwise a communication failure SIGN_ERROR (sendworkwxredpack's table:
   * SIGN_ERROR covers both signatures).
   */
  readonly workwxSign?: string;
  /** How the family writes a business failure (src/v2/refusals.ts). */
  readonly style: RefusalStyle;
  /**
   * What the real service writes for the failures the front door answers: the 错误描述 / 描述 column of the
   * family's error tables (docs/endpoints.md). A code without one keeps the sandbox's explanation.
   */
  readonly texts: Readonly<Record<string, string>>;
}

const payoutCodes: FamilyCodes = {
  xml: 'XML_ERROR',
  noMerchant: 'PARAM_ERROR',
  frequency: 'FREQ_LIMIT',
  style: 'payout',
  texts: { PARAM_ERROR: '参数错误', FREQ_LIMIT: '超过频率限制，请稍后再试。', WORKWX_SIGN_ERROR: '企业微信签名错误' },
};
const couponCodes: FamilyCodes = {
  xml: 'REQ_PARAM_XML_ERR',
  noMerchant: 'MCH_ID_EMPTY',
  frequency: 'FREQ_LIMIT',
  missing: { coupon_stock_id: 'COUPON_STOCK_ID_EMPTY', stock_id: 'COUPON_STOCK_ID_EMPTY' },
  style: 'coupon',
  texts: { PARAM_ERROR: '校验参数错误', COUPON_STOCK_ID_EMPTY: '批次ID为空' },
};

interface EndpointSpec {
  /** Request path below `/mmpaymkttransfers/`. */
  readonly name: string;
  readonly codes: FamilyCodes;
  /** Request fields every processed reply repeats. */
  readonly echo: readonly string[];
  readonly handle: V2Handler;
  /**
   * The fields the endpoint's failure replies carry besides the codes (send_coupon reports the openid's result on
   * every reply), for the failures the front door and injected faults answer.
   */
  readonly failureFields?: (request: Readonly<Record<string, string>>, refusal: Refusal) => ReplyFields;
}

/** An endpoint's handling with its wire facts: certificate, signed replies, workwx_sign subset, field rules. */
interface Endpoint extends EndpointSpec {
  readonly wire: V2Endpoint;
}

const redpackSendEcho = ['mch_billno', 'mch_id', 'wxappid', 're_openid', 'total_amount'];
const redpackQueryEcho = ['mch_billno', 'mch_id'];
const couponEcho = ['appid', 'mch_id', 'device_info'];

const specs: readonly EndpointSpec[] = [
  { name: 'sendredpack', codes: payoutCodes, echo: redpackSendEcho, handle: sendRedpack },
  { name: 'gethbinfo', codes: payoutCodes, echo: redpackQueryEcho, handle: getHbInfo },
  {
    name: 'sendworkwxredpack',
    codes: payoutCodes,
    echo: [...redpackSendEcho, 'sender_name', 'sender_header_media_id'],
    handle: sendWorkwxRedpack,
  },
  { name: 'queryworkwxredpack', codes: payoutCodes, echo: redpackQueryEcho, handle: queryWorkwxRedpack },
  {
    name: 'promotion/paywwsptrans2pocket',
    codes: { ...payoutCodes, workwxSign: 'WORKWX_SIGN_ERROR' },
    echo: ['appid', 'mch_id', 'device_info'],
    handle: payWwspTrans2Pocket,
  },
  { name: 'query_coupon_stock', codes: couponCodes, echo: couponEcho, handle: queryCouponStock },
  // send_coupon documents a frequency code of its own.
  {
    name: 'send_coupon',
    codes: {
      ...couponCodes,
      frequency: 'FREQ_OVER_LIMIT',
      texts: { ...couponCodes.texts, FREQ_OVER_LIMIT: '超过发放频率限制，请稍后再试' },
    },
    echo: couponEcho,
    handle: sendCoupon,
    failureFields: (request, refusal) => sendCouponResult(request, '', refusal),
  },
  // querycouponsinfo's table writes "id" in lower case.
  {
    name: 'querycouponsinfo',
    codes: { ...couponCodes, texts: { ...couponCodes.texts, COUPON_STOCK_ID_EMPTY: '批次id为空' } },
    echo: couponEcho,
    handle: queryCouponsInfo,
  },
];

/** Every APIv2 endpoint the sandbox serves, by request path. */
const endpoints: ReadonlyMap<string, Endpoint> = new Map(
  specs.map((spec) => {
    const wire = v2Endpoint(spec.name);
    if (wire === undefined) throw new Error(`v2/endpoints.ts has no ${spec.name}`);
    return [`/mmpaymkttransfers/${spec.name}`, { ...spec, wire }];
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

  const certificateProblem = spec.wire.clientCert ? checkCertificate(call, mchid) : undefined;
  if (certificateProblem !== undefined) return communicationFailure('CA_ERROR', certificateProblem);

  const signProblem = checkSign(fields, merchant.config.apiv2Key);
  if (signProblem !== undefined) return communicationFailure('SIGN_ERROR', signProblem);

  if (spec.wire.workwxFields !== undefined) {
    const workwx = merchant.config.workwx;
    // Without WeCom payment enabled there is no secret to check workwx_sign against: the merchant may not call.
    if (workwx === undefined) {
      const noCompetence = refuseAt(spec, fields, 'NO_COMPETENCE', 'mch_id has no WeCom payment enabled');
      return processedReply(spec, fields, merchant, noCompetence);
    }
    const workwxProblem = checkWorkwxSign(fields, spec.wire.workwxFields, workwx.secret);
    if (workwxProblem !== undefined) {
      const code = spec.codes.workwxSign;
      return code === undefined
        ? communicationFailure('SIGN_ERROR', workwxProblem)
        : processedReply(spec, fields, merchant, refuseAt(spec, fields, code, workwxProblem));
    }
  }

  if (!ctx.faults.allow(mchid, merchant.rate_limit, Date.now())) {
    const tooMany = refuseAt(spec, fields, spec.codes.frequency, 'too many requests: slow down and retry later');
    return processedReply(spec, fields, merchant, tooMany);
  }

  const invalid = checkFields(spec, fields);
  if (invalid !== undefined) return processedReply(spec, fields, merchant, invalid);

  // Whatever sandbox time made due (red packets expiring and refunded, ...) happens before the handler reads.
  ctx.clock.due.settle();
  const outcome = spec.handle(ctx, { merchant, fields, now: ctx.clock.nowSeconds() });
  return processedReply(spec, fields, merchant, outcome);
}

/** A processed request's reply: the endpoint's echo of the request, the outcome, signed where the endpoint signs. */
function processedReply(
  spec: Endpoint,
  fields: Readonly<Record<string, string>>,
  merchant: MerchantRow,
  outcome: Outcome,
): SandboxReply {
  return businessReply(outcome, echoOf(spec, fields), spec.wire.signedReply ? merchant.config.apiv2Key : undefined);
}

/** What a processed reply of `spec` repeats from the request. */
function echoOf(spec: EndpointSpec, fields: Readonly<Record<string, string>>): ReplyFields {
  const echo: ReplyFields = {};
  // Empty request fields count as absent (as in a signature) and are not echoed.
  for (const name of spec.echo) if (fields[name] !== '') echo[name] = fields[name];
  return echo;
}

/**
 * The reply to an APIv2 call hit by an injected system error: the endpoint's own busy code, written the way its
 * family writes failures, with its echo and failure fields. Unsigned, like a failure before the business layer.
 */
export function injectedSystemErrorReply(call: SandboxCall): SandboxReply {
  const path = call.pathAndQuery.split('?', 1)[0] ?? '';
  const refusal = injectedSystemError(path);
  const spec = endpoints.get(path);
  if (spec === undefined) return businessReply(refuse(refusal), {}, undefined);
  const read = readFields(call.rawBody);
  const fields = typeof read === 'string' ? {} : read;
  return businessReply(refusalOf(spec, fields, refusal), echoOf(spec, fields), undefined);
}

/** No APIv2 request comes near this; the cap keeps a hostile body from costing a parse. */
const maxRequestBytes = 64 * 1024;

/** The request's fields, or why the body is not an APIv2 request document. */
function readFields(body: Buffer): Record<string, string> | string {
  if (body.length > maxRequestBytes) {
    return `request body is ${body.length} bytes, more than the ${maxRequestBytes}-byte limit`;
  }
  // What clients send, read in one pass; everything else goes through the SDK's strict parser.
  const flat = readFlatXml(body);
  if (flat !== undefined) return flat;
  let parsed: XmlObject;
  try {
    parsed = Transformer.toObject(body);
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
  if (!equalsInConstantTime(sign.toUpperCase(), signV2(fields, key, 'MD5'))) {
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
  if (!equalsInConstantTime(sign.toUpperCase(), signWorkwx(fields, subset, secret))) {
    return `workwx_sign: does not verify (MD5 with the WeCom payment secret over ${subset.join(', ')})`;
  }
  return undefined;
}

/** The endpoint's documented field rules, as a PARAM_ERROR naming field and rule (or a missing field's own code). */
function checkFields(spec: Endpoint, fields: Readonly<Record<string, string>>): Outcome | undefined {
  const broken = findBrokenRule(spec.wire.fields, spec.wire.crossRules, fields);
  if (broken === undefined) return undefined;
  const ownCode = broken.rule === 'required' ? spec.codes.missing?.[broken.field] : undefined;
  return refuseAt(spec, fields, ownCode ?? 'PARAM_ERROR', `${broken.field}: ${broken.rule}`);
}

/** A business failure the front door answers, written as the endpoint's family writes it. */
function refuseAt(spec: EndpointSpec, fields: Readonly<Record<string, string>>, code: string, detail: string): Outcome {
  return refusalOf(spec, fields, { code, officialText: spec.codes.texts[code], detail });
}

function refusalOf(spec: EndpointSpec, fields: Readonly<Record<string, string>>, refusal: Refusal): Outcome {
  return refuse(refusal, spec.failureFields?.(fields, refusal), spec.codes.style);
}
