// The APIv3 registry: the route map the client is typed from, and every catalogued endpoint's metadata by path + verb.
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
