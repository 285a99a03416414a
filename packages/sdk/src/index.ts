// The public surface of the wxpay SDK.
export { APIPromise, type RawResponse, type WithResponse } from './api-promise.js';
export type * from './catalog/coupon.js';
export type * from './catalog/redpack.js';
export type { V2EndpointMeta } from './catalog/types.js';
export type * from './catalog/workwx.js';
export type { ChainNode, LooseCallOptions, LooseNode, RoutePath, Routes, V2CallOptions } from './chain-types.js';
export { Wxpay, type WxpayOptions } from './client.js';
export {
  type ResultOutcome,
  SignatureVerificationError,
  ValidationError,
  WxpayConnectionError,
  WxpayError,
  WxpayParseError,
  WxpayResultError,
} from './errors.js';
export type { MerchantCredentials } from './transport.js';
export { Transformer, type XmlObject, type XmlValue } from './v2/xml.js';
