// The sandbox's APIv3 entry point: authenticate, rate limit, route by path, check fields with the sandbox's own rules,
// run the handler, and render every outcome (errors included) as a signed JSON reply. Injected faults (SYSTEM_ERROR,
// delays, dropped replies) belong to the server, which applies them to v2 and v3 alike.
import { ValidationError } from 'wxpay';
import type { SandboxCall, SandboxContext, SandboxReply } from '../context.js';
import { newRequestId } from '../ids.js';
import type { JsonValue, MerchantRow } from '../store.js';
import { authenticate } from './auth.js';
import { downloadCertificates } from './certificates.js';
import { checkV3Request, type HttpVerb } from './checks.js';
import { applyFundFlowBill, applyTradeBill, downloadBillFile } from './mainland/bills.js';
import { queryMainlandOrderById, queryMainlandOrderByOutTradeNo } from './mainland/orders.js';
import { createMainlandRefund, queryMainlandRefund } from './mainland/refunds.js';
import {
  cancelTransferBill,
  createTransferBill,
  queryTransferBillByNo,
  queryTransferBillByOutBillNo,
} from './mainland/transfers.js';
import {
  closeMainlandOrder,
  closeOrder,
  closeOrderById,
  createOrder,
  queryOrderById,
  queryOrderByOutTradeNo,
} from './orders.js';
import { createRefund, listRefunds, queryRefund, queryRefundById } from './refunds.js';
import { type ParamLocation, paramError, renderReply, V3Error } from './reply.js';

/** A request as a handler sees it: authenticated, routed, parsed and checked against the catalogue. */
export interface V3Request {
  ctx: SandboxContext;
  /** The merchant that signed the request (the institution in institutional mode). */
  caller: MerchantRow;
  /** Path parameters, percent-decoded. */
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  /** The parsed JSON body (undefined for GET). */
  json: unknown;
  /** The request headers, names in lower case (`wechatpay-serial` names the key of encrypted fields). */
  headers?: Readonly<Record<string, string>>;
}

/** What a handler answers: a status and a JSON body (none for 204). */
export interface V3Outcome {
  status: number;
  body?: object;
  /** Sign with the platform certificate whatever the merchant's mode (the certificate download). */
  platform?: boolean;
  /** A file sent as it is, unsigned, instead of a JSON body (a bill download: WeChat Pay signs none). */
  file?: Buffer;
}

type Handler = (request: V3Request) => V3Outcome;

interface Route {
  verb: HttpVerb;
  /** The catalogue's path template, so its field rules apply unchanged. */
  template: string;
  handle: Handler;
}

const routes: readonly Route[] = [
  { verb: 'post', template: 'v3/global/transactions/native', handle: createOrder('NATIVE') },
  { verb: 'post', template: 'v3/global/transactions/jsapi', handle: createOrder('JSAPI') },
  { verb: 'post', template: 'v3/global/transactions/app', handle: createOrder('APP') },
  { verb: 'post', template: 'v3/global/transactions/mweb', handle: createOrder('MWEB') },
  { verb: 'get', template: 'v3/global/transactions/id/{id}', handle: queryOrderById },
  { verb: 'get', template: 'v3/global/transactions/out-trade-no/{out_trade_no}', handle: queryOrderByOutTradeNo },
  { verb: 'post', template: 'v3/global/transactions/out-trade-no/{out_trade_no}/close', handle: closeOrder },
  { verb: 'post', template: 'v3/global/transactions/id/{transaction_id}/close', handle: closeOrderById },
  { verb: 'post', template: 'v3/global/refunds', handle: createRefund },
  { verb: 'get', template: 'v3/global/refunds', handle: listRefunds },
  { verb: 'get', template: 'v3/global/refunds/out-refund-no/{out_refund_no}', handle: queryRefund },
  { verb: 'get', template: 'v3/global/refunds/id/{refund_id}', handle: queryRefundById },
  { verb: 'post', template: 'v3/fund-app/mch-transfer/transfer-bills', handle: createTransferBill },
  {
    verb: 'get',
    template: 'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}',
    handle: queryTransferBillByOutBillNo,
  },
  {
    verb: 'get',
    template: 'v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}',
    handle: queryTransferBillByNo,
  },
  {
    verb: 'post',
    template: 'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel',
    handle: cancelTransferBill,
  },
  { verb: 'post', template: 'v3/pay/transactions/jsapi', handle: createOrder('JSAPI', 'mainland') },
  { verb: 'post', template: 'v3/pay/transactions/native', handle: createOrder('NATIVE', 'mainland') },
  { verb: 'post', template: 'v3/pay/transactions/app', handle: createOrder('APP', 'mainland') },
  { verb: 'post', template: 'v3/pay/transactions/h5', handle: createOrder('MWEB', 'mainland') },
  { verb: 'get', template: 'v3/pay/transactions/id/{transaction_id}', handle: queryMainlandOrderById },
  { verb: 'get', template: 'v3/pay/transactions/out-trade-no/{out_trade_no}', handle: queryMainlandOrderByOutTradeNo },
  { verb: 'post', template: 'v3/pay/transactions/out-trade-no/{out_trade_no}/close', handle: closeMainlandOrder },
  { verb: 'post', template: 'v3/pay/partner/transactions/jsapi', handle: createOrder('JSAPI', 'mainland') },
  { verb: 'post', template: 'v3/pay/partner/transactions/native', handle: createOrder('NATIVE', 'mainland') },
  { verb: 'post', template: 'v3/pay/partner/transactions/app', handle: createOrder('APP', 'mainland') },
  { verb: 'post', template: 'v3/pay/partner/transactions/h5', handle: createOrder('MWEB', 'mainland') },
  { verb: 'get', template: 'v3/pay/partner/transactions/id/{transaction_id}', handle: queryMainlandOrderById },
  {
    verb: 'get',
    template: 'v3/pay/partner/transactions/out-trade-no/{out_trade_no}',
    handle: queryMainlandOrderByOutTradeNo,
  },
  {
    verb: 'post',
    template: 'v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close',
    handle: closeMainlandOrder,
  },
  { verb: 'post', template: 'v3/refund/domestic/refunds', handle: createMainlandRefund },
  { verb: 'get', template: 'v3/refund/domestic/refunds/{out_refund_no}', handle: queryMainlandRefund },
  { verb: 'get', template: 'v3/bill/tradebill', handle: applyTradeBill },
  { verb: 'get', template: 'v3/bill/fundflowbill', handle: applyFundFlowBill },
  { verb: 'get', template: 'v3/billdownload/file', handle: downloadBillFile },
  { verb: 'get', template: 'v3/global/certificates', handle: downloadCertificates },
  { verb: 'get', template: 'v3/certificates', handle: downloadCertificates },
];

/** Handles one APIv3 call. Never throws: every failure becomes a `{code, message, detail?}` reply. */
export function handleV3(ctx: SandboxContext, call: SandboxCall): SandboxReply {
  const requestedSerial = call.headers['wechatpay-serial'];
  const auth = authenticate(ctx, call);
  if (!auth.ok) return renderError(ctx, auth.error, auth.merchant, requestedSerial);
  const caller = auth.merchant;
  try {
    if (!ctx.faults.allow(caller.mchid, caller.rate_limit, Date.now())) throw rateLimited(call.pathAndQuery);
    // Whatever sandbox time made due (refunds completing, ...) happens before anything reads, so every query sees the
    // state time has reached.
    ctx.clock.due.settle();
    const outcome = dispatch(ctx, caller, call);
    if (outcome.file !== undefined) {
      const headers = { 'Request-ID': newRequestId(), 'Content-Type': 'application/octet-stream' };
      return { status: outcome.status, headers, body: '', bytes: outcome.file };
    }
    return renderReply(ctx, { ...outcome, merchant: caller, requestedSerial });
  } catch (error) {
    if (error instanceof V3Error) return renderError(ctx, error, caller, requestedSerial);
    // A bug must still answer like WeChat Pay does (and stay signed), not tear down the connection.
    const message = error instanceof Error ? error.message : String(error);
    return renderError(ctx, new V3Error(500, 'SYSTEM_ERROR', `sandbox error: ${message}`), caller, requestedSerial);
  }
}

/**
 * The 429 of the API family the path belongs to: the global API answers RATELIMIT_EXCEEDED, the mainland payments,
 * refunds, bills and transfers FREQUENCY_LIMITED (docs/endpoints.md, the error tables of each).
 */
function rateLimited(pathAndQuery: string): V3Error {
  const code = pathAndQuery.startsWith('/v3/global/') ? 'RATELIMIT_EXCEEDED' : 'FREQUENCY_LIMITED';
  return new V3Error(429, code, 'too many requests, slow down');
}

function renderError(
  ctx: SandboxContext,
  error: V3Error,
  merchant: MerchantRow | undefined,
  requestedSerial: string | undefined,
): SandboxReply {
  return renderReply(ctx, { status: error.status, body: error.toJSON(), merchant, requestedSerial });
}

function dispatch(ctx: SandboxContext, caller: MerchantRow, call: SandboxCall): V3Outcome {
  const [rawPath = '', rawQuery = ''] = splitOnce(call.pathAndQuery, '?');
  const verb = call.method.toLowerCase();
  const segments = rawPath.replace(/^\//, '').split('/');
  for (const route of routes) {
    if (route.verb !== verb) continue;
    const params = matchTemplate(route.template, segments);
    if (params === undefined) continue;
    const query = parseQuery(rawQuery);
    const json = verb === 'get' ? undefined : parseBody(call.rawBody);
    checkFields(route, params, query, json);
    return route.handle({ ctx, caller, params, query, json, headers: call.headers });
  }
  throw new V3Error(404, 'NOT_FOUND', `no API ${call.method} ${rawPath}`);
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

/** Path parameters when the segments fit the template, else undefined. */
function matchTemplate(template: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = template.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? '';
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (part !== segment) return undefined;
      continue;
    }
    try {
      params[name] = decodeURIComponent(segment);
    } catch {
      throw paramError(name, 'path', 'not valid percent-encoding', segment);
    }
  }
  return params;
}

function parseQuery(rawQuery: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    // Two values for one id would let the lookup and the authority check read different ones.
    if (Object.hasOwn(query, name)) throw paramError(name, 'query', 'given more than once', value);
    query[name] = value;
  }
  return query;
}

function parseBody(rawBody: Buffer): unknown {
  if (rawBody.length === 0) return undefined;
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new V3Error(400, 'PARAM_ERROR', 'the request body is not valid JSON', {
      location: 'body',
      issue: 'invalid JSON',
    });
  }
}

/**
 * Applies the route's field rules (v3/checks.ts, the sandbox's own, not the SDK's) and turns their ValidationError
 * (`/amount/total`, `query.mchid`, `out_trade_no`) into WeChat Pay's PARAM_ERROR detail.
 */
function checkFields(route: Route, params: Record<string, string>, query: Record<string, string>, json: unknown): void {
  try {
    checkV3Request(route.template, route.verb, { params, query, json });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw describeInvalidField(error, params, query, json);
  }
}

function describeInvalidField(
  error: ValidationError,
  params: Record<string, string>,
  query: Record<string, string>,
  json: unknown,
): V3Error {
  let location: ParamLocation;
  let field: string;
  let value: JsonValue | undefined;
  if (error.field === 'json' || error.field.startsWith('/')) {
    location = 'body';
    field = error.field === 'json' ? '/' : error.field;
    value = valueAt(json, field);
  } else if (error.field.startsWith('query.')) {
    location = 'query';
    field = error.field.slice('query.'.length);
    value = Object.hasOwn(query, field) ? query[field] : undefined;
  } else {
    location = 'path';
    field = error.field;
    value = Object.hasOwn(params, field) ? params[field] : undefined;
  }
  return paramError(field, location, error.rule, value);
}

/** The value a JSON pointer names (undefined when absent). */
function valueAt(json: unknown, pointer: string): JsonValue | undefined {
  let node: unknown = json;
  for (const key of pointer.split('/').slice(1)) {
    if (key === '') continue;
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node as JsonValue | undefined;
}
