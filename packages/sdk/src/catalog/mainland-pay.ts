// APIv3 mainland payments, direct mode (普通商户, host api.mch): create (JSAPI, Native, APP, H5), query and close an
// order. Shared shapes and rules: mainland-fields.ts; facts: docs/endpoints.md#apiv3-mainland-payments.
import {
  closeRules,
  createOrderRules,
  lookupRules,
  type MainlandOrderFields,
  type MainlandTransactionFields,
  type OrderKind,
  type WithScene,
} from './mainland-fields.js';
import { type CataloguedEndpoint, defineEndpoint } from './types.js';

/** The ids of a direct-mode order; the partner ids are `never`, so a mix of modes does not compile. */
export interface DirectOrderIds {
  appid: string;
  mchid: string;
  sp_appid?: never;
  sp_mchid?: never;
  sub_appid?: never;
  sub_mchid?: never;
}

export type MainlandJsapiOrderRequest = MainlandOrderFields &
  DirectOrderIds &
  WithScene<false> & {
    /** The payer's openid under `appid`. */
    payer: { openid: string };
  };
export type MainlandNativeOrderRequest = MainlandOrderFields & DirectOrderIds & WithScene<false>;
export type MainlandAppOrderRequest = MainlandOrderFields & DirectOrderIds & WithScene<false>;
export type MainlandH5OrderRequest = MainlandOrderFields & DirectOrderIds & WithScene<true>;

/** The query of the lookups: the merchant id and nothing else. */
export interface DirectModeQuery {
  mchid: string;
}

/** The body of a close: the merchant id; the order is in the path. */
export interface CloseMainlandOrderRequest {
  mchid: string;
}

/** A direct-mode order as the lookups return it, and the plaintext of its `TRANSACTION.SUCCESS` notification. */
export interface MainlandTransaction extends MainlandTransactionFields {
  /** The page marks it optional (选填). */
  appid?: string;
  mchid: string;
  payer?: { openid?: string };
}

function createOrder<K extends OrderKind>(kind: K): CataloguedEndpoint<`v3/pay/transactions/${K}`, 'post'> {
  return {
    path: `v3/pay/transactions/${kind}`,
    verb: 'post',
    host: 'mainland',
    idempotencyKey: 'out_trade_no',
    validate: createOrderRules('direct', kind),
  };
}

export const mainlandJsapiOrderEndpoint = createOrder('jsapi');
export const mainlandNativeOrderEndpoint = createOrder('native');
export const mainlandAppOrderEndpoint = createOrder('app');
export const mainlandH5OrderEndpoint = createOrder('h5');

export const mainlandOrderByIdEndpoint = defineEndpoint({
  path: 'v3/pay/transactions/id/{transaction_id}',
  verb: 'get',
  host: 'mainland',
  validate: lookupRules('direct', 'transaction_id'),
});

export const mainlandOrderByOutTradeNoEndpoint = defineEndpoint({
  path: 'v3/pay/transactions/out-trade-no/{out_trade_no}',
  verb: 'get',
  host: 'mainland',
  validate: lookupRules('direct', 'out_trade_no'),
});

export const mainlandCloseOrderEndpoint = defineEndpoint({
  path: 'v3/pay/transactions/out-trade-no/{out_trade_no}/close',
  verb: 'post',
  host: 'mainland',
  // Closing twice is harmless, so a resend for the same order number is a re-entry.
  idempotencyKey: 'out_trade_no',
  validate: closeRules('direct'),
});
