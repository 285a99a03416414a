// What the sandbox's operator (admin API, CLI, tests) does in place of a payer: pay or fail an order, and list orders
// (due refunds complete through the clock's registry of due work). Failures are AdminErrors (no such order, wrong
// state, bad input).
import { invalidInput, invalidState, notFound } from '../admin-error.js';
import type { SandboxContext } from '../context.js';
import { newSandboxOpenid } from '../ids.js';
import type { JsonValue, OrderRow, TradeState } from '../store.js';
import { notifiedMchid } from './auth.js';
import { mainlandTransactionView } from './mainland/orders.js';
import { payerCurrency, settle, tradeStateDescriptions, transactionView } from './orders.js';

export interface PayOrderInput {
  /** The order's merchant (common mode), or either the institution or the sub-merchant (institutional mode). */
  mchid: string;
  outTradeNo?: string;
  /** WeChat's order number; either this or `outTradeNo`. */
  id?: string;
  /** The payer; defaults to the JSAPI order's payer, else a made-up openid. */
  openid?: string;
  /** SUCCESS (default) or PAYERROR (the payment failed: no notification, as WeChat sends none). */
  outcome?: 'SUCCESS' | 'PAYERROR';
}

/** The bank the sandbox's payers pay with (WeChat's code for the wallet balance). */
const sandboxBankType = 'CFT';

/**
 * The payer pays (or fails to pay) an unpaid order. SUCCESS fills success_time, payer, payer amount and exchange rate
 * and queues TRANSACTION.SUCCESS with the order exactly as the query returns it. Returns that order object.
 */
export function payOrder(ctx: SandboxContext, input: PayOrderInput): { [key: string]: JsonValue } {
  return ctx.store.writeTransaction(() => {
    const order = findPayable(ctx, input);
    const outcome = input.outcome ?? 'SUCCESS';
    const key = { mchid: order.mchid, out_trade_no: order.out_trade_no };
    if (outcome === 'PAYERROR') {
      ctx.store.orders.update(key, { trade_state: 'PAYERROR', trade_state_desc: tradeStateDescriptions.PAYERROR });
      return orderView({ ...order, trade_state: 'PAYERROR', trade_state_desc: tradeStateDescriptions.PAYERROR });
    }
    const { payerTotal, rate } = settle(order.currency, order.amount_total);
    const changes = {
      trade_state: 'SUCCESS',
      trade_state_desc: tradeStateDescriptions.SUCCESS,
      success_time: ctx.clock.nowSeconds(),
      payer: payerOf(order, input.openid),
      payer_total: payerTotal,
      payer_currency: payerCurrency,
      exchange_rate: rate,
      bank_type: sandboxBankType,
    } satisfies Partial<OrderRow>;
    ctx.store.orders.update(key, changes);
    const view = orderView({ ...order, ...changes });
    ctx.notify({
      mchid: notifiedMchid(order),
      url: order.notify_url,
      eventType: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: view,
      originalType: 'transaction',
    });
    return view;
  });
}

/** The order as its own API's query returns it (mainland orders name `transaction_id`, global ones `id`). */
function orderView(order: OrderRow): { [key: string]: JsonValue } {
  return order.api === 'mainland' ? mainlandTransactionView(order) : transactionView(order);
}

function findPayable(ctx: SandboxContext, input: PayOrderInput): OrderRow {
  const key = input.id !== undefined ? { id: input.id } : { out_trade_no: input.outTradeNo };
  if (key.id === undefined && key.out_trade_no === undefined) {
    throw invalidInput('name the order by id or outTradeNo');
  }
  const order =
    ctx.store.orders.get({ ...key, mchid: input.mchid }) ?? ctx.store.orders.get({ ...key, sp_mchid: input.mchid });
  if (order === undefined) throw notFound(`merchant ${input.mchid} has no such order`);
  if (order.trade_state !== 'NOTPAY' && order.trade_state !== 'USERPAYING') {
    throw invalidState(`the order is ${order.trade_state}, not awaiting payment`);
  }
  return order;
}

/** Who paid: the openid under the app the order was made for (`sub_openid` only exists under a `sub_appid`). */
function payerOf(order: OrderRow, openid: string | undefined): Record<string, string> {
  if (openid === undefined && order.payer !== null && Object.keys(order.payer).length > 0) return order.payer;
  const id = openid ?? newSandboxOpenid();
  if (order.sp_mchid === null) return { openid: id };
  return order.sub_appid === null ? { sp_openid: id } : { sub_openid: id };
}

export interface OrderFilter {
  /** The order's merchant, or the institution of institutional orders. */
  mchid?: string;
  tradeState?: TradeState;
  outTradeNo?: string;
  /** At most this many, newest first (default 100). */
  limit?: number;
}

/** Orders as the query returns them, newest first. */
export function listOrders(ctx: SandboxContext, filter: OrderFilter = {}): { [key: string]: JsonValue }[] {
  // A completed refund turns its order into REFUND: the list shows the state sandbox time has reached.
  ctx.clock.due.settle();
  const where = { trade_state: filter.tradeState, out_trade_no: filter.outTradeNo };
  const options = { orderBy: 'created_at' as const, descending: true, limit: filter.limit ?? 100 };
  const rows =
    filter.mchid === undefined
      ? ctx.store.orders.list(where, options)
      : [
          ...ctx.store.orders.list({ ...where, mchid: filter.mchid }, options),
          ...ctx.store.orders.list({ ...where, sp_mchid: filter.mchid }, options),
        ];
  // An institution's own common-mode orders and its sub-merchants' orders come from two lists: merge and dedupe.
  const unique = new Map(rows.map((row) => [row.id, row]));
  return [...unique.values()]
    .sort((a, b) => b.created_at - a.created_at)
    .slice(0, options.limit)
    .map(orderView);
}
