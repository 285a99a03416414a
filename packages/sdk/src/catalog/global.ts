// APIv3 global (cross-border, host apihk) endpoints: request/reply types, per-endpoint metadata and the runtime rules.
import { bodyScope, jsonRuleText, paramsScope, queryScope, type Scope } from './json-rules.js';
import { ruleText } from './rules.js';
import type { HttpVerb, V3CallParts, V3EndpointMeta } from './types.js';

// ---- merchant modes ----
// Every global call names its merchant in one of two modes. The `?: never` keys make a mix of both modes, or a
// half-filled institutional pair, a compile error; `validate` repeats the check at run time for untyped callers.

/** Common mode: the merchant calls for itself. */
export interface CommonMerchant {
  mchid: string;
  sp_mchid?: never;
  sub_mchid?: never;
}

/** Institutional mode: an institution calls (and signs) for one of its sub-merchants. */
export interface InstitutionalMerchant {
  sp_mchid: string;
  sub_mchid: string;
  mchid?: never;
}

/** The merchant ids of a call, in either mode. */
export type GlobalMerchant = CommonMerchant | InstitutionalMerchant;

/** The query of the lookups (orders, refunds): the merchant ids and nothing else. */
export type GlobalModeQuery = GlobalMerchant;

/** Merchant ids plus the app ids each mode takes; the other mode's app ids are `never`. */
type WithAppIds<Common, Institutional> =
  | (CommonMerchant & Common & { sp_appid?: never; sub_appid?: never })
  | (InstitutionalMerchant & Institutional & { appid?: never });

/** The ids an order is created with: `mchid` + `appid`, or `sp_mchid` + `sub_mchid` + `sp_appid` (+ `sub_appid`). */
export type GlobalOrderMode = WithAppIds<{ appid: string }, { sp_appid: string; sub_appid?: string }>;

/** The payer of a common-mode JSAPI order: the openid under `appid`. */
export interface CommonPayer {
  openid: string;
}

/** The payer of an institutional JSAPI order: the openid under `sp_appid` or the one under `sub_appid`, not both. */
export type InstitutionalPayer = { sp_openid: string; sub_openid?: never } | { sub_openid: string; sp_openid?: never };

/** JSAPI ids and payer: a `sub_openid` only exists under a `sub_appid`, so that pairing requires it. */
export type GlobalJsapiMode = WithAppIds<
  { appid: string; payer: CommonPayer },
  | { sp_appid: string; sub_appid?: string; payer: { sp_openid: string; sub_openid?: never } }
  | { sp_appid: string; sub_appid: string; payer: { sub_openid: string; sp_openid?: never } }
>;

// ---- orders ----

export type GlobalTradeType = 'JSAPI' | 'NATIVE' | 'APP' | 'MWEB' | 'MICROPAY';

/** The trade types an order can be created with here (`MICROPAY` orders come from a scan at the till). */
export type CreatableTradeType = Exclude<GlobalTradeType, 'MICROPAY'>;

/** The amount of a new order. */
export interface OrderAmount {
  /** Integer in the currency's smallest unit (fen, cent), at least 1. */
  total: number;
  /** ISO 4217, e.g. `HKD`. */
  currency: string;
}

/** Where the payment happens; H5 (MWEB) orders must send it with `payer_client_ip`. */
export interface SceneInfo {
  /** IPv4 or IPv6 of the payer's device. */
  payer_client_ip: string;
  device_ip?: string;
  device_id?: string;
  operator_id?: string;
  h5_info?: H5Info;
}

export type H5Type = 'Wap' | 'iOS' | 'Android';

export interface H5Info {
  type: H5Type;
  app_name?: string;
  app_url?: string;
  bundle_id?: string;
  package_name?: string;
}

export interface OrderGoods {
  merchant_goods_id: string;
  wechatpay_goods_id?: string;
  goods_name?: string;
  quantity: number;
  /** Unit price, integer in the smallest unit. */
  price: number;
}

export interface OrderDetail {
  cost_price?: number;
  receipt_id?: string;
  goods_detail?: OrderGoods[];
}

/** The fields every new order takes, whatever its trade type. */
export interface OrderFields<T extends CreatableTradeType> {
  /** 1..127 characters. */
  description: string;
  /** 1..32 characters; the idempotency key: resend the same number with the same fields, never a new one. */
  out_trade_no: string;
  /** https, no query string. */
  notify_url: string;
  /** Must match the endpoint (`NATIVE` for `.../native`). */
  trade_type: T;
  merchant_category_code: string;
  amount: OrderAmount;
  attach?: string;
  scene_info?: SceneInfo;
  detail?: OrderDetail;
}

export type CreateNativeOrderRequest = OrderFields<'NATIVE'> & GlobalOrderMode;
export type CreateAppOrderRequest = OrderFields<'APP'> & GlobalOrderMode;
export type CreateJsapiOrderRequest = OrderFields<'JSAPI'> & GlobalJsapiMode;
export type CreateMwebOrderRequest = OrderFields<'MWEB'> & { scene_info: SceneInfo } & GlobalOrderMode;

export interface CreateNativeOrderResponse {
  /** Render as a QR code for the payer to scan. */
  code_url: string;
}

/** JSAPI and APP orders: the id the client-side pay sign covers. */
export interface CreatePrepayOrderResponse {
  prepay_id: string;
}

export interface CreateMwebOrderResponse {
  mweb_url: string;
}

/** The body of a close (by `out_trade_no` or by WeChat Pay's number): the merchant ids; the order is in the path. */
export type CloseGlobalOrderRequest = GlobalMerchant;

export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';

/** The rate a foreign-currency payment was converted at. */
export interface ExchangeRate {
  /** `SETTLEMENT_RATE`. */
  type: string;
  /** The rate times 10^8, as an integer. */
  rate: number;
}

export interface TransactionAmount {
  total: number;
  currency: string;
  /** What the payer paid, in `payer_currency` (CNY for mainland wallets). */
  payer_total?: number;
  payer_currency?: string;
  exchange_rate?: ExchangeRate;
}

/** Whichever openid the order was paid under. */
export interface TransactionPayer {
  openid?: string;
  sp_openid?: string;
  sub_openid?: string;
}

export interface PromotionGoods {
  goods_id: string;
  goods_remark?: string;
  discount_amount: number;
  quantity: number;
  price: number;
}

export interface PromotionDetail {
  promotion_id: string;
  name?: string;
  scope?: 'GLOBAL' | 'SINGLE';
  type?: 'COUPON' | 'DISCOUNT';
  amount: number;
  currency?: string;
  activity_id?: string;
  wechatpay_contribute_amount?: number;
  merchant_contribute_amount?: number;
  other_contribute_amount?: number;
  goods_detail?: PromotionGoods[];
}

/**
 * An order as the lookups return it, and the plaintext of a `TRANSACTION.SUCCESS` notification. It carries the ids
 * of the mode the order was made in (narrow with `mchid !== undefined`).
 */
export type GlobalTransaction = GlobalOrderMode & {
  /** WeChat Pay's order number (called `transaction_id` elsewhere). */
  id: string;
  out_trade_no: string;
  trade_type: GlobalTradeType;
  trade_state: TradeState;
  trade_state_desc: string;
  bank_type?: string;
  attach?: string;
  /** RFC 3339. */
  success_time?: string;
  payer: TransactionPayer;
  amount: TransactionAmount;
  promotion_detail?: PromotionDetail[];
};

// ---- refunds ----

export interface RefundAmount {
  /** Integer in the smallest unit, 1..`total`. */
  refund: number;
  /** The order's total. */
  total: number;
  currency: string;
}

/** Which order to refund: WeChat Pay's number or the merchant's, exactly one. */
export type RefundTarget =
  | { out_trade_no: string; transaction_id?: never }
  | { transaction_id: string; out_trade_no?: never };

/** The ids a refund is asked with: like an order's, `appid` (common) or `sp_appid` (institutional) is required. */
export type GlobalRefundMode = GlobalOrderMode;

export type CreateGlobalRefundRequest = RefundTarget &
  GlobalRefundMode & {
    /** 1..64 characters; the idempotency key: resend the same number with the same fields, never a new one. */
    out_refund_no: string;
    reason?: string;
    /** https, no query string. */
    notify_url?: string;
    amount: RefundAmount;
  };

export type RefundStatus = 'SUCCESS' | 'REFUNDCLOSE' | 'PROCESSING' | 'ABNORMAL';

export interface GlobalRefundAmount extends RefundAmount {
  payer_refund?: number;
  payer_currency?: string;
  exchange_rate?: ExchangeRate;
}

/** A refund as the create and the lookup return it. */
export type GlobalRefund = GlobalMerchant & {
  /** WeChat Pay's refund number. */
  id: string;
  out_refund_no: string;
  out_trade_no: string;
  transaction_id: string;
  reason?: string;
  /** RFC 3339. */
  create_time: string;
  success_time?: string;
  status: RefundStatus;
  amount: GlobalRefundAmount;
};

/** The query of the refund list: the mode's merchant ids, the order (either number), and the page. */
export type GlobalRefundListQuery = GlobalModeQuery &
  RefundTarget & {
    /** Where the page starts, from 0. */
    offset: number | string;
    /** Refunds per page, 1..20. */
    count: number | string;
  };

/** One refund in the list: the refund without the order's numbers, which the list gives once. */
export interface GlobalRefundListEntry {
  id: string;
  out_refund_no: string;
  /** RFC 3339. */
  create_time: string;
  success_time?: string;
  status: RefundStatus;
  amount: {
    refund: number;
    currency: string;
    payer_refund?: number;
    payer_currency?: string;
    exchange_rate?: ExchangeRate;
  };
}

/** The refunds of one order, a page at a time, with the order's amounts. */
export type GlobalRefundList = GlobalMerchant & {
  /** WeChat Pay's order number. */
  id: string;
  out_trade_no: string;
  amount: { total: number; currency: string; payer_total?: number; payer_currency?: string };
  data: GlobalRefundListEntry[];
  /** How many refunds the order has. */
  total_num: number;
  /** How many are on this page. */
  current_total_num: number;
};

// ---- platform certificates ----

/** A platform certificate, encrypted with the APIv3 key (associated data `certificate`). */
export interface EncryptedCertificate {
  algorithm: 'AEAD_AES_256_GCM';
  nonce: string;
  associated_data: string;
  ciphertext: string;
}

export interface PlatformCertificate {
  /** Uppercase hex; keep leading zeros. */
  serial_no: string;
  effective_time: string;
  expire_time: string;
  encrypt_certificate: EncryptedCertificate;
}

export interface PlatformCertificates {
  data: PlatformCertificate[];
}

// ---- runtime rules (built on the engine in json-rules.ts) ----

/** Path values, merchant and app ids, order numbers. */
const ID_MAX = 32;
const OPENID_MAX = 128;

type Mode = 'common' | 'institutional';

/** Does the call's mode carry app ids besides the merchant ids (orders and refunds: `appid` or `sp_appid` required)? */
type AppIds = 'none' | 'required';

/**
 * Checks the merchant (and app) ids of either mode and says which mode the call is in. Ids of both modes together
 * are refused, naming the institutional id as exclusive with the common one; an incomplete institutional set names
 * the missing id as required when the first institutional id present is.
 */
function checkMode(scope: Scope, appIds: AppIds): Mode {
  const withApps = appIds !== 'none';
  const common = withApps ? ['mchid', 'appid'] : ['mchid'];
  const institutional = withApps ? ['sp_mchid', 'sub_mchid', 'sp_appid', 'sub_appid'] : ['sp_mchid', 'sub_mchid'];
  const commonKey = common.find((key) => scope.has(key));
  const institutionalKey = institutional.find((key) => scope.has(key));
  if (commonKey !== undefined && institutionalKey !== undefined) {
    throw scope.error(institutionalKey, ruleText.exclusiveWith(scope.name(commonKey)));
  }
  if (institutionalKey === undefined) {
    scope.text('mchid', ID_MAX);
    if (withApps) scope.text('appid', ID_MAX);
    return 'common';
  }
  const missing = ruleText.requiredWhen(`${scope.name(institutionalKey)} is present`);
  scope.text('sp_mchid', ID_MAX, missing);
  scope.text('sub_mchid', ID_MAX, missing);
  if (withApps) {
    scope.text('sp_appid', ID_MAX, missing);
    scope.optionalText('sub_appid', ID_MAX);
  }
  return 'institutional';
}

/** A JSAPI payer: `openid` in common mode, else `sp_openid` or `sub_openid` (which needs `sub_appid`). */
function checkJsapiPayer(body: Scope, mode: Mode): void {
  const payer = body.object('payer');
  if (mode === 'common') {
    payer.text('openid', OPENID_MAX);
    return;
  }
  if (payer.exactlyOne('sp_openid', 'sub_openid', OPENID_MAX) === 'sub_openid') {
    body.text('sub_appid', ID_MAX, ruleText.requiredWhen(`${payer.name('sub_openid')} is present`));
  }
}

const h5Types: readonly H5Type[] = ['Wap', 'iOS', 'Android'];

function createOrderRules(tradeType: CreatableTradeType): (parts: V3CallParts) => void {
  return ({ json }) => {
    const body = bodyScope(json);
    const mode = checkMode(body, 'required');
    body.text('description', 127);
    body.text('out_trade_no', ID_MAX);
    body.notifyUrl('notify_url');
    // The path already says the trade type; a different one in the body is a mistake, not a choice.
    body.oneOf('trade_type', [tradeType]);
    body.text('merchant_category_code', 32);
    const amount = body.object('amount');
    amount.amount('total');
    amount.currency('currency');
    if (tradeType === 'JSAPI') checkJsapiPayer(body, mode);
    body.optionalText('attach', 128);
    const scene = tradeType === 'MWEB' ? body.object('scene_info') : body.optionalObject('scene_info');
    if (scene) {
      scene.text('payer_client_ip', 45);
      scene.optionalObject('h5_info')?.oneOf('type', h5Types);
    }
    body.optionalObject('detail');
  };
}

/** The lookups: a business number in the path (1..`maxLength`) and the mode in the query. */
function lookupRules(param: string, maxLength: number): (parts: V3CallParts) => void {
  return (parts) => {
    paramsScope(parts).text(param, maxLength);
    checkMode(queryScope(parts), 'none');
  };
}

/** A close: the order in the path (`out_trade_no` or `transaction_id`), the mode's merchant ids in the body. */
function closeOrderRules(param: string): (parts: V3CallParts) => void {
  return (parts) => {
    paramsScope(parts).text(param, ID_MAX);
    checkMode(bodyScope(parts.json), 'none');
  };
}

/** The most refunds one page of the list holds. */
const REFUND_PAGE_MAX = 20;

function listRefundsRules(parts: V3CallParts): void {
  const query = queryScope(parts);
  checkMode(query, 'none');
  query.exactlyOne('out_trade_no', 'transaction_id', ID_MAX);
  query.integer('offset', { min: 0 });
  query.integer('count', { min: 1, max: REFUND_PAGE_MAX });
}

function createRefundRules({ json }: V3CallParts): void {
  const body = bodyScope(json);
  checkMode(body, 'required');
  body.exactlyOne('out_trade_no', 'transaction_id', ID_MAX);
  body.text('out_refund_no', 64);
  body.optionalText('reason', 80);
  body.notifyUrl('notify_url', true);
  const amount = body.object('amount');
  const refund = amount.amount('refund');
  const total = amount.amount('total');
  if (refund > total) throw amount.error('refund', jsonRuleText.notAbove(amount.name('total')));
  amount.currency('currency');
}

// ---- metadata ----

/** Metadata whose path and verb keep their literal types, so the registry can check them against its keys. */
export type GlobalEndpointMeta<P extends string, V extends HttpVerb> = V3EndpointMeta & {
  readonly path: P;
  readonly verb: V;
};

function endpoint<const P extends string, const V extends HttpVerb>(
  meta: GlobalEndpointMeta<P, V>,
): GlobalEndpointMeta<P, V> {
  return meta;
}

/** One create-order endpoint; the path is the trade type in lower case, so the two cannot disagree. */
function createOrderEndpoint<T extends CreatableTradeType>(
  tradeType: T,
): GlobalEndpointMeta<`v3/global/transactions/${Lowercase<T>}`, 'post'> {
  return {
    path: `v3/global/transactions/${tradeType.toLowerCase() as Lowercase<T>}`,
    verb: 'post',
    host: 'global',
    idempotencyKey: 'out_trade_no',
    validate: createOrderRules(tradeType),
  };
}

export const queryOrderByIdEndpoint = endpoint({
  path: 'v3/global/transactions/id/{id}',
  verb: 'get',
  host: 'global',
  validate: lookupRules('id', ID_MAX),
});

export const queryOrderByOutTradeNoEndpoint = endpoint({
  path: 'v3/global/transactions/out-trade-no/{out_trade_no}',
  verb: 'get',
  host: 'global',
  validate: lookupRules('out_trade_no', ID_MAX),
});

export const createNativeOrderEndpoint = createOrderEndpoint('NATIVE');
export const createJsapiOrderEndpoint = createOrderEndpoint('JSAPI');
export const createAppOrderEndpoint = createOrderEndpoint('APP');
export const createMwebOrderEndpoint = createOrderEndpoint('MWEB');

export const closeOrderEndpoint = endpoint({
  path: 'v3/global/transactions/out-trade-no/{out_trade_no}/close',
  verb: 'post',
  host: 'global',
  // Closing twice is harmless, so a resend of the same order number is a re-entry.
  idempotencyKey: 'out_trade_no',
  validate: closeOrderRules('out_trade_no'),
});

export const closeOrderByIdEndpoint = endpoint({
  path: 'v3/global/transactions/id/{transaction_id}/close',
  verb: 'post',
  host: 'global',
  idempotencyKey: 'transaction_id',
  validate: closeOrderRules('transaction_id'),
});

export const createRefundEndpoint = endpoint({
  path: 'v3/global/refunds',
  verb: 'post',
  host: 'global',
  idempotencyKey: 'out_refund_no',
  validate: createRefundRules,
});

export const queryRefundEndpoint = endpoint({
  path: 'v3/global/refunds/out-refund-no/{out_refund_no}',
  verb: 'get',
  host: 'global',
  validate: lookupRules('out_refund_no', 64),
});

export const queryRefundByIdEndpoint = endpoint({
  path: 'v3/global/refunds/id/{refund_id}',
  verb: 'get',
  host: 'global',
  validate: lookupRules('refund_id', ID_MAX),
});

export const listRefundsEndpoint = endpoint({
  path: 'v3/global/refunds',
  verb: 'get',
  host: 'global',
  validate: listRefundsRules,
});

export const globalCertificatesEndpoint = endpoint({ path: 'v3/global/certificates', verb: 'get', host: 'global' });

/** The mainland download (docs/protocol.md, platform certificates): the same reply as the global one, another host. */
export const mainlandCertificatesEndpoint = endpoint({ path: 'v3/certificates', verb: 'get', host: 'mainland' });
