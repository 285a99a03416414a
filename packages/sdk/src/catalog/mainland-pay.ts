// APIv3 mainland payments, direct mode (普通商户, host api.mch): create (JSAPI, Native, APP, H5), query and close an
// order. Shared shapes and rules: mainland-fields.ts; the metadata builder: mainland-order-endpoints.ts; facts:
// docs/endpoints.md#apiv3-mainland-payments.
import type { MainlandOrderFields, MainlandTransactionFields, WithScene } from './mainland-fields.js';
import { orderEndpoints } from './mainland-order-endpoints.js';

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

const orders = orderEndpoints('direct', 'v3/pay/transactions');

export const mainlandJsapiOrderEndpoint = orders.create.jsapi;
export const mainlandNativeOrderEndpoint = orders.create.native;
export const mainlandAppOrderEndpoint = orders.create.app;
export const mainlandH5OrderEndpoint = orders.create.h5;
export const mainlandOrderByIdEndpoint = orders.byId;
export const mainlandOrderByOutTradeNoEndpoint = orders.byOutTradeNo;
export const mainlandCloseOrderEndpoint = orders.close;
