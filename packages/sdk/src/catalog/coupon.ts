// Coupons (APIv2, deprecated by WeChat in 2020 but documented): query_coupon_stock, send_coupon, querycouponsinfo.
import type { ResultOutcome } from '../errors.js';
import {
  optionalText,
  outcomes,
  type PipelineFilledRequest,
  pipelineFilledFields,
  requestErrors,
  requiredText,
  type SignedV2Reply,
} from './fields.js';
import type { FieldSpec, V2EndpointMeta } from './types.js';

/** Fields every coupon call takes. */
const couponFields = {
  ...pipelineFilledFields,
  appid: requiredText(32),
  op_user_id: optionalText(32),
  device_info: optionalText(32),
  version: { enum: ['1.0'] },
  type: { enum: ['XML'] },
} satisfies Record<string, FieldSpec>;

interface CouponRequest extends PipelineFilledRequest {
  appid: string;
  /** Operator account; defaults to the merchant id on WeChat's side. */
  op_user_id?: string;
  device_info?: string;
  version?: '1.0';
  type?: 'XML';
}

interface CouponReply extends SignedV2Reply {
  appid: string;
  mch_id: string;
  device_info?: string;
  nonce_str: string;
}

/** Coupon codes that mean the request is wrong, on top of the generic ones. */
const couponRequestErrors: Readonly<Record<string, ResultOutcome>> = {
  ...requestErrors,
  ...outcomes('fix', [
    'REQ_PARAM_XML_ERR',
    'COUPON_STOCK_ID_EMPTY',
    'COUPON_STOCK_ID_NOT_VALID',
    'MCH_ID_EMPTY',
    'CODE_2_ID_ERR',
  ]),
  SYSTEMERROR: 'unknown',
};

export const queryCouponStockEndpoint: V2EndpointMeta = {
  path: 'v2/mmpaymkttransfers/query_coupon_stock',
  cert: false,
  signTypes: ['MD5'],
  merchantField: 'mch_id',
  fields: { ...couponFields, coupon_stock_id: { required: true } },
  // A read: NOT_FOUND means a wrong id; a failed fetch can simply be asked again.
  errors: { ...couponRequestErrors, COUPON_STOCK_NOT_FOUND: 'fix', GET_COUPON_STOCK_FAIL: 'retry' },
};

export interface QueryCouponStockRequest extends CouponRequest {
  coupon_stock_id: string;
}

/** 1 not activated, 2 under review, 4 activated, 8 voided, 16 sending stopped. */
export type CouponStockStatus = '1' | '2' | '4' | '8' | '16';

/** 1 no minimum, 2 a minimum (not combinable), 3 a minimum (combinable). */
export type CouponType = '1' | '2' | '3';

export interface QueryCouponStockResponse extends CouponReply {
  coupon_stock_id: string;
  coupon_name?: string;
  coupon_value: string;
  /** Minimum order amount (WeChat's spelling). */
  coupon_mininumn: string;
  coupon_type: CouponType;
  coupon_stock_status: CouponStockStatus;
  coupon_total: string;
  /** 0 = unlimited. */
  max_quota: string;
  locked_num?: string;
  used_num?: string;
  is_send_num: string;
  /** `yyyyMMddHHmmss` (a later version of the page says unix seconds; see docs/endpoints.md). */
  begin_time: string;
  end_time: string;
  create_time: string;
  coupon_budget: string;
}

export const sendCouponEndpoint: V2EndpointMeta = {
  path: 'v2/mmpaymkttransfers/send_coupon',
  cert: true,
  signTypes: ['MD5'],
  idempotencyKey: 'partner_trade_no',
  merchantField: 'mch_id',
  fields: {
    ...couponFields,
    coupon_stock_id: { required: true },
    openid_count: { required: true, integer: { min: 1, max: 1 } },
    partner_trade_no: { required: true },
    openid: { required: true },
  },
  errors: {
    ...couponRequestErrors,
    OPEN_ID_EMPTY: 'fix',
    ...outcomes('final', ['USER_AL_GET_COUPON', 'AL_STOCK_OVER', 'STOCK_IS_NOT_VALID']),
    ...outcomes('retry', ['FREQ_OVER_LIMIT', 'NETWORK ERROR']),
  },
};

export interface SendCouponRequest extends CouponRequest {
  coupon_stock_id: string;
  /** Must be 1. */
  openid_count: number;
  /** Unique per send: the idempotency key. */
  partner_trade_no: string;
  openid: string;
}

export interface SendCouponResponse extends CouponReply {
  coupon_stock_id: string;
  resp_count: string;
  success_count: string;
  failed_count: string;
  openid: string;
  ret_code: 'SUCCESS' | 'FAILED';
  /** The coupon sent; "" when `ret_code` is FAILED. */
  coupon_id: string;
  /** "" on success. */
  ret_msg: string;
}

export const queryCouponsInfoEndpoint: V2EndpointMeta = {
  path: 'v2/mmpaymkttransfers/querycouponsinfo',
  cert: false,
  signTypes: ['MD5'],
  merchantField: 'mch_id',
  fields: {
    ...couponFields,
    coupon_id: { required: true },
    openid: { required: true },
    stock_id: { required: true },
  },
  // A read: a wrong coupon, openid or stock is fixed by asking for the right one; a failed fetch can be asked again.
  errors: {
    ...couponRequestErrors,
    COUPON_NOT_FOUND: 'fix',
    COUPON_STOCK_NOT_FOUND: 'fix',
    ...outcomes('retry', ['GET_COUPON_STOCK_FAIL', 'NETWORKERROR']),
  },
};

export interface QueryCouponsInfoRequest extends CouponRequest {
  coupon_id: string;
  openid: string;
  stock_id: string;
}

/**
 * The fields docs/endpoints.md lists as required are required here. Public sources disagree on `coupon_state`'s
 * values, so it stays a string.
 */
export interface QueryCouponsInfoResponse extends CouponReply {
  coupon_stock_id: string;
  /** 1 batch (批量型), 2 triggered (触发型). */
  coupon_stock_type: string;
  coupon_id: string;
  coupon_value: string;
  coupon_state: string;
  /** `yyyyMMddHHmmss`, as are the other times of this reply. */
  begin_time: string;
  end_time: string;
  send_time: string;
  coupon_type: CouponType;
  coupon_name: string;
  coupon_desc: string;
  coupon_mininum?: string;
  coupon_use_value: string;
  coupon_remain_value: string;
  use_time?: string;
  /** The order the coupon was used on. */
  trade_no?: string;
  consumer_mch_id?: string;
  consumer_mch_name?: string;
  consumer_mch_appid?: string;
  /** How the coupon was sent: NORMAL through send_coupon; JIFA, FULL_SEND, SCAN_CODE, OZ, AJUST otherwise. */
  send_source: string;
  is_partial_use?: string;
}
