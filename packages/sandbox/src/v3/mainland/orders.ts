// Mainland APIv3 orders (direct `v3/pay/transactions/...` and partner `v3/pay/partner/transactions/...`): query by
// transaction_id or out_trade_no, and the order as the query returns it (also the plaintext of TRANSACTION.SUCCESS).
// Creating and closing are the global create and close for the mainland API (v3/orders.ts): same bodies, same rules.
import { formatRfc3339China } from '../../clock.js';
import type { JsonValue, OrderRow } from '../../store.js';
import { type Mode, modeIds, resolveMode } from '../auth.js';
import { findOrder, tradeStateDescriptions } from '../orders.js';
import { V3Error } from '../reply.js';
import type { V3Outcome, V3Request } from '../router.js';

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
function findMainlandOrder(
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
