// Shapes and rules shared by the mainland (host api.mch) payment files: order fields, the order as queried, and the
// checks of both merchant modes (direct `mchid`, partner `sp_mchid` + `sub_mchid`). Facts: docs/endpoints.md.
import { bodyScope, type CodeLimits, paramsScope, queryScope, type Scope } from './json-rules.js';
import { ruleText } from './rules.js';
import type { V3CallParts } from './types.js';

// ---- request shapes ----

/** Merchant and app ids, order numbers, openids: the lengths the mainland pages give. */
export const ID_MAX = 32;
export const OPENID_MAX = 128;
/** `notify_url` of an order is string(255); refunds and transfers take 256. */
export const ORDER_NOTIFY_URL_MAX = 255;

/** `out_trade_no`: 6..32 of digits, letters and `_-|*` (docs/endpoints.md#mainland-create-an-order). */
export const OUT_TRADE_NO: CodeLimits = { min: 6, max: 32, charset: '[0-9A-Za-z_|*-]' };

/** The amount of an order: integer fen; mainland merchants take CNY only, which is also the default. */
export interface MainlandOrderAmount {
  /** Integer fen, at least 1. */
  total: number;
  currency?: 'CNY';
}

export interface StoreInfo {
  id: string;
  name?: string;
  area_code?: string;
  address?: string;
}

/** Where the payment happens. */
export interface MainlandSceneInfo {
  /** IPv4 or IPv6 of the payer's device. */
  payer_client_ip: string;
  device_id?: string;
  store_info?: StoreInfo;
}

export type MainlandH5Type = 'iOS' | 'Android' | 'Wap';

/** H5 orders must say where the page runs. */
export interface H5SceneInfo extends MainlandSceneInfo {
  h5_info: {
    type: MainlandH5Type;
    app_name?: string;
    app_url?: string;
    bundle_id?: string;
    package_name?: string;
  };
}

export interface MainlandGoods {
  merchant_goods_id: string;
  wechatpay_goods_id?: string;
  goods_name?: string;
  quantity: number;
  /** Integer fen. */
  unit_price: number;
}

export interface MainlandOrderDetail {
  cost_price?: number;
  invoice_id?: string;
  goods_detail?: MainlandGoods[];
}

/** The fields of every new mainland order, whatever the merchant mode and the trade type. */
export interface MainlandOrderFields {
  /** 1..127 characters, shown in the payer's bill. */
  description: string;
  /** 6..32 of `[0-9A-Za-z_|*-]`; the idempotency key: resend the same number with the same fields, never a new one. */
  out_trade_no: string;
  /** RFC 3339, e.g. `2025-01-01T12:00:00+08:00`: after it the order can no longer be paid. */
  time_expire?: string;
  /** Up to 128 characters, returned in the query and the notification. */
  attach?: string;
  /** https, no query string, at most 255 characters. */
  notify_url: string;
  goods_tag?: string;
  support_fapiao?: boolean;
  amount: MainlandOrderAmount;
  detail?: MainlandOrderDetail;
  settle_info?: { profit_sharing?: boolean };
}

/** Fields an order of one trade type adds; H5 orders must send `scene_info` with `h5_info`. */
export type WithScene<Required extends boolean> = Required extends true
  ? { scene_info: H5SceneInfo }
  : { scene_info?: MainlandSceneInfo };

export interface PrepayResponse {
  /** Sign it for the client with `wxpay.jsapiPayParams` / `wxpay.appPayParams`; valid for two hours. */
  prepay_id: string;
}

export interface NativePrepayResponse {
  /** Show as a QR code for the payer to scan. */
  code_url: string;
}

export interface H5PrepayResponse {
  /** Open in the payer's mobile browser; valid for five minutes. */
  h5_url: string;
}

// ---- the order as queried ----

export type MainlandTradeType = 'JSAPI' | 'NATIVE' | 'APP' | 'MICROPAY' | 'MWEB' | 'FACEPAY';

export type MainlandTradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';

export interface MainlandTransactionAmount {
  total?: number;
  /** What the payer paid after discounts, in fen. */
  payer_total?: number;
  currency?: string;
  payer_currency?: string;
}

export interface MainlandPromotionDetail {
  coupon_id: string;
  name?: string;
  scope?: 'GLOBAL' | 'SINGLE';
  type?: 'CASH' | 'NOCASH';
  amount: number;
  stock_id?: string;
  wechatpay_contribute?: number;
  merchant_contribute?: number;
  other_contribute?: number;
  currency?: string;
  goods_detail?: Array<{
    goods_id: string;
    quantity: number;
    unit_price: number;
    discount_amount: number;
    goods_remark?: string;
  }>;
}

/** What both merchant modes return for an order. `transaction_id` and `success_time` appear once it is paid. */
export interface MainlandTransactionFields {
  out_trade_no: string;
  transaction_id?: string;
  trade_type?: MainlandTradeType;
  trade_state: MainlandTradeState;
  trade_state_desc: string;
  bank_type?: string;
  attach?: string;
  /** RFC 3339. */
  success_time?: string;
  amount?: MainlandTransactionAmount;
  scene_info?: { device_id?: string };
  promotion_detail?: MainlandPromotionDetail[];
}

// ---- rules ----

export type MerchantMode = 'direct' | 'partner';

/** The trade types an order can be created with, as their path segment. */
export type OrderKind = 'jsapi' | 'native' | 'app' | 'h5';

const h5Types: readonly MainlandH5Type[] = ['iOS', 'Android', 'Wap'];

/**
 * The ids a body carries in its mode. The other mode's merchant id is refused (each mode has its own paths), naming
 * it as exclusive with this mode's; `withApp` adds the mode's app ids (`appid`, or `sp_appid` + optional `sub_appid`).
 */
export function checkMerchant(scope: Scope, mode: MerchantMode, withApp: boolean): void {
  if (mode === 'direct') {
    if (scope.has('sp_mchid')) throw scope.error('sp_mchid', ruleText.exclusiveWith(scope.name('mchid')));
    if (withApp) scope.text('appid', ID_MAX);
    scope.text('mchid', ID_MAX);
    return;
  }
  if (scope.has('mchid')) throw scope.error('mchid', ruleText.exclusiveWith(scope.name('sp_mchid')));
  if (withApp) {
    scope.text('sp_appid', ID_MAX);
    scope.optionalText('sub_appid', ID_MAX);
  }
  scope.text('sp_mchid', ID_MAX);
  scope.text('sub_mchid', ID_MAX);
}

/** A JSAPI payer: `openid` (direct), or exactly one of `sp_openid` / `sub_openid` (partner; `sub_openid` needs `sub_appid`). */
function checkPayer(body: Scope, mode: MerchantMode): void {
  const payer = body.object('payer');
  if (mode === 'direct') {
    payer.text('openid', OPENID_MAX);
    return;
  }
  if (payer.exactlyOne('sp_openid', 'sub_openid', OPENID_MAX) === 'sub_openid') {
    body.text('sub_appid', ID_MAX, ruleText.requiredWhen(`${payer.name('sub_openid')} is present`));
  }
}

/** The rules of one create-order endpoint. */
export function createOrderRules(mode: MerchantMode, kind: OrderKind): (parts: V3CallParts) => void {
  return ({ json }) => {
    const body = bodyScope(json);
    checkMerchant(body, mode, true);
    body.text('description', 127);
    body.code('out_trade_no', OUT_TRADE_NO);
    body.optionalDateTime('time_expire');
    body.optionalText('attach', 128);
    body.notifyUrl('notify_url', false, ORDER_NOTIFY_URL_MAX);
    body.optionalText('goods_tag', 32);
    body.optionalBoolean('support_fapiao');
    const amount = body.object('amount');
    amount.amount('total');
    amount.optionalOneOf('currency', ['CNY']);
    if (kind === 'jsapi') checkPayer(body, mode);
    const scene = kind === 'h5' ? body.object('scene_info') : body.optionalObject('scene_info');
    if (scene) {
      scene.text('payer_client_ip', 45);
      const h5 = kind === 'h5' ? scene.object('h5_info') : scene.optionalObject('h5_info');
      h5?.oneOf('type', h5Types);
    }
    body.optionalObject('detail');
    body.optionalObject('settle_info')?.optionalBoolean('profit_sharing');
  };
}

/** The path value of a lookup or close: `out_trade_no` under its charset, WeChat Pay's number by length. */
function checkOrderParam(parts: V3CallParts, param: 'out_trade_no' | 'transaction_id'): void {
  const params = paramsScope(parts);
  if (param === 'out_trade_no') params.code(param, OUT_TRADE_NO);
  else params.text(param, ID_MAX);
}

/** An order lookup: the order in the path, the merchant ids of the mode in the query. */
export function lookupRules(mode: MerchantMode, param: 'out_trade_no' | 'transaction_id') {
  return (parts: V3CallParts): void => {
    checkOrderParam(parts, param);
    checkMerchant(queryScope(parts), mode, false);
  };
}

/** A close: the order in the path, the merchant ids of the mode in the body. */
export function closeRules(mode: MerchantMode) {
  return (parts: V3CallParts): void => {
    checkOrderParam(parts, 'out_trade_no');
    checkMerchant(bodyScope(parts.json), mode, false);
  };
}
