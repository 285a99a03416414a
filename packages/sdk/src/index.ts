// The public surface of the wxpay SDK.
export { APIPromise, type RawResponse, type WithResponse } from './api-promise.js';
export type {
  FundFlowBillRow,
  FundFlowBillSummary,
  TradeBillRow,
  TradeBillSummary,
} from './bills/columns.js';
export { type BillSource, DEFAULT_BILL_MAX_BYTES, type DownloadBillOptions } from './bills/download.js';
export { type BillTable, type FundFlowBill, parseFundFlowBill, parseTradeBill, type TradeBill } from './bills/parse.js';
export type { VerifiedBill, VerifiedBillView } from './bills/verified-bill.js';
export type * from './catalog/bills.js';
export type * from './catalog/coupon.js';
export type * from './catalog/global.js';
export type * from './catalog/mainland-fields.js';
export type * from './catalog/mainland-partner-pay.js';
export type * from './catalog/mainland-pay.js';
export type * from './catalog/media.js';
export type * from './catalog/redpack.js';
export type * from './catalog/refunds.js';
export type * from './catalog/transfers.js';
export type { V2EndpointMeta, V3EndpointMeta } from './catalog/types.js';
export type * from './catalog/workwx.js';
export type { ChainNode, LooseCallOptions, LooseNode, RoutePath, Routes, V2CallOptions } from './chain-types.js';
export { Wxpay, type WxpayView } from './client.js';
export {
  type IntegrityFailure,
  MAX_ERROR_BODY_CHARS,
  type ResultOutcome,
  SignatureVerificationError,
  UnknownSerialError,
  ValidationError,
  WxpayAPIError,
  WxpayConnectionError,
  WxpayDecryptError,
  WxpayError,
  WxpayIntegrityError,
  WxpayParseError,
  WxpayResultError,
} from './errors.js';
export type { WxpayOptions } from './options.js';
export type { MerchantCredentials } from './transport.js';
export { checkV2Request } from './v2/check-request.js';
export type { V2Fields, V2RefundNotification } from './v2/notification.js';
export { Transformer, type XmlObject, type XmlValue } from './v2/xml.js';
export type { PlatformCertificateFile } from './v3/certificates-reply.js';
export type { ApiFamily, KeyStore, KeyStoreView } from './v3/key-store.js';
export {
  isKnownNotification,
  type KnownNotification,
  type Notification,
  type NotificationInput,
  type NotifiedRefund,
  type NotifiedTransaction,
  type NotifiedTransferBill,
  type RefundNotification,
  type TransactionNotification,
  type TransferBillNotification,
} from './v3/notification.js';
export {
  type NotificationCallback,
  type NotificationHandlerOptions,
  RecentNotificationIds,
  type SeenNotificationIds,
} from './v3/notification-handlers.js';
export type { AppPayParams, JsapiPayParams } from './v3/pay-sign.js';
