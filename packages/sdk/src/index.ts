// The public surface of the wxpay SDK.
export { APIPromise, type RawResponse, type WithResponse } from './api-promise.js';
export type * from './catalog/coupon.js';
export type * from './catalog/global.js';
export type * from './catalog/redpack.js';
export type { V2EndpointMeta, V3EndpointMeta } from './catalog/types.js';
export type * from './catalog/workwx.js';
export type { ChainNode, LooseCallOptions, LooseNode, RoutePath, Routes, V2CallOptions } from './chain-types.js';
export { Wxpay, type WxpayView } from './client.js';
export {
  MAX_ERROR_BODY_CHARS,
  type ResultOutcome,
  SignatureVerificationError,
  UnknownSerialError,
  ValidationError,
  WxpayAPIError,
  WxpayConnectionError,
  WxpayDecryptError,
  WxpayError,
  WxpayParseError,
  WxpayResultError,
} from './errors.js';
export type { WxpayOptions } from './options.js';
export type { MerchantCredentials } from './transport.js';
export { checkV2Request } from './v2/check-request.js';
export type { V2Fields, V2RefundNotification } from './v2/notification.js';
export { Transformer, type XmlObject, type XmlValue } from './v2/xml.js';
export type { ApiFamily, KeyStore, KeyStoreView } from './v3/key-store.js';
export {
  isKnownNotification,
  type KnownNotification,
  type Notification,
  type NotificationInput,
  type NotifiedRefund,
  type NotifiedTransaction,
  type RefundNotification,
  type TransactionNotification,
} from './v3/notification.js';
export {
  type NotificationCallback,
  type NotificationHandlerOptions,
  RecentNotificationIds,
  type SeenNotificationIds,
} from './v3/notification-handlers.js';
export type { AppPayParams, JsapiPayParams } from './v3/pay-sign.js';
