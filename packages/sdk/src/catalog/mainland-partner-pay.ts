// APIv3 mainland payments, partner mode (服务商, host api.mch): a service provider creates, queries and closes orders
// for its sub-merchant. Shared shapes and rules: mainland-fields.ts; the metadata builder: mainland-order-endpoints.ts;
// facts: docs/endpoints.md#apiv3-mainland-payments.
import type { MainlandOrderFields, MainlandTransactionFields, WithScene } from './mainland-fields.js';
import { orderEndpoints } from './mainland-order-endpoints.js';

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

const orders = orderEndpoints('partner', 'v3/pay/partner/transactions');

export const partnerJsapiOrderEndpoint = orders.create.jsapi;
export const partnerNativeOrderEndpoint = orders.create.native;
export const partnerAppOrderEndpoint = orders.create.app;
export const partnerH5OrderEndpoint = orders.create.h5;
export const partnerOrderByIdEndpoint = orders.byId;
export const partnerOrderByOutTradeNoEndpoint = orders.byOutTradeNo;
export const partnerCloseOrderEndpoint = orders.close;
