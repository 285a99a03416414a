// APIv3 mainland payments, partner mode (服务商, host api.mch): a service provider creates, queries and closes orders
// for its sub-merchant. Shared shapes and rules: mainland-fields.ts; facts: docs/endpoints.md#apiv3-mainland-payments.
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

/** The ids of a partner-mode order; the direct ids are `never`. */
export interface PartnerOrderIds {
  sp_appid: string;
  sp_mchid: string;
  sub_appid?: string;
  sub_mchid: string;
  appid?: never;
  mchid?: never;
}

/** The payer: the openid under `sp_appid`, or the one under `sub_appid` (which then must be sent), not both. */
export type PartnerJsapiPayer =
  | { payer: { sp_openid: string; sub_openid?: never } }
  | { sub_appid: string; payer: { sub_openid: string; sp_openid?: never } };

export type PartnerJsapiOrderRequest = MainlandOrderFields & PartnerOrderIds & WithScene<false> & PartnerJsapiPayer;
export type PartnerNativeOrderRequest = MainlandOrderFields & PartnerOrderIds & WithScene<false>;
export type PartnerAppOrderRequest = MainlandOrderFields & PartnerOrderIds & WithScene<false>;
export type PartnerH5OrderRequest = MainlandOrderFields & PartnerOrderIds & WithScene<true>;

/** The query of the lookups and the body of a close: the service provider's and the sub-merchant's ids. */
export interface PartnerModeIds {
  sp_mchid: string;
  sub_mchid: string;
  mchid?: never;
}

/** A partner-mode order as the lookups return it, and the plaintext of its `TRANSACTION.SUCCESS` notification. */
export interface PartnerTransaction extends MainlandTransactionFields {
  sp_appid: string;
  sp_mchid: string;
  sub_appid?: string;
  sub_mchid: string;
  payer?: { sp_openid?: string; sub_openid?: string };
}

function createOrder<K extends OrderKind>(kind: K): CataloguedEndpoint<`v3/pay/partner/transactions/${K}`, 'post'> {
  return {
    path: `v3/pay/partner/transactions/${kind}`,
    verb: 'post',
    host: 'mainland',
    idempotencyKey: 'out_trade_no',
    validate: createOrderRules('partner', kind),
  };
}

export const partnerJsapiOrderEndpoint = createOrder('jsapi');
export const partnerNativeOrderEndpoint = createOrder('native');
export const partnerAppOrderEndpoint = createOrder('app');
export const partnerH5OrderEndpoint = createOrder('h5');

export const partnerOrderByIdEndpoint = defineEndpoint({
  path: 'v3/pay/partner/transactions/id/{transaction_id}',
  verb: 'get',
  host: 'mainland',
  validate: lookupRules('partner', 'transaction_id'),
});

export const partnerOrderByOutTradeNoEndpoint = defineEndpoint({
  path: 'v3/pay/partner/transactions/out-trade-no/{out_trade_no}',
  verb: 'get',
  host: 'mainland',
  validate: lookupRules('partner', 'out_trade_no'),
});

export const partnerCloseOrderEndpoint = defineEndpoint({
  path: 'v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close',
  verb: 'post',
  host: 'mainland',
  idempotencyKey: 'out_trade_no',
  validate: closeRules('partner'),
});
