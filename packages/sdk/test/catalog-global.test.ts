// The APIv3 global catalogue: registry lookups, metadata facts, the runtime rules and (through tsc) the types.
import { describe, expect, it } from 'vitest';
import type {
  CreateGlobalRefundRequest,
  CreateJsapiOrderRequest,
  CreateMwebOrderRequest,
  CreateNativeOrderRequest,
  GlobalModeQuery,
  GlobalRefund,
  GlobalRefundList,
  GlobalTransaction,
} from '../src/catalog/global.js';
import type { HttpVerb } from '../src/catalog/types.js';
import { findV3Endpoint, type V3Endpoints, type V3Path, v3Endpoints } from '../src/catalog/v3.js';
import { catalogueChecks, changed, ruleError, type V3Options } from './support/v3-catalog-calls.js';

const common = { mchid: '1900000109' } as const;
const institutional = { sp_mchid: '1900000100', sub_mchid: '1900000109' } as const;

const order = {
  description: 'Image形象店-深圳腾大-QQ公仔',
  out_trade_no: '1217752501201407033233368018',
  notify_url: 'https://www.example.com/wxpay/notify',
  merchant_category_code: '4111',
  amount: { total: 100, currency: 'HKD' },
};
const commonApp = { ...common, appid: 'wxdace645e0bc2c424' };
const institutionalApp = { ...institutional, sp_appid: 'wxdace645e0bc2c424' };
const scene = { payer_client_ip: '14.23.150.211', h5_info: { type: 'Wap' as const } };

const native = 'v3/global/transactions/native';
const jsapi = 'v3/global/transactions/jsapi';
const app = 'v3/global/transactions/app';
const mweb = 'v3/global/transactions/mweb';
const byId = 'v3/global/transactions/id/{id}';
const byOutTradeNo = 'v3/global/transactions/out-trade-no/{out_trade_no}';
const close = 'v3/global/transactions/out-trade-no/{out_trade_no}/close';
const refunds = 'v3/global/refunds';
const refundByNo = 'v3/global/refunds/out-refund-no/{out_refund_no}';
const closeById = 'v3/global/transactions/id/{transaction_id}/close';
const refundById = 'v3/global/refunds/id/{refund_id}';

/** The global routes (and the mainland certificates download they share a file with); mainland ones: catalog-mainland. */
type GlobalPath = Extract<V3Path, `v3/global/${string}` | 'v3/certificates'>;

/** Each catalogued path has one verb, but `v3/global/refunds` also lists by GET: its options are those of either. */
type Valid = { [P in GlobalPath]: V3Options<P> };

/** One valid call per endpoint in common mode, typed, so types and runtime rules are checked against each other. */
const validCommon: Valid = {
  [byId]: { id: '4200000000000000000000000000', query: common },
  [byOutTradeNo]: { out_trade_no: order.out_trade_no, query: common },
  [native]: { json: { ...order, ...commonApp, trade_type: 'NATIVE' } },
  [jsapi]: { json: { ...order, ...commonApp, trade_type: 'JSAPI', payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } } },
  [app]: { json: { ...order, ...commonApp, trade_type: 'APP' } },
  [mweb]: { json: { ...order, ...commonApp, trade_type: 'MWEB', scene_info: scene } },
  [close]: { out_trade_no: order.out_trade_no, json: common },
  [closeById]: { transaction_id: '4200000000000000000000000000', json: common },
  [refunds]: {
    json: {
      ...commonApp,
      out_trade_no: order.out_trade_no,
      out_refund_no: 'R1',
      amount: { refund: 50, total: 100, currency: 'HKD' },
    },
  },
  [refundByNo]: { out_refund_no: 'R1', query: common },
  [refundById]: { refund_id: '50300000000000000000000000000', query: common },
  'v3/global/certificates': {},
  'v3/certificates': {},
};

/** The same calls in institutional mode. */
const validInstitutional: Valid = {
  ...validCommon,
  [byId]: { id: '4200000000000000000000000000', query: institutional },
  [byOutTradeNo]: { out_trade_no: order.out_trade_no, query: institutional },
  [native]: { json: { ...order, ...institutionalApp, trade_type: 'NATIVE' } },
  [jsapi]: {
    json: { ...order, ...institutionalApp, trade_type: 'JSAPI', payer: { sp_openid: 'oUpF8uMuAJO_M2pxb1Q9' } },
  },
  [app]: { json: { ...order, ...institutionalApp, sub_appid: 'wx2421b1c4370ec43b', trade_type: 'APP' } },
  [mweb]: { json: { ...order, ...institutionalApp, trade_type: 'MWEB', scene_info: { payer_client_ip: '::1' } } },
  [close]: { out_trade_no: order.out_trade_no, json: institutional },
  [closeById]: { transaction_id: '4200000000000000000000000000', json: institutional },
  [refunds]: {
    json: {
      ...institutionalApp,
      transaction_id: '42000',
      out_refund_no: 'R1',
      amount: { refund: 1, total: 1, currency: 'USD' },
    },
  },
  [refundByNo]: { out_refund_no: 'R1', query: institutional },
  [refundById]: { refund_id: '50300000000000000000000000000', query: institutional },
};

/** The refund list: the second verb of `v3/global/refunds` (docs/endpoints.md#list-the-refunds-of-an-order). */
const validList = { query: { ...common, out_trade_no: order.out_trade_no, offset: 0, count: 10 } };

const paths = Object.keys(validCommon) as GlobalPath[];
const globalEndpoints = v3Endpoints.filter((meta) => (paths as string[]).includes(meta.path));

/** What docs/endpoints.md and docs/protocol.md say about each endpoint; tsc checks the verb against V3Endpoints. */
const facts: {
  [P in GlobalPath]: { verb: keyof V3Endpoints[P] & HttpVerb; host: 'global' | 'mainland'; idempotencyKey?: string };
} = {
  [byId]: { verb: 'get', host: 'global' },
  [byOutTradeNo]: { verb: 'get', host: 'global' },
  [native]: { verb: 'post', host: 'global', idempotencyKey: 'out_trade_no' },
  [jsapi]: { verb: 'post', host: 'global', idempotencyKey: 'out_trade_no' },
  [app]: { verb: 'post', host: 'global', idempotencyKey: 'out_trade_no' },
  [mweb]: { verb: 'post', host: 'global', idempotencyKey: 'out_trade_no' },
  [close]: { verb: 'post', host: 'global', idempotencyKey: 'out_trade_no' },
  [closeById]: { verb: 'post', host: 'global', idempotencyKey: 'transaction_id' },
  [refunds]: { verb: 'post', host: 'global', idempotencyKey: 'out_refund_no' },
  [refundByNo]: { verb: 'get', host: 'global' },
  [refundById]: { verb: 'get', host: 'global' },
  'v3/global/certificates': { verb: 'get', host: 'global' },
  'v3/certificates': { verb: 'get', host: 'mainland' },
};

function verbOf(path: GlobalPath): HttpVerb {
  return facts[path].verb;
}

/** Rejections and acceptances are of each path's valid common-mode call unless a `base` is given. */
const { run, rejection, accepts } = catalogueChecks(verbOf, validCommon);

const createOrders = [native, jsapi, app, mweb] as const;
const lookups = [byId, byOutTradeNo, refundByNo, refundById] as const;

describe('registry', () => {
  it('lists fourteen global endpoints, one per path and verb, all findable', () => {
    expect(globalEndpoints).toHaveLength(14);
    expect(new Set(globalEndpoints.map((meta) => `${meta.verb} ${meta.path}`)).size).toBe(14);
    expect([...new Set(globalEndpoints.map((meta) => meta.path))].sort()).toEqual([...paths].sort());
    expect(findV3Endpoint(refunds, 'get')?.path).toBe(refunds);
    for (const meta of v3Endpoints) expect(findV3Endpoint(meta.path, meta.verb)).toBe(meta);
    for (const path of paths) expect(findV3Endpoint(path, verbOf(path))?.path).toBe(path);
  });

  it('matches templates exactly and nothing else', () => {
    const misses: [string, HttpVerb][] = [
      [byId, 'post'],
      [refundById, 'post'],
      ['v3/global/transactions/id/4200000000000000000000000000', 'get'],
      ['/v3/global/refunds', 'post'],
      ['v3/global/refunds/', 'post'],
      ['V3/global/refunds', 'post'],
      ['v3/global/transactions/outTradeNo/{out_trade_no}', 'get'],
      ['v3/global', 'get'],
      ['__proto__', 'get'],
      ['constructor', 'get'],
      ['toString', 'get'],
      ['hasOwnProperty', 'get'],
      [refunds, '__proto__' as HttpVerb],
      [refunds, 'constructor' as HttpVerb],
      [refunds, 'POST' as HttpVerb],
    ];
    for (const [template, verb] of misses) expect(findV3Endpoint(template, verb)).toBeUndefined();
  });
});

describe('metadata facts', () => {
  it.each(paths)('%s: verb, host, idempotency key, signed replies', (path) => {
    const { verb, host, idempotencyKey } = facts[path];
    const meta = findV3Endpoint(path, verb);
    expect(meta).toMatchObject({ path, verb, host });
    expect(meta?.idempotencyKey).toBe(idempotencyKey);
    expect(meta?.unsignedReply).toBeUndefined();
  });

  it('has rules for every endpoint that takes input', () => {
    for (const meta of globalEndpoints) {
      expect(meta.validate === undefined).toBe(meta.path.endsWith('/certificates'));
    }
  });
});

describe('validate: valid calls', () => {
  it.each(paths)('%s passes in common mode', (path) => {
    expect(() => run(path, validCommon[path])).not.toThrow();
  });

  it.each(paths)('%s passes in institutional mode', (path) => {
    expect(() => run(path, validInstitutional[path])).not.toThrow();
  });

  it('allows fields the catalogue does not know, and headers', () => {
    accepts(native, { 'json/brand_new_field': 'x', headers: { 'Accept-Language': 'en' } });
    accepts(byId, { 'query/brand_new_param': 'x' });
  });

  it('allows the optional fields, typed', () => {
    accepts(native, {
      'json/attach': '附'.repeat(128),
      'json/scene_info': { payer_client_ip: '1.2.3.4', device_id: '013467007045764' },
      'json/detail': { goods_detail: [{ merchant_goods_id: 'g1', quantity: 1, price: 100 }] },
    });
    accepts(mweb, { 'json/scene_info/h5_info': undefined });
    accepts(refunds, { 'json/reason': '商品已售完', 'json/notify_url': 'https://example.com/refund' });
  });
});

describe('validate: merchant modes', () => {
  it.each(lookups)('%s wants common XOR institutional ids in the query', (path) => {
    const at = (query: unknown) => rejection(path, { query });
    expect(at({ sp_mchid: '1' })).toMatchObject({
      field: 'query.sub_mchid',
      rule: 'required when query.sp_mchid is present',
    });
    expect(at({ sub_mchid: '1' })).toMatchObject({
      field: 'query.sp_mchid',
      rule: 'required when query.sub_mchid is present',
    });
    expect(at({ mchid: '1', sp_mchid: '2', sub_mchid: '3' })).toMatchObject({
      field: 'query.sp_mchid',
      rule: 'exclusive with query.mchid',
    });
    expect(at({ mchid: '1', sub_mchid: '3' })).toMatchObject({
      field: 'query.sub_mchid',
      rule: 'exclusive with query.mchid',
    });
    expect(at({})).toMatchObject({ field: 'query.mchid', rule: 'required' });
    expect(at(undefined)).toMatchObject({ field: 'query.mchid', rule: 'required' });
    expect(at({ mchid: '' })).toMatchObject({ field: 'query.mchid', rule: 'required' });
    expect(at({ mchid: null })).toMatchObject({ field: 'query.mchid', rule: 'required' });
    expect(at({ mchid: 1900000109 })).toMatchObject({ field: 'query.mchid', rule: 'string' });
    expect(at({ mchid: '1'.repeat(33) })).toMatchObject({ field: 'query.mchid', rule: 'maxLength 32' });
    expect(at({ sp_mchid: '1', sub_mchid: '1'.repeat(33) })).toMatchObject({
      field: 'query.sub_mchid',
      rule: 'maxLength 32',
    });
  });

  it('reads own keys only: a `__proto__` key is not a merchant id', () => {
    const query = JSON.parse('{"__proto__": {"mchid": "1900000109"}}') as unknown;
    expect(rejection(byId, { query })).toMatchObject({ field: 'query.mchid', rule: 'required' });
  });

  it('wants the ids of one mode in a body, with the app ids of that mode', () => {
    for (const path of createOrders) {
      expect(rejection(path, { 'json/sp_mchid': '1900000100' })).toMatchObject({
        field: '/sp_mchid',
        rule: 'exclusive with /mchid',
      });
      expect(rejection(path, { 'json/sp_appid': 'wx1' })).toMatchObject({
        field: '/sp_appid',
        rule: 'exclusive with /mchid',
      });
      expect(rejection(path, { 'json/appid': undefined })).toMatchObject({ field: '/appid', rule: 'required' });
      expect(rejection(path, { 'json/mchid': undefined, 'json/appid': undefined })).toMatchObject({
        field: '/mchid',
        rule: 'required',
      });
      const base = validInstitutional[path];
      expect(rejection(path, { 'json/appid': 'wx1' }, base)).toMatchObject({
        field: '/sp_mchid',
        rule: 'exclusive with /appid',
      });
      expect(rejection(path, { 'json/sub_mchid': undefined }, base)).toMatchObject({
        field: '/sub_mchid',
        rule: 'required when /sp_mchid is present',
      });
      expect(rejection(path, { 'json/sp_appid': undefined }, base)).toMatchObject({
        field: '/sp_appid',
        rule: 'required when /sp_mchid is present',
      });
      expect(rejection(path, { 'json/sub_appid': '' }, base)).toMatchObject({
        field: '/sub_appid',
        rule: 'minLength 1',
      });
    }
  });

  it('checks the close body and the refund ids by the same rules', () => {
    expect(rejection(close, { 'json/sp_mchid': '1' })).toMatchObject({
      field: '/sp_mchid',
      rule: 'exclusive with /mchid',
    });
    expect(rejection(close, { json: { sp_mchid: '1' } })).toMatchObject({
      field: '/sub_mchid',
      rule: 'required when /sp_mchid is present',
    });
    expect(rejection(refunds, { 'json/mchid': undefined })).toMatchObject({ field: '/mchid', rule: 'required' });
    // Refunds require the mode's app id (docs/endpoints.md#refund).
    expect(rejection(refunds, { 'json/appid': undefined })).toMatchObject({ field: '/appid', rule: 'required' });
    expect(rejection(refunds, { 'json/sp_appid': undefined }, validInstitutional[refunds])).toMatchObject({
      field: '/sp_appid',
      rule: 'required when /sp_mchid is present',
    });
    accepts(refunds, { 'json/sp_appid': 'wx1', 'json/sub_appid': 'wx2' }, validInstitutional[refunds]);
    expect(rejection(closeById, { json: { sp_mchid: '1' } })).toMatchObject({
      field: '/sub_mchid',
      rule: 'required when /sp_mchid is present',
    });
    expect(rejection(refunds, { 'json/appid': 'wx1' }, validInstitutional[refunds])).toMatchObject({
      field: '/sp_mchid',
      rule: 'exclusive with /appid',
    });
  });
});

describe('validate: create order', () => {
  it.each(createOrders)('%s requires its fields', (path) => {
    for (const field of [
      'description',
      'out_trade_no',
      'notify_url',
      'trade_type',
      'merchant_category_code',
      'amount',
    ]) {
      expect(rejection(path, { [`json/${field}`]: undefined })).toMatchObject({ field: `/${field}`, rule: 'required' });
    }
    expect(rejection(path, { 'json/amount/total': undefined })).toMatchObject({
      field: '/amount/total',
      rule: 'required',
    });
    expect(rejection(path, { 'json/amount/currency': undefined })).toMatchObject({
      field: '/amount/currency',
      rule: 'required',
    });
    expect(rejection(path, { 'json/description': '' })).toMatchObject({ field: '/description', rule: 'required' });
  });

  it('wants a JSON object body', () => {
    expect(rejection(native, { json: undefined })).toMatchObject({ field: 'json', rule: 'required' });
    expect(rejection(native, { json: '{"mchid":"1"}' })).toMatchObject({ field: 'json', rule: 'object' });
    expect(rejection(native, { json: [] })).toMatchObject({ field: 'json', rule: 'object' });
  });

  it('limits lengths in characters, not bytes', () => {
    accepts(native, { 'json/description': '福'.repeat(127) });
    expect(rejection(native, { 'json/description': '福'.repeat(128) })).toMatchObject({
      field: '/description',
      rule: 'maxLength 127',
    });
    accepts(native, { 'json/out_trade_no': 'A'.repeat(32) });
    expect(rejection(native, { 'json/out_trade_no': 'A'.repeat(33) })).toMatchObject({
      field: '/out_trade_no',
      rule: 'maxLength 32',
    });
    expect(rejection(native, { 'json/attach': 'a'.repeat(129) })).toMatchObject({
      field: '/attach',
      rule: 'maxLength 128',
    });
    expect(rejection(native, { 'json/attach': '' })).toMatchObject({ field: '/attach', rule: 'minLength 1' });
  });

  it('wants strings where strings belong', () => {
    expect(rejection(native, { 'json/out_trade_no': 1217752501 })).toMatchObject({
      field: '/out_trade_no',
      rule: 'string',
    });
    expect(rejection(native, { 'json/merchant_category_code': 4111 })).toMatchObject({
      field: '/merchant_category_code',
      rule: 'string',
    });
  });

  it('wants amounts as JSON integers of at least 1', () => {
    for (const total of [0, -1, 1.5, '100', Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, true]) {
      expect(rejection(native, { 'json/amount/total': total })).toMatchObject({
        field: '/amount/total',
        rule: 'integer >= 1',
      });
    }
    accepts(native, { 'json/amount/total': 1 });
  });

  it('wants the currency as three uppercase letters', () => {
    for (const currency of ['hkd', 'HK', 'HKDD', 'HK1', ' HKD', 344]) {
      expect(rejection(native, { 'json/amount/currency': currency })).toMatchObject({
        field: '/amount/currency',
        rule: 'ISO 4217 code [A-Z]{3}',
      });
    }
    accepts(native, { 'json/amount/currency': 'CNY' });
  });

  it('wants notify_url as https without a query string', () => {
    for (const url of [
      'http://www.example.com/notify',
      'https://www.example.com/notify?order=1',
      'https://www.example.com/notify?',
      'www.example.com/notify',
      'ftp://www.example.com/notify',
      'https://',
    ]) {
      expect(rejection(native, { 'json/notify_url': url })).toMatchObject({
        field: '/notify_url',
        rule: 'https URL without query',
      });
    }
    expect(rejection(native, { 'json/notify_url': `https://example.com/${'n'.repeat(250)}` })).toMatchObject({
      field: '/notify_url',
      rule: 'maxLength 256',
    });
    accepts(native, { 'json/notify_url': 'https://127.0.0.1:8443/wxpay/notify' });
    // Plain http only to a loopback literal, for a receiver on this machine (packages/sandbox/README.md).
    for (const url of [
      'http://127.0.0.1:8080/notify',
      'http://127.9.9.9/n',
      'http://localhost/n',
      'http://[::1]:9/n',
    ]) {
      accepts(native, { 'json/notify_url': url });
    }
    for (const url of ['http://127.0.0.1.example.com/n', 'http://localhost.example/n', 'http://10.0.0.1/n']) {
      expect(rejection(native, { 'json/notify_url': url })).toMatchObject({ rule: 'https URL without query' });
    }
  });

  it.each([
    [native, 'NATIVE'],
    [jsapi, 'JSAPI'],
    [app, 'APP'],
    [mweb, 'MWEB'],
  ] as const)('%s wants trade_type %s', (path, tradeType) => {
    for (const other of ['NATIVE', 'JSAPI', 'APP', 'MWEB', 'MICROPAY', tradeType.toLowerCase()]) {
      if (other === tradeType) continue;
      expect(rejection(path, { 'json/trade_type': other })).toMatchObject({
        field: '/trade_type',
        rule: `one of ${tradeType}`,
      });
    }
  });

  it('wants a JSAPI payer: openid in common mode, sp_openid or sub_openid in institutional mode', () => {
    expect(rejection(jsapi, { 'json/payer': undefined })).toMatchObject({ field: '/payer', rule: 'required' });
    expect(rejection(jsapi, { 'json/payer': 'o' })).toMatchObject({ field: '/payer', rule: 'object' });
    expect(rejection(jsapi, { 'json/payer/openid': undefined })).toMatchObject({
      field: '/payer/openid',
      rule: 'required',
    });
    expect(rejection(jsapi, { 'json/payer/openid': 'o'.repeat(129) })).toMatchObject({
      field: '/payer/openid',
      rule: 'maxLength 128',
    });
    const base = validInstitutional[jsapi];
    expect(rejection(jsapi, { 'json/payer/sub_openid': 'o2' }, base)).toMatchObject({
      field: '/payer/sub_openid',
      rule: 'exclusive with /payer/sp_openid',
    });
    expect(rejection(jsapi, { 'json/payer': {} }, base)).toMatchObject({
      field: '/payer/sp_openid',
      rule: 'required when /payer/sub_openid is absent',
    });
    expect(rejection(jsapi, { 'json/payer': { sub_openid: 'o2' } }, base)).toMatchObject({
      field: '/sub_appid',
      rule: 'required when /payer/sub_openid is present',
    });
    accepts(jsapi, { 'json/payer': { sub_openid: 'o2' }, 'json/sub_appid': 'wx2' }, base);
  });

  it('wants scene_info with payer_client_ip for MWEB, and checks it wherever it is sent', () => {
    expect(rejection(mweb, { 'json/scene_info': undefined })).toMatchObject({ field: '/scene_info', rule: 'required' });
    expect(rejection(mweb, { 'json/scene_info/payer_client_ip': undefined })).toMatchObject({
      field: '/scene_info/payer_client_ip',
      rule: 'required',
    });
    expect(rejection(mweb, { 'json/scene_info/h5_info/type': 'ios' })).toMatchObject({
      field: '/scene_info/h5_info/type',
      rule: 'one of Wap|iOS|Android',
    });
    expect(rejection(native, { 'json/scene_info': [] })).toMatchObject({ field: '/scene_info', rule: 'object' });
    expect(rejection(native, { 'json/scene_info': {} })).toMatchObject({
      field: '/scene_info/payer_client_ip',
      rule: 'required',
    });
    expect(rejection(app, { 'json/detail': 'x' })).toMatchObject({ field: '/detail', rule: 'object' });
  });

  it('names field and rule in the message without echoing the value', () => {
    const secretish = 'https://example.com/notify?token=S3CRET';
    const error = rejection(native, { 'json/notify_url': secretish });
    expect(error.message).toBe('/notify_url: https URL without query');
    expect(error.message).not.toContain('S3CRET');
  });
});

describe('validate: refunds', () => {
  it('wants exactly one of out_trade_no and transaction_id', () => {
    expect(rejection(refunds, { 'json/transaction_id': '42000' })).toMatchObject({
      field: '/transaction_id',
      rule: 'exclusive with /out_trade_no',
    });
    expect(rejection(refunds, { 'json/out_trade_no': undefined })).toMatchObject({
      field: '/out_trade_no',
      rule: 'required when /transaction_id is absent',
    });
    expect(rejection(refunds, { 'json/transaction_id': '4'.repeat(33) }, validInstitutional[refunds])).toMatchObject({
      field: '/transaction_id',
      rule: 'maxLength 32',
    });
  });

  it('checks out_refund_no, reason, notify_url and amounts', () => {
    expect(rejection(refunds, { 'json/out_refund_no': undefined })).toMatchObject({
      field: '/out_refund_no',
      rule: 'required',
    });
    accepts(refunds, { 'json/out_refund_no': 'R'.repeat(64) });
    expect(rejection(refunds, { 'json/out_refund_no': 'R'.repeat(65) })).toMatchObject({
      field: '/out_refund_no',
      rule: 'maxLength 64',
    });
    expect(rejection(refunds, { 'json/reason': 'r'.repeat(81) })).toMatchObject({
      field: '/reason',
      rule: 'maxLength 80',
    });
    expect(rejection(refunds, { 'json/notify_url': 'http://example.com/refund' })).toMatchObject({
      field: '/notify_url',
      rule: 'https URL without query',
    });
    for (const field of ['refund', 'total']) {
      expect(rejection(refunds, { [`json/amount/${field}`]: 0 })).toMatchObject({
        field: `/amount/${field}`,
        rule: 'integer >= 1',
      });
    }
    expect(rejection(refunds, { 'json/amount/refund': 101 })).toMatchObject({
      field: '/amount/refund',
      rule: 'integer <= /amount/total',
    });
    accepts(refunds, { 'json/amount/refund': 100 });
    expect(rejection(refunds, { 'json/amount/currency': 'usd' })).toMatchObject({ field: '/amount/currency' });
  });
});

describe('validate: the refund list', () => {
  // docs/endpoints.md#list-the-refunds-of-an-order
  const list = (changes: Record<string, unknown>, base: object = validList) =>
    ruleError(refunds, 'get', changed(base, changes));

  it('takes the mode ids, one order number and a page of at most 20', () => {
    expect(list({})).toBeUndefined();
    expect(list({ query: { ...institutional, transaction_id: '42', offset: '40', count: '20' } })).toBeUndefined();
    expect(list({ 'query/mchid': undefined })).toMatchObject({ field: 'query.mchid', rule: 'required' });
    expect(list({ 'query/transaction_id': '42' })).toMatchObject({
      field: 'query.transaction_id',
      rule: 'exclusive with query.out_trade_no',
    });
    expect(list({ 'query/out_trade_no': undefined })).toMatchObject({ field: 'query.out_trade_no' });
    expect(list({ 'query/offset': undefined })).toMatchObject({ field: 'query.offset', rule: 'required' });
    expect(list({ 'query/offset': -1 })).toMatchObject({ field: 'query.offset', rule: 'integer >= 0' });
    expect(list({ 'query/offset': '1.5' })).toMatchObject({ field: 'query.offset' });
    expect(list({ 'query/count': 0 })).toMatchObject({ field: 'query.count' });
    expect(list({ 'query/count': 21 })).toMatchObject({ field: 'query.count' });
    expect(list({ 'query/count': '21' })).toMatchObject({ field: 'query.count' });
    expect(list({ 'query/count': 20 })).toBeUndefined();
  });

  it('types the list reply', () => {
    const reply: GlobalRefundList = {
      ...common,
      id: '4200000000000000000000000000',
      out_trade_no: 'T1',
      amount: { total: 100, currency: 'HKD' },
      data: [
        {
          id: '50300000000000000000000000000',
          out_refund_no: 'R1',
          create_time: '2025-01-15T10:00:00+08:00',
          status: 'PROCESSING',
          amount: { refund: 1, currency: 'HKD' },
        },
      ],
      total_num: 1,
      current_total_num: 1,
    };
    expect(reply.data).toHaveLength(1);
  });
});

describe('validate: path parameters', () => {
  it.each([
    [byId, 'id', 32],
    [byOutTradeNo, 'out_trade_no', 32],
    [close, 'out_trade_no', 32],
    [closeById, 'transaction_id', 32],
    [refundByNo, 'out_refund_no', 64],
    [refundById, 'refund_id', 32],
  ] as const)('%s wants %s as a string of 1..%d', (path, param, max) => {
    expect(rejection(path, { [param]: undefined })).toMatchObject({ field: param, rule: 'required' });
    expect(rejection(path, { [param]: '' })).toMatchObject({ field: param, rule: 'required' });
    // A WeChat order number has 28 digits: as a JS number it would already have lost precision.
    expect(rejection(path, { [param]: 4200000000000000000 })).toMatchObject({ field: param, rule: 'string' });
    expect(rejection(path, { [param]: '9'.repeat(max + 1) })).toMatchObject({ field: param, rule: `maxLength ${max}` });
    accepts(path, { [param]: '9'.repeat(max) });
  });

  it('checks the path before the query', () => {
    expect(rejection(byId, { id: '', query: {} })).toMatchObject({ field: 'id' });
  });
});

// Type-level checks: tsc (the typecheck covers test/) fails if any @ts-expect-error below stops erroring.
describe('types', () => {
  it('rejects wrong query shapes', () => {
    const queries: GlobalModeQuery[] = [
      common,
      institutional,
      // @ts-expect-error sp_mchid needs sub_mchid
      { sp_mchid: '1900000100' },
      // @ts-expect-error sub_mchid needs sp_mchid
      { sub_mchid: '1900000109' },
      // @ts-expect-error common and institutional ids are exclusive
      { mchid: '1', sp_mchid: '2', sub_mchid: '3' },
      // @ts-expect-error ids are strings
      { mchid: 1900000109 },
      // @ts-expect-error a mode is required
      {},
    ];
    type ById = V3Endpoints[typeof byId]['get']['options'];
    // @ts-expect-error the path parameter `id` is required
    const noId: ById = { query: common };
    // @ts-expect-error the query is required
    const noQuery: ById = { id: '1' };
    // @ts-expect-error `id` is a string: WeChat order numbers do not fit a JS number
    const numericId: ById = { id: 4200000000000000000, query: common };
    expect([queries, noId, noQuery, numericId]).toHaveLength(4);
  });

  it('rejects wrong create-order bodies', () => {
    const body: CreateNativeOrderRequest = { ...order, ...commonApp, trade_type: 'NATIVE' };
    const checks: CreateNativeOrderRequest[] = [
      // @ts-expect-error trade_type must match the endpoint
      { ...body, trade_type: 'JSAPI' },
      // @ts-expect-error amounts are JSON numbers
      { ...body, amount: { total: '100', currency: 'HKD' } },
      // @ts-expect-error out_trade_no is a string
      { ...body, out_trade_no: 1217752501 },
      // @ts-expect-error institutional ids need sp_appid, and appid belongs to common mode
      { ...order, ...institutional, appid: 'wx1', trade_type: 'NATIVE' },
    ];
    // @ts-expect-error description is required
    const missing: CreateNativeOrderRequest = { ...body, description: undefined };
    // @ts-expect-error H5 orders need scene_info
    const noScene: CreateMwebOrderRequest = { ...order, ...commonApp, trade_type: 'MWEB' };
    const badH5: CreateMwebOrderRequest = {
      ...order,
      ...commonApp,
      trade_type: 'MWEB',
      // @ts-expect-error h5_info.type is Wap, iOS or Android
      scene_info: { payer_client_ip: '1.1.1.1', h5_info: { type: 'ios' } },
    };
    expect([checks, missing, noScene, badH5]).toHaveLength(4);
  });

  it('ties the JSAPI payer to the mode', () => {
    const base = { ...order, trade_type: 'JSAPI' as const };
    const payers: CreateJsapiOrderRequest[] = [
      { ...base, ...commonApp, payer: { openid: 'o' } },
      { ...base, ...institutionalApp, payer: { sp_openid: 'o' } },
      { ...base, ...institutionalApp, sub_appid: 'wx2', payer: { sub_openid: 'o' } },
      // @ts-expect-error common mode pays with openid
      { ...base, ...commonApp, payer: { sp_openid: 'o' } },
      // @ts-expect-error sp_openid and sub_openid are exclusive
      { ...base, ...institutionalApp, payer: { sp_openid: 'o', sub_openid: 'o' } },
      // @ts-expect-error a sub_openid needs sub_appid
      { ...base, ...institutionalApp, payer: { sub_openid: 'o' } },
      // @ts-expect-error JSAPI needs a payer
      { ...base, ...commonApp },
    ];
    expect(payers).toHaveLength(7);
  });

  it('wants exactly one order reference in a refund', () => {
    const amount = { refund: 1, total: 1, currency: 'HKD' };
    const requests: CreateGlobalRefundRequest[] = [
      { ...commonApp, out_trade_no: 'T1', out_refund_no: 'R1', amount },
      // @ts-expect-error out_trade_no and transaction_id are exclusive
      { ...commonApp, out_trade_no: 'T1', transaction_id: '42', out_refund_no: 'R1', amount },
      // @ts-expect-error one of out_trade_no and transaction_id is required
      { ...commonApp, out_refund_no: 'R1', amount },
      // @ts-expect-error out_refund_no is required
      { ...commonApp, out_trade_no: 'T1', amount },
      // @ts-expect-error appid is required (docs/endpoints.md#refund)
      { ...common, out_trade_no: 'T1', out_refund_no: 'R1', amount },
      // @ts-expect-error sp_appid is required in institutional mode
      { ...institutional, out_trade_no: 'T1', out_refund_no: 'R1', amount },
    ];
    expect(requests).toHaveLength(6);
  });

  it('types replies, narrowing the mode by its ids', () => {
    const transaction: GlobalTransaction = {
      ...commonApp,
      id: '4200000000000000000000000000',
      out_trade_no: 'T1',
      trade_type: 'MICROPAY',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      payer: { openid: 'o' },
      amount: {
        total: 100,
        currency: 'HKD',
        payer_total: 88,
        payer_currency: 'CNY',
        exchange_rate: { type: 'SETTLEMENT_RATE', rate: 88000000 },
      },
    };
    // Common-mode replies always carry appid; institutional ones may lack sub_appid.
    const appOf = (paid: GlobalTransaction): string | undefined =>
      paid.mchid !== undefined ? paid.appid : (paid.sub_appid ?? paid.sp_appid);
    // @ts-expect-error PAID is not a trade state
    const state: GlobalTransaction['trade_state'] = 'PAID';
    // @ts-expect-error REFUNDING is not a refund status
    const status: GlobalRefund['status'] = 'REFUNDING';
    const closed: V3Endpoints[typeof close]['post']['response'] = undefined;
    type Certificate = V3Endpoints['v3/certificates']['get']['response']['data'][number];
    const certificate: Certificate['encrypt_certificate']['algorithm'] = 'AEAD_AES_256_GCM';
    expect(appOf(transaction)).toBe(commonApp.appid);
    expect(appOf({ ...transaction, mchid: undefined, appid: undefined, ...institutionalApp })).toBe(
      institutionalApp.sp_appid,
    );
    expect([state, status, closed, certificate]).toHaveLength(4);
  });

  it('keeps V3Path to the catalogued templates', () => {
    // @ts-expect-error uncatalogued paths are not V3Path
    const unknown: V3Path = 'v3/global/bill/tradebill';
    // @ts-expect-error the close route is a POST
    const get: V3Endpoints[typeof close]['get'] = undefined;
    expect([unknown, get]).toHaveLength(2);
  });
});
