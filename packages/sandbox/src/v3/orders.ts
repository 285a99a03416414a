// Global (cross-border) orders: create (idempotent on out_trade_no), query and close by id or out_trade_no, and the
// order object exactly as the query returns it (also the plaintext of TRANSACTION.SUCCESS).
import { randomInt } from 'node:crypto';
import { formatRfc3339China } from '../clock.js';
import type { SandboxContext } from '../context.js';
import { newWechatNumber } from '../ids.js';
import { requestHash } from '../request-hash.js';
import type { JsonValue, OrderRow, PayApi, TradeState, TradeType } from '../store.js';
import { createNonce } from '../wire/nonce.js';
import { type Mode, modeIds, modeWhere, resolveMode } from './auth.js';
import { numberReused, paramError, V3Error } from './reply.js';
import type { V3Outcome, V3Request } from './router.js';

export type CreatableTradeType = Exclude<TradeType, 'MICROPAY'>;

/** WeChat Pay's `trade_state_desc` for each state. */
export const tradeStateDescriptions: Readonly<Record<TradeState, string>> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '未支付',
  CLOSED: '已关闭',
  REVOKED: '已撤销',
  USERPAYING: '用户支付中',
  PAYERROR: '支付失败',
};

/** What the payer's wallet pays in: the sandbox's payers all hold mainland (CNY) wallets. */
export const payerCurrency = 'CNY';

/**
 * Fixed sandbox settlement rates, CNY per unit of the order currency x 10^8 (the API's integer form), and the
 * currency's minor-unit exponent. Rough real-world values, fixed so tests can predict `payer_total`.
 */
const settlementRates: Readonly<Record<string, { rate: number; exponent: number }>> = {
  CNY: { rate: 100_000_000, exponent: 2 },
  HKD: { rate: 92_000_000, exponent: 2 },
  USD: { rate: 720_000_000, exponent: 2 },
  EUR: { rate: 780_000_000, exponent: 2 },
  GBP: { rate: 910_000_000, exponent: 2 },
  SGD: { rate: 530_000_000, exponent: 2 },
  AUD: { rate: 470_000_000, exponent: 2 },
  CAD: { rate: 520_000_000, exponent: 2 },
  MOP: { rate: 89_000_000, exponent: 2 },
  JPY: { rate: 4_800_000, exponent: 0 },
  KRW: { rate: 520_000, exponent: 0 },
};

/** What a payment of `total` (smallest unit of `currency`) costs the payer, in fen, and the rate used. */
export function settle(currency: string, total: number): { payerTotal: number; rate: number } {
  const entry = settlementRates[currency];
  if (entry === undefined) throw new Error(`no sandbox settlement rate for ${currency}`);
  const payerTotal = Math.round((total * entry.rate * 10 ** (2 - entry.exponent)) / 100_000_000);
  return { payerTotal, rate: entry.rate };
}

/** A string field of a body the catalogue already checked (undefined when absent). */
export function textAt(source: unknown, ...path: string[]): string | undefined {
  const value = pathValue(source, path);
  return typeof value === 'string' ? value : undefined;
}

/** A number field of a body the catalogue already checked as a positive integer. */
export function integerAt(source: unknown, ...path: string[]): number {
  const value = pathValue(source, path);
  if (typeof value !== 'number') throw new Error(`${path.join('.')} was not checked`);
  return value;
}

function pathValue(source: unknown, path: readonly string[]): unknown {
  let node = source;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The order as the query returns it: mode ids first, optional fields only once they exist. */
export function transactionView(order: OrderRow): { [key: string]: JsonValue } {
  const view: { [key: string]: JsonValue } =
    order.sp_mchid === null
      ? { ...modeIds(order), appid: order.appid ?? '' }
      : {
          ...modeIds(order),
          sp_appid: order.sp_appid ?? '',
          ...(order.sub_appid === null ? {} : { sub_appid: order.sub_appid }),
        };
  view.id = order.id;
  view.out_trade_no = order.out_trade_no;
  view.trade_type = order.trade_type;
  view.trade_state = order.trade_state;
  view.trade_state_desc = order.trade_state_desc ?? tradeStateDescriptions[order.trade_state];
  if (order.attach !== null) view.attach = order.attach;
  if (order.bank_type !== null) view.bank_type = order.bank_type;
  if (order.success_time !== null) view.success_time = formatRfc3339China(order.success_time * 1000);
  view.payer = order.payer ?? {};
  const amount: { [key: string]: JsonValue } = { total: order.amount_total, currency: order.currency };
  if (order.payer_total !== null) amount.payer_total = order.payer_total;
  if (order.payer_currency !== null) amount.payer_currency = order.payer_currency;
  if (order.exchange_rate !== null) amount.exchange_rate = { type: 'SETTLEMENT_RATE', rate: order.exchange_rate };
  view.amount = amount;
  if (order.promotion_detail !== null) view.promotion_detail = order.promotion_detail;
  return view;
}

/** An order's key: WeChat's `id` or the merchant's `out_trade_no`, and the API it was made through when it matters. */
type OrderKey = ({ id: string } | { out_trade_no: string }) & { api?: PayApi };

/** The order of a mode by its key, or 404 ORDER_NOT_EXIST. */
export function findOrder(ctx: SandboxContext, mode: Mode, key: OrderKey): OrderRow {
  const order = ctx.store.orders.get({ ...modeWhere(mode), ...key });
  if (order === undefined) throw new V3Error(404, 'ORDER_NOT_EXIST', 'the order does not exist');
  return order;
}

/** Mainland merchants are paid in CNY only (docs/endpoints.md#apiv3-mainland-payments). */
const mainlandCurrency = 'CNY';

/** How each API refuses a resend: the mainland pages quote WeChat Pay's own Chinese messages. */
const reentryMessages: Readonly<Record<PayApi, { reused: string; paid: string; closed: string }>> = {
  global: {
    reused: 'out_trade_no already used with different parameters',
    paid: 'the order has been paid',
    closed: 'the order is closed',
  },
  mainland: { reused: '201 商户订单号重复', paid: '该订单已支付', closed: '订单已关闭' },
};

/**
 * `POST /v3/global/transactions/{native|jsapi|app|mweb}`, and with `api` 'mainland' the mainland
 * `v3/pay[/partner]/transactions/{jsapi|native|app|h5}` (CNY only; an H5 order is an MWEB order answering `h5_url`).
 */
export function createOrder(tradeType: CreatableTradeType, api: PayApi = 'global'): (request: V3Request) => V3Outcome {
  return ({ ctx, caller, json }) => {
    const mode = resolveMode(ctx, caller, json as Record<string, unknown>, 'body', 'present');
    if (api === 'global') checkSettlementCurrency(json);
    const outTradeNo = textAt(json, 'out_trade_no') ?? '';
    const hash = requestHash(json);
    return ctx.store.writeTransaction(() => {
      const existing = ctx.store.orders.get({ mchid: mode.merchant.mchid, out_trade_no: outTradeNo });
      if (existing !== undefined) return { status: 200, body: reenter(existing, hash, api) };
      const order = newOrder(ctx, mode, tradeType, json, hash, api);
      ctx.store.orders.insert(order);
      return { status: 200, body: createdReply(order) };
    });
  };
}

function checkSettlementCurrency(json: unknown): void {
  const currency = textAt(json, 'amount', 'currency') ?? '';
  if (settlementRates[currency] === undefined) {
    const supported = Object.keys(settlementRates).join('|');
    throw paramError(
      '/amount/currency',
      'body',
      `currency not supported by the sandbox (one of ${supported})`,
      currency,
    );
  }
}

/**
 * A resend with the same out_trade_no: the same answer for the same body to the same API; other fields under a used
 * number are refused (INVALID_REQUEST), and a paid or closed order says so.
 */
function reenter(order: OrderRow, hash: string, api: PayApi): object {
  const messages = reentryMessages[api];
  if (order.request_hash !== hash || order.api !== api) {
    throw numberReused('out_trade_no', order.out_trade_no, messages.reused);
  }
  if (order.trade_state === 'SUCCESS' || order.trade_state === 'REFUND') {
    throw new V3Error(400, 'ORDERPAID', messages.paid);
  }
  if (order.trade_state === 'CLOSED' || order.trade_state === 'REVOKED') {
    throw new V3Error(400, 'ORDER_CLOSED', messages.closed);
  }
  return createdReply(order);
}

function orderPaid(): V3Error {
  return new V3Error(400, 'ORDERPAID', reentryMessages.global.paid);
}

/** The create's reply: the link or prepay id of the trade type (the mainland API names the H5 link `h5_url`). */
function createdReply(order: Pick<OrderRow, 'trade_type' | 'prepay_id' | 'code_url' | 'mweb_url' | 'api'>): object {
  switch (order.trade_type) {
    case 'NATIVE':
      return { code_url: order.code_url };
    case 'MWEB':
      return order.api === 'mainland' ? { h5_url: order.mweb_url } : { mweb_url: order.mweb_url };
    default:
      return { prepay_id: order.prepay_id };
  }
}

function newOrder(
  ctx: SandboxContext,
  mode: Mode,
  tradeType: CreatableTradeType,
  json: unknown,
  hash: string,
  api: PayApi,
): OrderRow {
  const now = ctx.clock.nowSeconds();
  const institutional = mode.kind === 'institutional';
  const prepayId = newWechatNumber('prepay', now);
  const payer = jsapiPayer(json);
  return {
    ...modeWhere(mode),
    out_trade_no: textAt(json, 'out_trade_no') ?? '',
    id: newWechatNumber('order', now),
    sub_mchid: institutional ? mode.merchant.mchid : null,
    appid: institutional ? null : (textAt(json, 'appid') ?? null),
    sp_appid: institutional ? (textAt(json, 'sp_appid') ?? null) : null,
    sub_appid: institutional ? (textAt(json, 'sub_appid') ?? null) : null,
    trade_type: tradeType,
    trade_state: 'NOTPAY',
    trade_state_desc: tradeStateDescriptions.NOTPAY,
    description: textAt(json, 'description') ?? '',
    attach: textAt(json, 'attach') ?? null,
    notify_url: textAt(json, 'notify_url') ?? '',
    merchant_category_code: api === 'global' ? (textAt(json, 'merchant_category_code') ?? null) : null,
    amount_total: integerAt(json, 'amount', 'total'),
    currency: api === 'global' ? (textAt(json, 'amount', 'currency') ?? '') : mainlandCurrency,
    payer_total: null,
    payer_currency: null,
    exchange_rate: null,
    payer: tradeType === 'JSAPI' ? payer : null,
    bank_type: null,
    promotion_detail: null,
    prepay_id: prepayId,
    code_url: tradeType === 'NATIVE' ? `weixin://wxpay/bizpayurl?pr=${createNonce(9)}` : null,
    // The real H5 cashier page: the sandbox has none, so the URL only has the real shape.
    mweb_url:
      tradeType === 'MWEB'
        ? `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${prepayId}&package=${randomInt(1e9)}`
        : null,
    success_time: null,
    request_hash: hash,
    created_at: now,
    api,
  };
}

/** The openid a JSAPI order names (`openid`, `sp_openid` or `sub_openid`). */
function jsapiPayer(json: unknown): Record<string, string> {
  const payer: Record<string, string> = {};
  for (const key of ['openid', 'sp_openid', 'sub_openid']) {
    const value = textAt(json, 'payer', key);
    if (value !== undefined) payer[key] = value;
  }
  return payer;
}

/** `GET /v3/global/transactions/id/{id}`. */
export function queryOrderById({ ctx, caller, params, query }: V3Request): V3Outcome {
  const mode = resolveMode(ctx, caller, query, 'query', 'none');
  return { status: 200, body: transactionView(findOrder(ctx, mode, { id: params.id ?? '' })) };
}

/** `GET /v3/global/transactions/out-trade-no/{out_trade_no}`. */
export function queryOrderByOutTradeNo({ ctx, caller, params, query }: V3Request): V3Outcome {
  const mode = resolveMode(ctx, caller, query, 'query', 'none');
  return { status: 200, body: transactionView(findOrder(ctx, mode, { out_trade_no: params.out_trade_no ?? '' })) };
}

/**
 * `POST /v3/global/transactions/out-trade-no/{out_trade_no}/close`: an unpaid order becomes CLOSED (204). Closing a
 * closed order again is harmless and answers 204 too; a paid one cannot be closed (ORDERPAID).
 */
export function closeOrder(request: V3Request): V3Outcome {
  return close(request, { out_trade_no: request.params.out_trade_no ?? '', api: 'global' });
}

/** `POST /v3/global/transactions/id/{transaction_id}/close`: the same close, the order named by WeChat Pay's number. */
export function closeOrderById(request: V3Request): V3Outcome {
  return close(request, { id: request.params.transaction_id ?? '', api: 'global' });
}

/** `POST v3/pay[/partner]/transactions/out-trade-no/{out_trade_no}/close`: the same close, of a mainland order. */
export function closeMainlandOrder(request: V3Request): V3Outcome {
  return close(request, { out_trade_no: request.params.out_trade_no ?? '', api: 'mainland' });
}

function close({ ctx, caller, json }: V3Request, key: OrderKey): V3Outcome {
  const mode = resolveMode(ctx, caller, json as Record<string, unknown>, 'body', 'none');
  return ctx.store.writeTransaction(() => {
    const order = findOrder(ctx, mode, key);
    if (order.trade_state === 'SUCCESS' || order.trade_state === 'REFUND') throw orderPaid();
    if (order.trade_state !== 'CLOSED' && order.trade_state !== 'REVOKED') {
      ctx.store.orders.update(
        { mchid: order.mchid, out_trade_no: order.out_trade_no },
        { trade_state: 'CLOSED', trade_state_desc: tradeStateDescriptions.CLOSED },
      );
    }
    return { status: 204 };
  });
}
