// The APIv2 registry: every catalogued endpoint's metadata by path, and the path -> request/response type map.
import {
  type QueryCouponStockRequest,
  type QueryCouponStockResponse,
  type QueryCouponsInfoRequest,
  type QueryCouponsInfoResponse,
  queryCouponStockEndpoint,
  queryCouponsInfoEndpoint,
  type SendCouponRequest,
  type SendCouponResponse,
  sendCouponEndpoint,
} from './coupon.js';
import {
  type GetHbInfoRequest,
  type GetHbInfoResponse,
  getHbInfoEndpoint,
  type SendRedpackRequest,
  type SendRedpackResponse,
  sendRedpackEndpoint,
} from './redpack.js';
import type { V2EndpointMeta } from './types.js';
import {
  type PayWwspTrans2PocketRequest,
  type PayWwspTrans2PocketResponse,
  payWwspTrans2PocketEndpoint,
  type QueryWorkwxRedpackRequest,
  type QueryWorkwxRedpackResponse,
  queryWorkwxRedpackEndpoint,
  type SendWorkwxRedpackRequest,
  type SendWorkwxRedpackResponse,
  sendWorkwxRedpackEndpoint,
} from './workwx.js';

/** Request and response types of every catalogued APIv2 path; the client types all three access styles from it. */
export interface V2Endpoints {
  'v2/mmpaymkttransfers/sendredpack': { request: SendRedpackRequest; response: SendRedpackResponse };
  'v2/mmpaymkttransfers/gethbinfo': { request: GetHbInfoRequest; response: GetHbInfoResponse };
  'v2/mmpaymkttransfers/sendworkwxredpack': { request: SendWorkwxRedpackRequest; response: SendWorkwxRedpackResponse };
  'v2/mmpaymkttransfers/queryworkwxredpack': {
    request: QueryWorkwxRedpackRequest;
    response: QueryWorkwxRedpackResponse;
  };
  'v2/mmpaymkttransfers/promotion/paywwsptrans2pocket': {
    request: PayWwspTrans2PocketRequest;
    response: PayWwspTrans2PocketResponse;
  };
  'v2/mmpaymkttransfers/query_coupon_stock': { request: QueryCouponStockRequest; response: QueryCouponStockResponse };
  'v2/mmpaymkttransfers/send_coupon': { request: SendCouponRequest; response: SendCouponResponse };
  'v2/mmpaymkttransfers/querycouponsinfo': { request: QueryCouponsInfoRequest; response: QueryCouponsInfoResponse };
}

export type V2Path = keyof V2Endpoints;

/**
 * Metadata by path. Typed over `V2Path`, so a path missing here or absent from `V2Endpoints` fails to compile
 * (missing key / excess property): the two lists cannot drift apart.
 */
export const v2Endpoints: { readonly [P in V2Path]: V2EndpointMeta } = {
  'v2/mmpaymkttransfers/sendredpack': sendRedpackEndpoint,
  'v2/mmpaymkttransfers/gethbinfo': getHbInfoEndpoint,
  'v2/mmpaymkttransfers/sendworkwxredpack': sendWorkwxRedpackEndpoint,
  'v2/mmpaymkttransfers/queryworkwxredpack': queryWorkwxRedpackEndpoint,
  'v2/mmpaymkttransfers/promotion/paywwsptrans2pocket': payWwspTrans2PocketEndpoint,
  'v2/mmpaymkttransfers/query_coupon_stock': queryCouponStockEndpoint,
  'v2/mmpaymkttransfers/send_coupon': sendCouponEndpoint,
  'v2/mmpaymkttransfers/querycouponsinfo': queryCouponsInfoEndpoint,
};

/** The metadata of a catalogued APIv2 path (exactly as chained, `v2/` prefix included), or undefined. */
export function findV2Endpoint(path: string): V2EndpointMeta | undefined {
  // Own keys only, so `constructor` or `__proto__` never resolve to something from the prototype.
  return Object.hasOwn(v2Endpoints, path) ? v2Endpoints[path as V2Path] : undefined;
}
