// Mainland APIv3 orders (direct `v3/pay/transactions/...` and partner `v3/pay/partner/transactions/...`): create
// (idempotent on out_trade_no), query by transaction_id or out_trade_no, and the order as the query returns it (also
// the plaintext of TRANSACTION.SUCCESS). Closing is the global close: same bodies, same rules.
import { formatRfc3339China } from '../../clock.js';
import { newWechatNumber } from '../../ids.js';
import { requestHash } from '../../request-hash.js';
import type { JsonValue, OrderRow } from '../../store.js';
import { createNonce } from '../../wire/nonce.js';
import { type Mode, modeIds, modeWhere, resolveMode } from '../auth.js';
import { type CreatableTradeType, findOrder, integerAt, textAt, tradeStateDescriptions } from '../orders.js';
import { V3Error } from '../reply.js';
import type { V3Outcome, V3Request } from '../router.js';

/** Mainland merchants are paid in CNY only (docs/endpoints.md#apiv3-mainland-payments). */
const mainlandCurrency = 'CNY';

/** The order as the mainland query returns it: mode and app ids first, `transaction_id` only once it was paid. */
export function mainlandTransactionView(order: OrderRow): { [key: string]: JsonValue } {
  const view: { [key: string]: JsonValue } =
    order.sp_mchid === null
      ? { appid: order.appid ?? '', mchid: order.mchid }
      : {
          sp_appid: order.sp_appid ?? '',
          ...modeIds(order),
          ...(order.sub_appid === null ? {} : { sub_appid: order.sub_appid }),
        };
  view.out_trade_no = order.out_trade_no;
  if (order.success_time !== null) view.transaction_id = order.id;
  view.trade_type = order.trade_type;
  view.trade_state = order.trade_state;
  view.trade_state_desc = order.trade_state_desc ?? tradeStateDescriptions[order.trade_state];
  if (order.bank_type !== null) view.bank_type = order.bank_type;
  if (order.attach !== null) view.attach = order.attach;
  if (order.success_time !== null) view.success_time = formatRfc3339China(order.success_time * 1000);
  view.payer = order.payer ?? {};
  const amount: { [key: string]: JsonValue } = { total: order.amount_total };
  if (order.payer_total !== null) amount.payer_total = order.payer_total;
  amount.currency = order.currency;
  if (order.payer_currency !== null) amount.payer_currency = order.payer_currency;
  view.amount = amount;
  if (order.promotion_detail !== null) view.promotion_detail = order.promotion_detail;
  return view;
}

/** `POST v3/pay[/partner]/transactions/{jsapi|native|app|h5}`: H5 orders are `MWEB` orders, as the query says. */
export function createMainlandOrder(tradeType: CreatableTradeType): (request: V3Request) => V3Outcome {
  return ({ ctx, caller, json }) => {
    const mode = resolveMode(ctx, caller, json as Record<string, unknown>, 'body', 'present');
    const outTradeNo = textAt(json, 'out_trade_no') ?? '';
    const hash = requestHash(json);
    return ctx.store.writeTransaction(() => {
      const existing = ctx.store.orders.get({ mchid: mode.merchant.mchid, out_trade_no: outTradeNo });
      if (existing !== undefined) return { status: 200, body: reenter(existing, hash) };
      const order = newMainlandOrder(ctx.clock.nowSeconds(), mode, tradeType, json, hash);
      ctx.store.orders.insert(order);
      return { status: 200, body: createdReply(order) };
    });
  };
}

/**
 * A resend with the same out_trade_no: the same answer for the same body. Other fields under a used number are
 * refused the way WeChat Pay refuses them (INVALID_REQUEST, "201 商户订单号重复"); a paid or closed order says so.
 */
function reenter(order: OrderRow, hash: string): object {
  if (order.request_hash !== hash || order.api !== 'mainland') {
    throw new V3Error(400, 'INVALID_REQUEST', '201 商户订单号重复', {
      field: '/out_trade_no',
      value: order.out_trade_no,
      issue: 'out_trade_no already used with different parameters',
      location: 'body',
    });
  }
  if (order.trade_state === 'SUCCESS' || order.trade_state === 'REFUND') {
    throw new V3Error(400, 'ORDERPAID', '该订单已支付');
  }
  if (order.trade_state === 'CLOSED' || order.trade_state === 'REVOKED') {
    throw new V3Error(400, 'ORDER_CLOSED', '订单已关闭');
  }
  return createdReply(order);
}

function createdReply(order: Pick<OrderRow, 'trade_type' | 'prepay_id' | 'code_url' | 'mweb_url'>): object {
  switch (order.trade_type) {
    case 'NATIVE':
      return { code_url: order.code_url };
    case 'MWEB':
      return { h5_url: order.mweb_url };
    default:
      return { prepay_id: order.prepay_id };
  }
}

function newMainlandOrder(
  now: number,
  mode: Mode,
  tradeType: CreatableTradeType,
  json: unknown,
  hash: string,
): OrderRow {
  const partner = mode.kind === 'institutional';
  const prepayId = newWechatNumber('prepay', now);
  const payer: Record<string, string> = {};
  for (const key of ['openid', 'sp_openid', 'sub_openid']) {
    const value = textAt(json, 'payer', key);
    if (value !== undefined) payer[key] = value;
  }
  return {
    ...modeWhere(mode),
    out_trade_no: textAt(json, 'out_trade_no') ?? '',
    id: newWechatNumber('order', now),
    sub_mchid: partner ? mode.merchant.mchid : null,
    appid: partner ? null : (textAt(json, 'appid') ?? null),
    sp_appid: partner ? (textAt(json, 'sp_appid') ?? null) : null,
    sub_appid: partner ? (textAt(json, 'sub_appid') ?? null) : null,
    trade_type: tradeType,
    trade_state: 'NOTPAY',
    trade_state_desc: tradeStateDescriptions.NOTPAY,
    description: textAt(json, 'description') ?? '',
    attach: textAt(json, 'attach') ?? null,
    notify_url: textAt(json, 'notify_url') ?? '',
    merchant_category_code: null,
    amount_total: integerAt(json, 'amount', 'total'),
    currency: mainlandCurrency,
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
        ? `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${prepayId}&package=${createNonce(10)}`
        : null,
    success_time: null,
    request_hash: hash,
    created_at: now,
    api: 'mainland',
  };
}

/** `GET v3/pay[/partner]/transactions/id/{transaction_id}`: only a paid order has a transaction_id to find it by. */
export function queryMainlandOrderById({ ctx, caller, params, query }: V3Request): V3Outcome {
  const mode = resolveMode(ctx, caller, query, 'query', 'none');
  const order = findMainlandOrder(ctx, mode, { id: params.transaction_id ?? '' });
  if (order.success_time === null) throw orderNotExist();
  return { status: 200, body: mainlandTransactionView(order) };
}

/** `GET v3/pay[/partner]/transactions/out-trade-no/{out_trade_no}`. */
export function queryMainlandOrderByOutTradeNo({ ctx, caller, params, query }: V3Request): V3Outcome {
  const mode = resolveMode(ctx, caller, query, 'query', 'none');
  const order = findMainlandOrder(ctx, mode, { out_trade_no: params.out_trade_no ?? '' });
  return { status: 200, body: mainlandTransactionView(order) };
}

/** A mainland order of the mode, or 404 ORDER_NOT_EXIST (a global order of the same merchant is not one). */
export function findMainlandOrder(
  ctx: V3Request['ctx'],
  mode: Mode,
  key: { id: string } | { out_trade_no: string },
): OrderRow {
  const order = findOrder(ctx, mode, key);
  if (order.api !== 'mainland') throw orderNotExist();
  return order;
}

function orderNotExist(): V3Error {
  return new V3Error(404, 'ORDER_NOT_EXIST', '订单不存在');
}
