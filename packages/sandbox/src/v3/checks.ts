// The sandbox's own field checks for the APIv3 global requests it serves (docs/endpoints.md, "APIv3 global"), written
// apart from the SDK's catalogue on purpose. A broken rule is a ValidationError naming the field the way the router's
// PARAM_ERROR reports it: `/amount/total` in a body, `query.mchid` in a query, the bare name of a path parameter.
import { ValidationError } from 'wxpay';
import { ruleText } from '../rule-text.js';

export type HttpVerb = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A routed call as the checks see it: percent-decoded path parameters, the query, the parsed JSON body. */
export interface V3RequestParts {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly json: unknown;
}

/** Merchant and app ids, order numbers, path values. */
const idMax = 32;
const openidMax = 128;
/** The longest `notify_url` WeChat Pay takes. */
const notifyUrlMax = 256;

/**
 * The fields of one JSON object (or of the query, or of the path), read with rules. `at` is what precedes a key in
 * the field's name: `/` or `/amount/` in a body, `query.` in a query, nothing in a path. Keys the checks do not ask
 * about are allowed: WeChat Pay adds fields over time.
 */
class FieldReader {
  constructor(
    private readonly values: Readonly<Record<string, unknown>>,
    private readonly at: string,
  ) {}

  nameOf(key: string): string {
    return `${this.at}${key}`;
  }

  broken(key: string, rule: string): ValidationError {
    return new ValidationError(this.nameOf(key), rule);
  }

  /** Own keys only, so `__proto__` is never read through; JSON null is as good as absent. */
  valueOf(key: string): unknown {
    const value = Object.hasOwn(this.values, key) ? this.values[key] : undefined;
    return value === null ? undefined : value;
  }

  isGiven(key: string): boolean {
    return this.valueOf(key) !== undefined;
  }

  /** A string of 1..maxLength characters (code points); `whenMissing` is the rule an absent or empty one breaks. */
  text(key: string, maxLength: number, whenMissing: string = ruleText.required): string {
    const value = this.valueOf(key);
    if (value === undefined) throw this.broken(key, whenMissing);
    return this.checkText(key, value, maxLength, whenMissing);
  }

  /** As `text` when given; given but empty breaks `minLength 1`. */
  optionalText(key: string, maxLength: number): string | undefined {
    const value = this.valueOf(key);
    return value === undefined ? undefined : this.checkText(key, value, maxLength, ruleText.minLength(1));
  }

  /** An amount in the currency's smallest unit: a JSON number that is a whole number, at least 1. */
  amount(key: string): number {
    const value = this.valueOf(key);
    if (value === undefined) throw this.broken(key, ruleText.required);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw this.broken(key, ruleText.integer({ min: 1 }));
    }
    return value;
  }

  currency(key: string): void {
    const value = this.valueOf(key);
    if (value === undefined) throw this.broken(key, ruleText.required);
    if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) throw this.broken(key, ruleText.currency);
  }

  oneOf(key: string, allowed: readonly string[]): void {
    const value = this.valueOf(key);
    if (value === undefined) throw this.broken(key, ruleText.required);
    if (typeof value !== 'string' || !allowed.includes(value)) throw this.broken(key, ruleText.oneOf(allowed));
  }

  /**
   * Where notifications go: https, and no query string (WeChat Pay refuses one); plain http only to a loopback address
   * (packages/sandbox/README.md), since the sandbox delivers nowhere else anyway.
   */
  notifyUrl(key: string, optional: boolean): void {
    const value = optional ? this.optionalText(key, notifyUrlMax) : this.text(key, notifyUrlMax);
    if (value !== undefined && !isNotifyUrl(value)) throw this.broken(key, ruleText.httpsUrl);
  }

  /** A whole number within bounds, written in digits (query values are strings). */
  wholeNumber(key: string, bounds: { min: number; max?: number }): number {
    const value = this.valueOf(key);
    if (value === undefined) throw this.broken(key, ruleText.required);
    const number = typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : Number.NaN;
    if (!(number >= bounds.min && (bounds.max === undefined || number <= bounds.max))) {
      throw this.broken(key, ruleText.integer(bounds));
    }
    return number;
  }

  object(key: string): FieldReader {
    const value = this.valueOf(key);
    if (value === undefined) throw this.broken(key, ruleText.required);
    return this.nested(key, value);
  }

  optionalObject(key: string): FieldReader | undefined {
    const value = this.valueOf(key);
    return value === undefined ? undefined : this.nested(key, value);
  }

  /**
   * One of two alternative strings, never both (`out_trade_no` / `transaction_id`): both given names `second` as
   * exclusive with `first`; neither names `first` as required when `second` is absent. Returns the key given.
   */
  eitherOf(first: string, second: string, maxLength: number): string {
    if (this.isGiven(first) && this.isGiven(second)) {
      throw this.broken(second, ruleText.exclusiveWith(this.nameOf(first)));
    }
    const key = this.isGiven(second) ? second : first;
    this.text(key, maxLength, ruleText.requiredWhen(`${this.nameOf(second)} is absent`));
    return key;
  }

  /** A list of at least `min` JSON objects, each read with rules (`/transfer_scene_report_infos/0/`). */
  objects(key: string, min: number): FieldReader[] {
    const value = this.valueOf(key);
    if (value === undefined) throw this.broken(key, ruleText.required);
    if (!Array.isArray(value) || value.length < min) throw this.broken(key, `array of >= ${min} objects`);
    return value.map((entry, i) => {
      if (!isJsonObject(entry)) throw this.broken(`${key}/${i}`, ruleText.object);
      return new FieldReader(entry, `${this.nameOf(key)}/${i}/`);
    });
  }

  /** `text` made of `characters` only (a regex character class such as `[0-9A-Za-z]`). */
  code(key: string, maxLength: number, characters: string): string {
    const value = this.text(key, maxLength);
    if (!new RegExp(`^${characters}+$`).test(value)) throw this.broken(key, ruleText.charset(characters));
    return value;
  }

  private checkText(key: string, value: unknown, maxLength: number, whenEmpty: string): string {
    if (typeof value !== 'string') throw this.broken(key, ruleText.string);
    if (value === '') throw this.broken(key, whenEmpty);
    if ([...value].length > maxLength) throw this.broken(key, ruleText.maxLength(maxLength));
    return value;
  }

  private nested(key: string, value: unknown): FieldReader {
    if (!isJsonObject(value)) throw this.broken(key, ruleText.object);
    return new FieldReader(value, `${this.nameOf(key)}/`);
  }
}

function isJsonObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNotifyUrl(value: string): boolean {
  if (value.includes('?') || !URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackLiteral(url.hostname));
}

/** 127.0.0.0/8, [::1] or localhost, as the URL parser writes them. */
function isLoopbackLiteral(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/.test(hostname);
}

/** The body as fields; a missing body, or one that is not a JSON object, is reported as the field `json`. */
function bodyFields(json: unknown): FieldReader {
  if (json === undefined || json === null) throw new ValidationError('json', ruleText.required);
  if (!isJsonObject(json)) throw new ValidationError('json', ruleText.object);
  return new FieldReader(json, '/');
}

// ---- merchant modes (docs/protocol.md, "Global merchants: common and institutional mode")

type Mode = 'common' | 'institutional';

/** Which app ids a call carries besides its merchant ids. */
type AppIds = 'none' | 'required';

/**
 * The merchant (and app) ids of either mode, and which mode they make. Ids of both modes together name the first
 * institutional id as exclusive with the first common one; an incomplete institutional set names the missing id as
 * required because the first institutional id is present.
 */
function checkMode(fields: FieldReader, appIds: AppIds): Mode {
  const withApps = appIds !== 'none';
  const commonIds = withApps ? ['mchid', 'appid'] : ['mchid'];
  const institutionalIds = withApps ? ['sp_mchid', 'sub_mchid', 'sp_appid', 'sub_appid'] : ['sp_mchid', 'sub_mchid'];
  const common = commonIds.find((key) => fields.isGiven(key));
  const institutional = institutionalIds.find((key) => fields.isGiven(key));
  if (common !== undefined && institutional !== undefined) {
    throw fields.broken(institutional, ruleText.exclusiveWith(fields.nameOf(common)));
  }
  if (institutional === undefined) {
    fields.text('mchid', idMax);
    checkAppId(fields, 'appid', appIds, ruleText.required);
    return 'common';
  }
  const whenMissing = ruleText.requiredWhen(`${fields.nameOf(institutional)} is present`);
  fields.text('sp_mchid', idMax, whenMissing);
  fields.text('sub_mchid', idMax, whenMissing);
  checkAppId(fields, 'sp_appid', appIds, whenMissing);
  if (withApps) fields.optionalText('sub_appid', idMax);
  return 'institutional';
}

function checkAppId(fields: FieldReader, key: string, appIds: AppIds, whenMissing: string): void {
  if (appIds === 'required') fields.text(key, idMax, whenMissing);
}

// ---- the requests

type TradeType = 'NATIVE' | 'JSAPI' | 'APP' | 'MWEB';

/** A JSAPI payer: `openid` in common mode, else `sp_openid` or `sub_openid`, and a `sub_openid` needs `sub_appid`. */
function checkJsapiPayer(body: FieldReader, mode: Mode): void {
  const payer = body.object('payer');
  if (mode === 'common') {
    payer.text('openid', openidMax);
    return;
  }
  if (payer.eitherOf('sp_openid', 'sub_openid', openidMax) === 'sub_openid') {
    body.text('sub_appid', idMax, ruleText.requiredWhen(`${payer.nameOf('sub_openid')} is present`));
  }
}

function checkCreateOrder(tradeType: TradeType): (parts: V3RequestParts) => void {
  return ({ json }) => {
    const body = bodyFields(json);
    const mode = checkMode(body, 'required');
    body.text('description', 127);
    body.text('out_trade_no', idMax);
    body.notifyUrl('notify_url', false);
    // The path names the trade type already; another one in the body is a mistake.
    body.oneOf('trade_type', [tradeType]);
    body.text('merchant_category_code', 32);
    const amount = body.object('amount');
    amount.amount('total');
    amount.currency('currency');
    if (tradeType === 'JSAPI') checkJsapiPayer(body, mode);
    body.optionalText('attach', 128);
    // H5 payments must say where the payer is.
    const scene = tradeType === 'MWEB' ? body.object('scene_info') : body.optionalObject('scene_info');
    if (scene !== undefined) {
      scene.text('payer_client_ip', 45);
      scene.optionalObject('h5_info')?.oneOf('type', ['Wap', 'iOS', 'Android']);
    }
    body.optionalObject('detail');
  };
}

/** A lookup: the business number in the path (1..`maxLength`), the mode's merchant ids in the query. */
function checkLookup(param: string, maxLength: number): (parts: V3RequestParts) => void {
  return ({ params, query }) => {
    new FieldReader(params, '').text(param, maxLength);
    checkMode(new FieldReader(query, 'query.'), 'none');
  };
}

/** A close: the order in the path (`out_trade_no` or `transaction_id`), the mode's merchant ids in the body. */
function checkCloseOrder(param: string): (parts: V3RequestParts) => void {
  return ({ params, json }) => {
    new FieldReader(params, '').text(param, idMax);
    checkMode(bodyFields(json), 'none');
  };
}

/** The refund list (docs/endpoints.md#list-the-refunds-of-an-order): one order number and a page of 1..20. */
function checkListRefunds({ query }: V3RequestParts): void {
  const fields = new FieldReader(query, 'query.');
  checkMode(fields, 'none');
  fields.eitherOf('out_trade_no', 'transaction_id', idMax);
  fields.wholeNumber('offset', { min: 0 });
  fields.wholeNumber('count', { min: 1, max: 20 });
}

function checkCreateRefund({ json }: V3RequestParts): void {
  const body = bodyFields(json);
  // appid (common) or sp_appid (institutional) is required: docs/endpoints.md#refund.
  checkMode(body, 'required');
  body.eitherOf('out_trade_no', 'transaction_id', idMax);
  body.text('out_refund_no', 64);
  body.optionalText('reason', 80);
  body.notifyUrl('notify_url', true);
  const amount = body.object('amount');
  const refund = amount.amount('refund');
  const total = amount.amount('total');
  if (refund > total) throw amount.broken('refund', ruleText.notAbove(amount.nameOf('total')));
  amount.currency('currency');
}

// ---- mainland merchant transfers (docs/endpoints.md#apiv3-merchant-transfers)

const outBillNoCharacters = '[0-9A-Za-z]';
/** Transfers of this many fen (2,000 yuan) or more must name the payee. */
const userNameRequiredFromFen = 200_000;
/** Limits the pages do not state (names, perceptions, report lines): generous, only to keep values sane. */
const freeTextMax = 1024;

function checkCreateTransferBill({ json }: V3RequestParts): void {
  const body = bodyFields(json);
  body.text('appid', idMax);
  body.code('out_bill_no', idMax, outBillNoCharacters);
  body.text('transfer_scene_id', 36);
  body.text('openid', 64);
  const amount = body.amount('transfer_amount');
  if (amount >= userNameRequiredFromFen) {
    body.text('user_name', freeTextMax, ruleText.requiredWhen(`/transfer_amount >= ${userNameRequiredFromFen}`));
  } else {
    body.optionalText('user_name', freeTextMax);
  }
  body.text('transfer_remark', 32);
  body.notifyUrl('notify_url', true);
  body.optionalText('user_recv_perception', freeTextMax);
  for (const info of body.objects('transfer_scene_report_infos', 1)) {
    info.text('info_type', freeTextMax);
    info.text('info_content', freeTextMax);
  }
}

/** A transfer named in the path by `out_bill_no` (a cancel sends no body). */
function checkOutBillNo({ params }: V3RequestParts): void {
  new FieldReader(params, '').code('out_bill_no', idMax, outBillNoCharacters);
}

function checkTransferBillNo({ params }: V3RequestParts): void {
  new FieldReader(params, '').text('transfer_bill_no', 64);
}

// ---- mainland payments, refunds and bills (docs/endpoints.md, "APIv3 mainland ...")

/** An optional value among `allowed`. */
function optionalOneOf(fields: FieldReader, key: string, allowed: readonly string[]): void {
  if (fields.isGiven(key)) fields.oneOf(key, allowed);
}

/** The mode a mainland path serves: direct paths take `appid` + `mchid`, partner paths the `sp_`/`sub_` ids. */
function checkMainlandMode(fields: FieldReader, appIds: AppIds, partner: boolean): Mode {
  const mode = checkMode(fields, appIds);
  if (partner && mode === 'common') throw fields.broken('sp_mchid', ruleText.required);
  if (!partner && mode === 'institutional')
    throw fields.broken('sp_mchid', ruleText.exclusiveWith(fields.nameOf('mchid')));
  return mode;
}

function checkMainlandCreateOrder(tradeType: TradeType, partner: boolean): (parts: V3RequestParts) => void {
  return ({ json }) => {
    const body = bodyFields(json);
    const mode = checkMainlandMode(body, 'required', partner);
    body.text('description', 127);
    const outTradeNo = body.code('out_trade_no', idMax, '[0-9A-Za-z_|*-]');
    if (outTradeNo.length < 6) throw body.broken('out_trade_no', ruleText.minLength(6));
    body.optionalText('time_expire', 64);
    body.optionalText('attach', 128);
    body.notifyUrl('notify_url', false);
    body.optionalText('goods_tag', 32);
    const amount = body.object('amount');
    amount.amount('total');
    optionalOneOf(amount, 'currency', ['CNY']);
    if (tradeType === 'JSAPI') checkJsapiPayer(body, mode);
    const scene = tradeType === 'MWEB' ? body.object('scene_info') : body.optionalObject('scene_info');
    if (scene !== undefined) {
      scene.text('payer_client_ip', 45);
      const h5 = tradeType === 'MWEB' ? scene.object('h5_info') : scene.optionalObject('h5_info');
      h5?.oneOf('type', ['iOS', 'Android', 'Wap']);
    }
    body.optionalObject('detail');
    body.optionalObject('settle_info');
  };
}

/** A mainland order lookup: the number in the path, the mode's ids in the query. */
function checkMainlandLookup(param: string, partner: boolean): (parts: V3RequestParts) => void {
  return ({ params, query }) => {
    new FieldReader(params, '').text(param, idMax);
    checkMainlandMode(new FieldReader(query, 'query.'), 'none', partner);
  };
}

function checkMainlandClose(partner: boolean): (parts: V3RequestParts) => void {
  return ({ params, json }) => {
    new FieldReader(params, '').text('out_trade_no', idMax);
    checkMainlandMode(bodyFields(json), 'none', partner);
  };
}

function checkMainlandRefund({ json }: V3RequestParts): void {
  const body = bodyFields(json);
  body.optionalText('sub_mchid', idMax);
  body.eitherOf('out_trade_no', 'transaction_id', idMax);
  body.code('out_refund_no', 64, '[0-9A-Za-z_|*@-]');
  const reason = body.optionalText('reason', 80);
  if (reason !== undefined && Buffer.byteLength(reason, 'utf8') > 80) throw body.broken('reason', 'at most 80 bytes');
  body.notifyUrl('notify_url', true);
  optionalOneOf(body, 'funds_account', ['AVAILABLE', 'UNSETTLED']);
  const amount = body.object('amount');
  const refund = amount.amount('refund');
  const total = amount.amount('total');
  if (refund > total) throw amount.broken('refund', ruleText.notAbove(amount.nameOf('total')));
  amount.oneOf('currency', ['CNY']);
}

function checkMainlandRefundQuery({ params, query }: V3RequestParts): void {
  new FieldReader(params, '').text('out_refund_no', 64);
  new FieldReader(query, 'query.').optionalText('sub_mchid', idMax);
}

/** A bill application: a real `yyyy-MM-dd` date, and the bill's kind among the documented values. */
function checkBill(kind: 'trade' | 'fundflow'): (parts: V3RequestParts) => void {
  return ({ query }) => {
    const fields = new FieldReader(query, 'query.');
    const date = fields.text('bill_date', 10);
    const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00Z`) : undefined;
    if (parsed === undefined || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) {
      throw fields.broken('bill_date', 'date yyyy-MM-dd');
    }
    if (kind === 'trade') {
      optionalOneOf(fields, 'bill_type', ['ALL', 'SUCCESS', 'REFUND']);
      fields.optionalText('sub_mchid', idMax);
    } else {
      optionalOneOf(fields, 'account_type', ['BASIC', 'OPERATION', 'FEES']);
    }
    optionalOneOf(fields, 'tar_type', ['GZIP']);
  };
}

function checkBillDownload({ query }: V3RequestParts): void {
  new FieldReader(query, 'query.').text('token', 128);
}

const mainlandChecks: [string, (parts: V3RequestParts) => void][] = [
  ...[false, true].flatMap((partner): [string, (parts: V3RequestParts) => void][] => {
    const base = partner ? 'v3/pay/partner/transactions' : 'v3/pay/transactions';
    return [
      [`post ${base}/jsapi`, checkMainlandCreateOrder('JSAPI', partner)],
      [`post ${base}/native`, checkMainlandCreateOrder('NATIVE', partner)],
      [`post ${base}/app`, checkMainlandCreateOrder('APP', partner)],
      [`post ${base}/h5`, checkMainlandCreateOrder('MWEB', partner)],
      [`get ${base}/id/{transaction_id}`, checkMainlandLookup('transaction_id', partner)],
      [`get ${base}/out-trade-no/{out_trade_no}`, checkMainlandLookup('out_trade_no', partner)],
      [`post ${base}/out-trade-no/{out_trade_no}/close`, checkMainlandClose(partner)],
    ];
  }),
  ['post v3/refund/domestic/refunds', checkMainlandRefund],
  ['get v3/refund/domestic/refunds/{out_refund_no}', checkMainlandRefundQuery],
  ['get v3/bill/tradebill', checkBill('trade')],
  ['get v3/bill/fundflowbill', checkBill('fundflow')],
  ['get v3/billdownload/file', checkBillDownload],
];

/** By `verb path-template`, as the router names its routes; the certificate downloads take no parameters. */
const checks: ReadonlyMap<string, (parts: V3RequestParts) => void> = new Map([
  ...mainlandChecks,
  ['post v3/global/transactions/native', checkCreateOrder('NATIVE')],
  ['post v3/global/transactions/jsapi', checkCreateOrder('JSAPI')],
  ['post v3/global/transactions/app', checkCreateOrder('APP')],
  ['post v3/global/transactions/mweb', checkCreateOrder('MWEB')],
  ['get v3/global/transactions/id/{id}', checkLookup('id', idMax)],
  ['get v3/global/transactions/out-trade-no/{out_trade_no}', checkLookup('out_trade_no', idMax)],
  ['post v3/global/transactions/out-trade-no/{out_trade_no}/close', checkCloseOrder('out_trade_no')],
  ['post v3/global/transactions/id/{transaction_id}/close', checkCloseOrder('transaction_id')],
  ['post v3/global/refunds', checkCreateRefund],
  ['get v3/global/refunds', checkListRefunds],
  ['get v3/global/refunds/out-refund-no/{out_refund_no}', checkLookup('out_refund_no', 64)],
  ['get v3/global/refunds/id/{refund_id}', checkLookup('refund_id', idMax)],
  ['post v3/fund-app/mch-transfer/transfer-bills', checkCreateTransferBill],
  ['get v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}', checkOutBillNo],
  ['get v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}', checkTransferBillNo],
  ['post v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel', checkOutBillNo],
]);

/** Checks a routed call; throws a ValidationError for the first broken rule. Routes without checks pass. */
export function checkV3Request(template: string, verb: HttpVerb, parts: V3RequestParts): void {
  checks.get(`${verb} ${template}`)?.(parts);
}
