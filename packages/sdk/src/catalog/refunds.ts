// APIv3 mainland refunds (境内退款, host api.mch), both merchant modes: request a refund, query one by the merchant's
// refund number. Facts: docs/endpoints.md#apiv3-mainland-refunds.
import type { RefundTarget } from './global.js';
import { bodyScope, type CodeLimits, jsonRuleText, paramsScope, queryScope } from './json-rules.js';
import { ID_MAX } from './mainland-fields.js';
import { defineEndpoint, type V3CallParts } from './types.js';

/** `out_refund_no`: 1..64 of digits, letters and `_-|*@`; the same number never refunds twice. */
const OUT_REFUND_NO: CodeLimits = { min: 1, max: 64, charset: '[0-9A-Za-z_|*@-]' };

export type RefundFundsAccount = 'AVAILABLE' | 'UNAVAILABLE';

export interface DomesticRefundAmount {
  /** Integer fen, 1..`total`. */
  refund: number;
  /** The order's total, in fen. */
  total: number;
  currency: 'CNY';
  /** Which accounts pay the refund, when it must come from given ones. */
  from?: Array<{ account: RefundFundsAccount; amount: number }>;
}

export interface RefundGoods {
  merchant_goods_id: string;
  wechatpay_goods_id?: string;
  goods_name?: string;
  unit_price: number;
  refund_amount: number;
  refund_quantity: number;
}

/** A refund request; partner mode adds `sub_mchid`. The order is named by exactly one of its two numbers. */
export type DomesticRefundRequest = RefundTarget & {
  /** The sub-merchant (partner mode only). */
  sub_mchid?: string;
  /** The idempotency key: resend the same number with the same fields, never a new one. */
  out_refund_no: string;
  /** At most 80 bytes (UTF-8), shown to the payer. */
  reason?: string;
  notify_url?: string;
  /** `AVAILABLE`: pay from the available balance (old fund-flow merchants); `UNSETTLED`: deposits. */
  funds_account?: 'AVAILABLE' | 'UNSETTLED';
  amount: DomesticRefundAmount;
  goods_detail?: RefundGoods[];
};

export type DomesticRefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

export type DomesticRefundChannel = 'ORIGINAL' | 'BALANCE' | 'OTHER_BALANCE' | 'OTHER_BANKCARD';

/** A refund as the request and the query return it. */
export interface DomesticRefund {
  /** WeChat Pay's refund number. */
  refund_id: string;
  out_refund_no: string;
  transaction_id: string;
  out_trade_no: string;
  channel: DomesticRefundChannel;
  /** Where the money went, e.g. `支付用户零钱`. */
  user_received_account: string;
  /** RFC 3339; once `SUCCESS`. */
  success_time?: string;
  create_time: string;
  status: DomesticRefundStatus;
  funds_account?: string;
  amount: {
    total: number;
    refund: number;
    from?: Array<{ account: RefundFundsAccount; amount: number }>;
    payer_total: number;
    payer_refund: number;
    settlement_refund: number;
    settlement_total: number;
    discount_refund: number;
    currency: string;
    refund_fee?: number;
  };
  promotion_detail?: Array<{
    promotion_id: string;
    scope: 'GLOBAL' | 'SINGLE';
    type: 'COUPON' | 'DISCOUNT';
    amount: number;
    refund_amount: number;
    goods_detail?: RefundGoods[];
  }>;
}

/** The query of a refund lookup: partner mode names the sub-merchant. */
export interface DomesticRefundQuery {
  sub_mchid?: string;
}

function createRefundRules({ json }: V3CallParts): void {
  const body = bodyScope(json);
  body.optionalText('sub_mchid', ID_MAX);
  body.exactlyOne('out_trade_no', 'transaction_id', ID_MAX);
  body.code('out_refund_no', OUT_REFUND_NO);
  body.optionalBytes('reason', 80);
  body.notifyUrl('notify_url', true);
  body.optionalOneOf('funds_account', ['AVAILABLE', 'UNSETTLED']);
  const amount = body.object('amount');
  const refund = amount.amount('refund');
  const total = amount.amount('total');
  if (refund > total) throw amount.error('refund', jsonRuleText.notAbove(amount.name('total')));
  amount.oneOf('currency', ['CNY']);
  for (const source of amount.optionalObjects('from') ?? []) {
    source.oneOf('account', ['AVAILABLE', 'UNAVAILABLE']);
    source.amount('amount');
  }
  for (const goods of body.optionalObjects('goods_detail') ?? []) {
    goods.text('merchant_goods_id', 32);
    goods.amount('refund_quantity');
  }
}

function queryRefundRules(parts: V3CallParts): void {
  paramsScope(parts).code('out_refund_no', OUT_REFUND_NO);
  queryScope(parts).optionalText('sub_mchid', ID_MAX);
}

export const domesticRefundEndpoint = defineEndpoint({
  path: 'v3/refund/domestic/refunds',
  verb: 'post',
  host: 'mainland',
  idempotencyKey: 'out_refund_no',
  validate: createRefundRules,
});

export const domesticRefundQueryEndpoint = defineEndpoint({
  path: 'v3/refund/domestic/refunds/{out_refund_no}',
  verb: 'get',
  host: 'mainland',
  validate: queryRefundRules,
});
