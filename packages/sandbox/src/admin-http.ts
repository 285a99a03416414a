// The control API over HTTP under `/_sandbox/`, on the sandbox's own port (JSON in, JSON out). Refusals answer with
// the AdminError's status: 404 no such thing, 409 wrong state, 400 bad input; anything else is a sandbox bug (500).

import type { SandboxAdmin } from './admin.js';
import { AdminError, invalidInput } from './admin-error.js';
import type { SandboxCall, SandboxReply } from './context.js';
import type { FaultSettings } from './faults.js';
import type { MerchantKind, SigningMode, TransferBillState } from './store.js';

/** Reads typed values from a JSON body or a query string, naming the field when one is missing or of the wrong type. */
class Input {
  constructor(private readonly values: Readonly<Record<string, unknown>>) {}

  text(name: string): string {
    const value = this.optionalText(name);
    if (value === undefined) throw invalidInput(`${name} is required`);
    return value;
  }

  optionalText(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw invalidInput(`${name} must be a string`);
    return value;
  }

  number(name: string): number {
    const value = this.optionalNumber(name);
    if (value === undefined) throw invalidInput(`${name} is required`);
    return value;
  }

  optionalNumber(name: string): number | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    const number = typeof value === 'string' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isFinite(number)) throw invalidInput(`${name} must be a number`);
    return number;
  }

  /** An object whose values all pass `isValue` (appids: strings; settings: numbers). */
  optionalRecord<T>(
    name: string,
    isValue: (value: unknown) => value is T,
    what: string,
  ): Record<string, T> | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (!isPlainObject(value) || !Object.values(value).every(isValue)) {
      throw invalidInput(`${name} must be an object of ${what}`);
    }
    return value as Record<string, T>;
  }

  /** The users of a new merchant: `[{ openid, appid?, name? }]`. */
  optionalUsers(name: string): { openid: string; appid?: string; name?: string }[] | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    const problem = `${name} must be a list of { openid, appid?, name? } with string values`;
    if (!Array.isArray(value)) throw invalidInput(problem);
    return value.map((entry: unknown) => {
      if (!isPlainObject(entry)) throw invalidInput(problem);
      const user = new Input(entry);
      return { openid: user.text('openid'), appid: user.optionalText('appid'), name: user.optionalText('name') };
    });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The transfer an action names: `mchid` and `out_bill_no` or `transfer_bill_no`. */
function transferKey(body: Input): { mchid: string; outBillNo?: string; transferBillNo?: string } {
  return {
    mchid: body.text('mchid'),
    outBillNo: body.optionalText('out_bill_no'),
    transferBillNo: body.optionalText('transfer_bill_no'),
  };
}

type Route = (admin: SandboxAdmin, body: Input, query: Input, raw: Record<string, unknown>) => unknown;

const routes: Record<string, Route> = {
  'GET /_sandbox/redpacks': (admin, _, query) =>
    admin.redpacks({
      mchid: query.optionalText('mchid'),
      status: query.optionalText('status'),
      kind: query.optionalText('kind'),
    }),
  'GET /_sandbox/pocket-payments': (admin, _, query) => admin.pocketPayments({ mchid: query.optionalText('mchid') }),
  'GET /_sandbox/coupons': (admin, _, query) =>
    admin.coupons({ mchid: query.optionalText('mchid'), openid: query.optionalText('openid') }),
  'POST /_sandbox/redpacks/open': (admin, body) =>
    admin.openRedpack({ mchid: body.text('mchid'), mch_billno: body.text('mch_billno') }),
  'GET /_sandbox/orders': (admin, _, query) =>
    admin.orders({ mchid: query.optionalText('mchid'), outTradeNo: query.optionalText('out_trade_no') }),
  'POST /_sandbox/orders/pay': (admin, body) => {
    const outcome = body.optionalText('outcome');
    if (outcome !== undefined && outcome !== 'SUCCESS' && outcome !== 'PAYERROR') {
      throw invalidInput('outcome must be SUCCESS or PAYERROR');
    }
    return admin.payOrder({
      mchid: body.text('mchid'),
      outTradeNo: body.optionalText('out_trade_no') ?? body.optionalText('outTradeNo'),
      id: body.optionalText('id'),
      openid: body.optionalText('openid'),
      outcome,
    });
  },
  'GET /_sandbox/transfers': (admin, _, query) =>
    admin.transfers({
      mchid: query.optionalText('mchid'),
      state: query.optionalText('state') as TransferBillState | undefined,
      outBillNo: query.optionalText('out_bill_no'),
    }),
  'POST /_sandbox/transfers/confirm': (admin, body) => admin.confirmTransfer(transferKey(body)),
  'POST /_sandbox/transfers/fail': (admin, body) =>
    admin.failTransfer({ ...transferKey(body), reason: body.optionalText('reason') }),
  'POST /_sandbox/refunds/fail': (admin, body) =>
    admin.failRefund({
      mchid: body.text('mchid'),
      outRefundNo: body.optionalText('out_refund_no') ?? body.text('outRefundNo'),
    }),
  'GET /_sandbox/clock': (admin) => admin.clock(),
  'POST /_sandbox/clock/advance': (admin, body) =>
    admin.advanceClock((body.optionalNumber('ms') ?? 0) + (body.optionalNumber('seconds') ?? 0) * 1000),
  'POST /_sandbox/merchants': (admin, body) =>
    admin.createMerchant({
      mchid: body.text('mchid'),
      // createMerchant refuses any other kind or mode with a message listing the allowed ones.
      kind: body.optionalText('kind') as MerchantKind | undefined,
      parentMchid: body.optionalText('parentMchid'),
      name: body.optionalText('name'),
      workwxCorpid: body.optionalText('workwxCorpid'),
      signingMode: body.optionalText('signingMode') as SigningMode | undefined,
      balance: body.optionalNumber('balance'),
      rateLimit: body.optionalNumber('rateLimit'),
      appids: body.optionalRecord('appids', isString, 'strings'),
      settings: body.optionalRecord('settings', isNumber, 'numbers'),
      users: body.optionalUsers('users'),
    }),
  'GET /_sandbox/merchants/balance': (admin, _, query) => admin.balance(query.text('mchid')),
  'GET /_sandbox/ledger': (admin, _, query) =>
    admin.ledger({ mchid: query.optionalText('mchid'), limit: query.optionalNumber('limit') }),
  'POST /_sandbox/merchants/topup': (admin, body) => admin.topUp(body.text('mchid'), body.number('amount')),
  'GET /_sandbox/coupon-stocks': (admin) => admin.couponStocks(),
  'POST /_sandbox/coupon-stocks': (admin, body) =>
    admin.createCouponStock({
      mchid: body.text('mchid'),
      coupon_stock_id: body.optionalText('coupon_stock_id'),
      name: body.optionalText('name'),
      value: body.number('value'),
      total: body.number('total'),
      minimum: body.optionalNumber('minimum'),
      max_quota: body.optionalNumber('max_quota'),
    }),
  'GET /_sandbox/faults': (admin) => admin.faults(),
  'POST /_sandbox/faults': (admin, body, _, raw) => {
    const changes: Partial<FaultSettings> = {};
    for (const name of ['systemErrorRate', 'dropReplyRate', 'delayRate', 'delayMs'] as const) {
      const value = body.optionalNumber(name);
      if (value !== undefined) changes[name] = value;
    }
    // JSON has no undefined: `null` (or 0) clears the rate limit override.
    if ('rateLimitPerSecond' in raw)
      changes.rateLimitPerSecond = body.optionalNumber('rateLimitPerSecond') || undefined;
    return admin.setFaults(changes);
  },
  'POST /_sandbox/faults/reset': (admin) => admin.resetFaults(),
  'GET /_sandbox/notifications': (admin, _, query) => admin.notifications({ mchid: query.optionalText('mchid') }),
  'POST /_sandbox/notifications/deliver': (admin, body) => admin.deliverNotification(body.text('id')),
  'GET /_sandbox/merchants': (admin) => admin.merchants(),
  'GET /_sandbox/refunds': (admin, _, query) => admin.refunds({ mchid: query.optionalText('mchid') }),
  'GET /_sandbox/orders/code-urls': (admin) => admin.codeUrls(),
  'GET /_sandbox/orders/by-code-url': (admin, _, query) => admin.orderByCodeUrl(query.text('code_url')),
};

export async function handleAdminHttp(admin: SandboxAdmin, call: SandboxCall): Promise<SandboxReply> {
  const url = new URL(call.pathAndQuery, 'https://sandbox.invalid');
  const route = routes[`${call.method} ${url.pathname}`];
  if (!route) return json(404, { code: 'NOT_FOUND', message: `no admin route ${call.method} ${url.pathname}` });
  let raw: Record<string, unknown> = {};
  if (call.rawBody.length > 0) {
    try {
      const parsed: unknown = JSON.parse(call.rawBody.toString('utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      raw = parsed as Record<string, unknown>;
    } catch {
      return json(400, { code: 'PARAM_ERROR', message: 'the body must be a JSON object' });
    }
  }
  try {
    const query = new Input(Object.fromEntries(url.searchParams));
    return json(200, (await route(admin, new Input(raw), query, raw)) ?? { ok: true });
  } catch (error) {
    if (error instanceof AdminError) return json(error.status, { code: error.code, message: error.message });
    // Not a refusal the admin foresaw: a bug, answered as one rather than blamed on the caller.
    return json(500, { code: 'SANDBOX_ERROR', message: error instanceof Error ? error.message : String(error) });
  }
}

function json(status: number, value: unknown): SandboxReply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(value) };
}
