// The APIv3 registry: the route map the client is typed from, and every catalogued endpoint's metadata by path + verb.

import {
  type BillReply,
  type FundFlowBillQuery,
  fundFlowBillEndpoint,
  type TradeBillQuery,
  tradeBillEndpoint,
} from './bills.js';
import {
  type CloseGlobalOrderRequest,
  type CreateAppOrderRequest,
  type CreateGlobalRefundRequest,
  type CreateJsapiOrderRequest,
  type CreateMwebOrderRequest,
  type CreateMwebOrderResponse,
  type CreateNativeOrderRequest,
  type CreateNativeOrderResponse,
  type CreatePrepayOrderResponse,
  closeOrderByIdEndpoint,
  closeOrderEndpoint,
  createAppOrderEndpoint,
  createJsapiOrderEndpoint,
  createMwebOrderEndpoint,
  createNativeOrderEndpoint,
  createRefundEndpoint,
  type GlobalModeQuery,
  type GlobalRefund,
  type GlobalRefundList,
  type GlobalRefundListQuery,
  type GlobalTransaction,
  globalCertificatesEndpoint,
  listRefundsEndpoint,
  mainlandCertificatesEndpoint,
  type PlatformCertificates,
  queryOrderByIdEndpoint,
  queryOrderByOutTradeNoEndpoint,
  queryRefundByIdEndpoint,
  queryRefundEndpoint,
} from './global.js';
import type { H5PrepayResponse, NativePrepayResponse, PrepayResponse } from './mainland-fields.js';
import {
  type PartnerAppOrderRequest,
  type PartnerH5OrderRequest,
  type PartnerJsapiOrderRequest,
  type PartnerModeIds,
  type PartnerNativeOrderRequest,
  type PartnerTransaction,
  partnerAppOrderEndpoint,
  partnerCloseOrderEndpoint,
  partnerH5OrderEndpoint,
  partnerJsapiOrderEndpoint,
  partnerNativeOrderEndpoint,
  partnerOrderByIdEndpoint,
  partnerOrderByOutTradeNoEndpoint,
} from './mainland-partner-pay.js';
import {
  type CloseMainlandOrderRequest,
  type DirectModeQuery,
  type MainlandAppOrderRequest,
  type MainlandH5OrderRequest,
  type MainlandJsapiOrderRequest,
  type MainlandNativeOrderRequest,
  type MainlandTransaction,
  mainlandAppOrderEndpoint,
  mainlandCloseOrderEndpoint,
  mainlandH5OrderEndpoint,
  mainlandJsapiOrderEndpoint,
  mainlandNativeOrderEndpoint,
  mainlandOrderByIdEndpoint,
  mainlandOrderByOutTradeNoEndpoint,
} from './mainland-pay.js';
import { type ImageUpload, type MediaUploadReply, uploadImageEndpoint } from './media.js';
import {
  type DomesticRefund,
  type DomesticRefundQuery,
  type DomesticRefundRequest,
  domesticRefundEndpoint,
  domesticRefundQueryEndpoint,
} from './refunds.js';
import {
  cancelTransferBillEndpoint,
  createTransferBillEndpoint,
  type TransferBill,
  type TransferBillCancelled,
  type TransferBillCreated,
  type TransferBillRequest,
  transferBillByNoEndpoint,
  transferBillByOutBillNoEndpoint,
} from './transfers.js';
import type { HttpVerb, V3EndpointMeta } from './types.js';

/** Options every call takes besides its own. */
interface CallHeaders {
  headers?: Record<string, string>;
}

/**
 * One verb of a route: its options (path parameters as top-level keys named like the `{param}`, the body under
 * `json`, the query under `query`) and what the call resolves to.
 */
type Route<Options, Response> = { options: Options & CallHeaders; response: Response };

/** A route whose call takes nothing but headers. */
type NoOptions = Record<never, never>;

/** Options and reply of every catalogued APIv3 path and verb; the client types all three access styles from it. */
export interface V3Endpoints {
  'v3/global/transactions/id/{id}': { get: Route<{ id: string; query: GlobalModeQuery }, GlobalTransaction> };
  'v3/global/transactions/out-trade-no/{out_trade_no}': {
    get: Route<{ out_trade_no: string; query: GlobalModeQuery }, GlobalTransaction>;
  };
  'v3/global/transactions/native': { post: Route<{ json: CreateNativeOrderRequest }, CreateNativeOrderResponse> };
  'v3/global/transactions/jsapi': { post: Route<{ json: CreateJsapiOrderRequest }, CreatePrepayOrderResponse> };
  'v3/global/transactions/app': { post: Route<{ json: CreateAppOrderRequest }, CreatePrepayOrderResponse> };
  'v3/global/transactions/mweb': { post: Route<{ json: CreateMwebOrderRequest }, CreateMwebOrderResponse> };
  /** 204 No Content: resolves to undefined. */
  'v3/global/transactions/out-trade-no/{out_trade_no}/close': {
    post: Route<{ out_trade_no: string; json: CloseGlobalOrderRequest }, undefined>;
  };
  /** 204 No Content: resolves to undefined. */
  'v3/global/transactions/id/{transaction_id}/close': {
    post: Route<{ transaction_id: string; json: CloseGlobalOrderRequest }, undefined>;
  };
  'v3/global/refunds': {
    post: Route<{ json: CreateGlobalRefundRequest }, GlobalRefund>;
    get: Route<{ query: GlobalRefundListQuery }, GlobalRefundList>;
  };
  'v3/global/refunds/out-refund-no/{out_refund_no}': {
    get: Route<{ out_refund_no: string; query: GlobalModeQuery }, GlobalRefund>;
  };
  'v3/global/refunds/id/{refund_id}': { get: Route<{ refund_id: string; query: GlobalModeQuery }, GlobalRefund> };
  'v3/global/certificates': { get: Route<NoOptions, PlatformCertificates> };
  'v3/certificates': { get: Route<NoOptions, PlatformCertificates> };

  // Mainland payments, direct mode (catalog/mainland-pay.ts).
  'v3/pay/transactions/jsapi': { post: Route<{ json: MainlandJsapiOrderRequest }, PrepayResponse> };
  'v3/pay/transactions/native': { post: Route<{ json: MainlandNativeOrderRequest }, NativePrepayResponse> };
  'v3/pay/transactions/app': { post: Route<{ json: MainlandAppOrderRequest }, PrepayResponse> };
  'v3/pay/transactions/h5': { post: Route<{ json: MainlandH5OrderRequest }, H5PrepayResponse> };
  'v3/pay/transactions/id/{transaction_id}': {
    get: Route<{ transaction_id: string; query: DirectModeQuery }, MainlandTransaction>;
  };
  'v3/pay/transactions/out-trade-no/{out_trade_no}': {
    get: Route<{ out_trade_no: string; query: DirectModeQuery }, MainlandTransaction>;
  };
  /** 204 No Content: resolves to undefined. */
  'v3/pay/transactions/out-trade-no/{out_trade_no}/close': {
    post: Route<{ out_trade_no: string; json: CloseMainlandOrderRequest }, undefined>;
  };

  // Mainland payments, partner mode (catalog/mainland-partner-pay.ts).
  'v3/pay/partner/transactions/jsapi': { post: Route<{ json: PartnerJsapiOrderRequest }, PrepayResponse> };
  'v3/pay/partner/transactions/native': { post: Route<{ json: PartnerNativeOrderRequest }, NativePrepayResponse> };
  'v3/pay/partner/transactions/app': { post: Route<{ json: PartnerAppOrderRequest }, PrepayResponse> };
  'v3/pay/partner/transactions/h5': { post: Route<{ json: PartnerH5OrderRequest }, H5PrepayResponse> };
  'v3/pay/partner/transactions/id/{transaction_id}': {
    get: Route<{ transaction_id: string; query: PartnerModeIds }, PartnerTransaction>;
  };
  'v3/pay/partner/transactions/out-trade-no/{out_trade_no}': {
    get: Route<{ out_trade_no: string; query: PartnerModeIds }, PartnerTransaction>;
  };
  /** 204 No Content: resolves to undefined. */
  'v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close': {
    post: Route<{ out_trade_no: string; json: PartnerModeIds }, undefined>;
  };

  // Mainland refunds (catalog/refunds.ts).
  'v3/refund/domestic/refunds': { post: Route<{ json: DomesticRefundRequest }, DomesticRefund> };
  'v3/refund/domestic/refunds/{out_refund_no}': {
    get: Route<{ out_refund_no: string; query?: DomesticRefundQuery }, DomesticRefund>;
  };

  // Bills (catalog/bills.ts); the download is `wxpay.downloadBill`.
  'v3/bill/tradebill': { get: Route<{ query: TradeBillQuery }, BillReply> };
  'v3/bill/fundflowbill': { get: Route<{ query: FundFlowBillQuery }, BillReply> };

  // Merchant transfers (catalog/transfers.ts).
  'v3/fund-app/mch-transfer/transfer-bills': { post: Route<{ json: TransferBillRequest }, TransferBillCreated> };
  'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}': {
    get: Route<{ out_bill_no: string }, TransferBill>;
  };
  'v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}': {
    get: Route<{ transfer_bill_no: string }, TransferBill>;
  };
  'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel': {
    post: Route<{ out_bill_no: string }, TransferBillCancelled>;
  };

  // Image upload (catalog/media.ts), multipart: also `wxpay.uploadImage`.
  'v3/merchant/media/upload': { post: Route<{ upload: ImageUpload }, MediaUploadReply> };
}

export type V3Path = keyof V3Endpoints;

/**
 * Metadata by path and verb. Typed over `V3Endpoints`, so a path or verb missing here or absent there fails to
 * compile (missing key / excess property), and so does metadata whose own path or verb differs from where it sits.
 */
const table: {
  readonly [P in V3Path]: {
    readonly [V in keyof V3Endpoints[P]]-?: V3EndpointMeta & { readonly path: P; readonly verb: V };
  };
} = {
  'v3/global/transactions/id/{id}': { get: queryOrderByIdEndpoint },
  'v3/global/transactions/out-trade-no/{out_trade_no}': { get: queryOrderByOutTradeNoEndpoint },
  'v3/global/transactions/native': { post: createNativeOrderEndpoint },
  'v3/global/transactions/jsapi': { post: createJsapiOrderEndpoint },
  'v3/global/transactions/app': { post: createAppOrderEndpoint },
  'v3/global/transactions/mweb': { post: createMwebOrderEndpoint },
  'v3/global/transactions/out-trade-no/{out_trade_no}/close': { post: closeOrderEndpoint },
  'v3/global/transactions/id/{transaction_id}/close': { post: closeOrderByIdEndpoint },
  'v3/global/refunds': { post: createRefundEndpoint, get: listRefundsEndpoint },
  'v3/global/refunds/out-refund-no/{out_refund_no}': { get: queryRefundEndpoint },
  'v3/global/refunds/id/{refund_id}': { get: queryRefundByIdEndpoint },
  'v3/global/certificates': { get: globalCertificatesEndpoint },
  'v3/certificates': { get: mainlandCertificatesEndpoint },
  'v3/pay/transactions/jsapi': { post: mainlandJsapiOrderEndpoint },
  'v3/pay/transactions/native': { post: mainlandNativeOrderEndpoint },
  'v3/pay/transactions/app': { post: mainlandAppOrderEndpoint },
  'v3/pay/transactions/h5': { post: mainlandH5OrderEndpoint },
  'v3/pay/transactions/id/{transaction_id}': { get: mainlandOrderByIdEndpoint },
  'v3/pay/transactions/out-trade-no/{out_trade_no}': { get: mainlandOrderByOutTradeNoEndpoint },
  'v3/pay/transactions/out-trade-no/{out_trade_no}/close': { post: mainlandCloseOrderEndpoint },
  'v3/pay/partner/transactions/jsapi': { post: partnerJsapiOrderEndpoint },
  'v3/pay/partner/transactions/native': { post: partnerNativeOrderEndpoint },
  'v3/pay/partner/transactions/app': { post: partnerAppOrderEndpoint },
  'v3/pay/partner/transactions/h5': { post: partnerH5OrderEndpoint },
  'v3/pay/partner/transactions/id/{transaction_id}': { get: partnerOrderByIdEndpoint },
  'v3/pay/partner/transactions/out-trade-no/{out_trade_no}': { get: partnerOrderByOutTradeNoEndpoint },
  'v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close': { post: partnerCloseOrderEndpoint },
  'v3/refund/domestic/refunds': { post: domesticRefundEndpoint },
  'v3/refund/domestic/refunds/{out_refund_no}': { get: domesticRefundQueryEndpoint },
  'v3/bill/tradebill': { get: tradeBillEndpoint },
  'v3/bill/fundflowbill': { get: fundFlowBillEndpoint },
  'v3/fund-app/mch-transfer/transfer-bills': { post: createTransferBillEndpoint },
  'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}': { get: transferBillByOutBillNoEndpoint },
  'v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}': { get: transferBillByNoEndpoint },
  'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel': { post: cancelTransferBillEndpoint },
  'v3/merchant/media/upload': { post: uploadImageEndpoint },
};

/** The same table as the lookups see it: any string may be asked for. */
const byPath: Readonly<Record<string, Readonly<Record<string, V3EndpointMeta>>>> = table;

/** Every catalogued endpoint, one entry per path and verb. */
export const v3Endpoints: readonly V3EndpointMeta[] = Object.values(byPath).flatMap((verbs) => Object.values(verbs));

/** The metadata of a catalogued path template (exactly as chained, e.g. `v3/global/refunds`) and verb, or undefined. */
export function findV3Endpoint(template: string, verb: HttpVerb): V3EndpointMeta | undefined {
  // Own keys only, so `constructor` or `__proto__` never resolve to something from the prototype.
  const verbs = Object.hasOwn(byPath, template) ? byPath[template] : undefined;
  return verbs !== undefined && Object.hasOwn(verbs, verb) ? verbs[verb] : undefined;
}
