// The APIv3 mainland catalogue (payments in both merchant modes, refunds, bills, transfers, image upload): registry
// facts, the runtime rules (ValidationError naming field and rule) and, through tsc, the request and reply types.
import { describe, expect, it } from 'vitest';
import type { BillReply, TradeBillQuery } from '../src/catalog/bills.js';
import type { H5PrepayResponse } from '../src/catalog/mainland-fields.js';
import type {
  PartnerJsapiOrderRequest,
  PartnerModeIds,
  PartnerTransaction,
} from '../src/catalog/mainland-partner-pay.js';
import type {
  MainlandH5OrderRequest,
  MainlandJsapiOrderRequest,
  MainlandNativeOrderRequest,
  MainlandTransaction,
} from '../src/catalog/mainland-pay.js';
import type { DomesticRefund, DomesticRefundRequest } from '../src/catalog/refunds.js';
import type { TransferBill, TransferBillCreated, TransferBillRequest } from '../src/catalog/transfers.js';
import type { HttpVerb } from '../src/catalog/types.js';
import { findV3Endpoint, type V3Endpoints, type V3Path, v3Endpoints } from '../src/catalog/v3.js';
import { exampleOrder as order, exampleTransfer as transfer } from './support/mainland-examples.js';
import { catalogueChecks, type V3Options } from './support/v3-catalog-calls.js';

type MainlandPath = Exclude<V3Path, `v3/global/${string}` | 'v3/certificates'>;

const direct = { appid: 'wxd678efh567hg6787', mchid: '1230000109' } as const;
const partner = { sp_appid: 'wx8888888888888888', sp_mchid: '1230000109', sub_mchid: '1900000109' } as const;
const h5Scene = { payer_client_ip: '14.23.150.211', h5_info: { type: 'Wap' as const } };
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const valid: { [P in MainlandPath]: V3Options<P> } = {
  'v3/pay/transactions/jsapi': { json: { ...order, ...direct, payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } } },
  'v3/pay/transactions/native': { json: { ...order, ...direct } },
  'v3/pay/transactions/app': { json: { ...order, ...direct } },
  'v3/pay/transactions/h5': { json: { ...order, ...direct, scene_info: h5Scene } },
  'v3/pay/transactions/id/{transaction_id}': {
    transaction_id: '1217752501201407033233368018',
    query: { mchid: '1230000109' },
  },
  'v3/pay/transactions/out-trade-no/{out_trade_no}': {
    out_trade_no: order.out_trade_no,
    query: { mchid: '1230000109' },
  },
  'v3/pay/transactions/out-trade-no/{out_trade_no}/close': {
    out_trade_no: order.out_trade_no,
    json: { mchid: '1230000109' },
  },
  'v3/pay/partner/transactions/jsapi': { json: { ...order, ...partner, payer: { sp_openid: 'oUpF8uMuAJO_M2pxb1Q9' } } },
  'v3/pay/partner/transactions/native': { json: { ...order, ...partner } },
  'v3/pay/partner/transactions/app': { json: { ...order, ...partner } },
  'v3/pay/partner/transactions/h5': { json: { ...order, ...partner, scene_info: h5Scene } },
  'v3/pay/partner/transactions/id/{transaction_id}': {
    transaction_id: '4200000000000000000000000000',
    query: { sp_mchid: '1230000109', sub_mchid: '1900000109' },
  },
  'v3/pay/partner/transactions/out-trade-no/{out_trade_no}': {
    out_trade_no: order.out_trade_no,
    query: { sp_mchid: '1230000109', sub_mchid: '1900000109' },
  },
  'v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close': {
    out_trade_no: order.out_trade_no,
    json: { sp_mchid: '1230000109', sub_mchid: '1900000109' },
  },
  'v3/refund/domestic/refunds': {
    json: {
      transaction_id: '1217752501201407033233368018',
      out_refund_no: '1217752501201407033233368018',
      reason: '商品已售完',
      amount: { refund: 888, total: 888, currency: 'CNY' },
    },
  },
  'v3/refund/domestic/refunds/{out_refund_no}': { out_refund_no: '1217752501201407033233368018' },
  'v3/bill/tradebill': { query: { bill_date: '2019-06-11', bill_type: 'ALL', tar_type: 'GZIP' } },
  'v3/bill/fundflowbill': { query: { bill_date: '2019-06-11', account_type: 'BASIC' } },
  'v3/fund-app/mch-transfer/transfer-bills': { json: transfer },
  'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}': { out_bill_no: 'plfk2020042013' },
  'v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}': {
    transfer_bill_no: '1330000071100999991182020050700019480001',
  },
  'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel': { out_bill_no: 'plfk2020042013' },
  'v3/merchant/media/upload': { upload: { filename: 'license.png', data: png } },
};

const paths = Object.keys(valid) as MainlandPath[];

/** What docs/endpoints.md says of each endpoint; tsc checks the verb against V3Endpoints. */
const facts: {
  [P in MainlandPath]: { verb: keyof V3Endpoints[P] & HttpVerb; idempotencyKey?: string };
} = {
  'v3/pay/transactions/jsapi': { verb: 'post', idempotencyKey: 'out_trade_no' },
  'v3/pay/transactions/native': { verb: 'post', idempotencyKey: 'out_trade_no' },
  'v3/pay/transactions/app': { verb: 'post', idempotencyKey: 'out_trade_no' },
  'v3/pay/transactions/h5': { verb: 'post', idempotencyKey: 'out_trade_no' },
  'v3/pay/transactions/id/{transaction_id}': { verb: 'get' },
  'v3/pay/transactions/out-trade-no/{out_trade_no}': { verb: 'get' },
  'v3/pay/transactions/out-trade-no/{out_trade_no}/close': { verb: 'post', idempotencyKey: 'out_trade_no' },
  'v3/pay/partner/transactions/jsapi': { verb: 'post', idempotencyKey: 'out_trade_no' },
  'v3/pay/partner/transactions/native': { verb: 'post', idempotencyKey: 'out_trade_no' },
  'v3/pay/partner/transactions/app': { verb: 'post', idempotencyKey: 'out_trade_no' },
  'v3/pay/partner/transactions/h5': { verb: 'post', idempotencyKey: 'out_trade_no' },
  'v3/pay/partner/transactions/id/{transaction_id}': { verb: 'get' },
  'v3/pay/partner/transactions/out-trade-no/{out_trade_no}': { verb: 'get' },
  'v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close': { verb: 'post', idempotencyKey: 'out_trade_no' },
  'v3/refund/domestic/refunds': { verb: 'post', idempotencyKey: 'out_refund_no' },
  'v3/refund/domestic/refunds/{out_refund_no}': { verb: 'get' },
  'v3/bill/tradebill': { verb: 'get' },
  'v3/bill/fundflowbill': { verb: 'get' },
  'v3/fund-app/mch-transfer/transfer-bills': { verb: 'post', idempotencyKey: 'out_bill_no' },
  'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}': { verb: 'get' },
  'v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}': { verb: 'get' },
  'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel': {
    verb: 'post',
    idempotencyKey: 'out_bill_no',
  },
  'v3/merchant/media/upload': { verb: 'post' },
};

const checks = catalogueChecks((path: MainlandPath) => facts[path].verb, valid);
const { run, accepts } = checks;

/** The ValidationError the rules of `path` throw for its valid call with `changes`, as `{ field, rule }`. */
function rejection(path: MainlandPath, changes: Record<string, unknown>): { field: string; rule: string } {
  const { field, rule } = checks.rejection(path, changes);
  return { field, rule };
}

const directOrders = [
  'v3/pay/transactions/jsapi',
  'v3/pay/transactions/native',
  'v3/pay/transactions/app',
  'v3/pay/transactions/h5',
] as const;
const partnerOrders = [
  'v3/pay/partner/transactions/jsapi',
  'v3/pay/partner/transactions/native',
  'v3/pay/partner/transactions/app',
  'v3/pay/partner/transactions/h5',
] as const;
const orders = [...directOrders, ...partnerOrders];

describe('registry', () => {
  it('lists 23 mainland endpoints, one per path and verb, all on the mainland host and findable', () => {
    const mainland = v3Endpoints.filter((meta) => (paths as string[]).includes(meta.path));
    expect(mainland).toHaveLength(23);
    expect(new Set(mainland.map((meta) => `${meta.verb} ${meta.path}`)).size).toBe(23);
    for (const path of paths) expect(findV3Endpoint(path, facts[path].verb)?.host).toBe('mainland');
    expect(findV3Endpoint('v3/pay/transactions/mweb', 'post')).toBeUndefined();
    expect(findV3Endpoint('v3/billdownload/file', 'get')).toBeUndefined();
  });

  it.each(paths)('%s: verb, idempotency key, signed reply', (path) => {
    const meta = findV3Endpoint(path, facts[path].verb);
    expect(meta).toMatchObject({ path, verb: facts[path].verb, host: 'mainland' });
    expect(meta?.idempotencyKey).toBe(facts[path].idempotencyKey);
    expect(meta?.unsignedReply).toBeUndefined();
    expect(meta?.validate).toBeTypeOf('function');
  });

  it('marks the payee name for encryption and the upload as multipart', () => {
    expect(findV3Endpoint('v3/fund-app/mch-transfer/transfer-bills', 'post')?.sensitiveFields).toEqual(['user_name']);
    expect(findV3Endpoint('v3/merchant/media/upload', 'post')?.body).toBe('multipart');
    const others = v3Endpoints.filter((meta) => meta.path !== 'v3/fund-app/mch-transfer/transfer-bills');
    for (const meta of others) expect(meta.sensitiveFields).toBeUndefined();
  });

  it.each(paths)('%s accepts its documented example', (path) => {
    expect(() => run(path, valid[path])).not.toThrow();
  });
});

describe('orders', () => {
  it.each(orders)('%s requires its fields', (path) => {
    for (const field of ['description', 'out_trade_no', 'notify_url', 'amount']) {
      expect(rejection(path, { [`json/${field}`]: undefined })).toEqual({ field: `/${field}`, rule: 'required' });
    }
    expect(rejection(path, { 'json/amount/total': undefined })).toEqual({ field: '/amount/total', rule: 'required' });
    expect(rejection(path, { json: undefined })).toEqual({ field: 'json', rule: 'required' });
  });

  it.each(orders)('%s checks out_trade_no: 6..32 of [0-9A-Za-z_|*-]', (path) => {
    expect(rejection(path, { 'json/out_trade_no': 'A1234' })).toEqual({ field: '/out_trade_no', rule: 'minLength 6' });
    expect(rejection(path, { 'json/out_trade_no': 'A'.repeat(33) })).toEqual({
      field: '/out_trade_no',
      rule: 'maxLength 32',
    });
    for (const bad of ['ORDER 001', 'ORDER#001', '订单000001', 'ORDER/001']) {
      expect(rejection(path, { 'json/out_trade_no': bad })).toEqual({
        field: '/out_trade_no',
        rule: 'charset [0-9A-Za-z_|*-]',
      });
    }
    accepts(path, { 'json/out_trade_no': 'a_B-1|2*3' });
  });

  it.each(orders)('%s checks the amount (fen, CNY only), the texts and the URL', (path) => {
    for (const total of [0, 1.5, '100']) {
      expect(rejection(path, { 'json/amount/total': total })).toEqual({ field: '/amount/total', rule: 'integer >= 1' });
    }
    expect(rejection(path, { 'json/amount/currency': 'HKD' })).toEqual({
      field: '/amount/currency',
      rule: 'one of CNY',
    });
    accepts(path, { 'json/amount/currency': undefined });
    expect(rejection(path, { 'json/description': '商'.repeat(128) })).toEqual({
      field: '/description',
      rule: 'maxLength 127',
    });
    expect(rejection(path, { 'json/attach': 'a'.repeat(129) })).toEqual({ field: '/attach', rule: 'maxLength 128' });
    expect(rejection(path, { 'json/goods_tag': 'g'.repeat(33) })).toEqual({
      field: '/goods_tag',
      rule: 'maxLength 32',
    });
    expect(rejection(path, { 'json/notify_url': `https://example.com/${'n'.repeat(236)}` })).toEqual({
      field: '/notify_url',
      rule: 'maxLength 255',
    });
    expect(rejection(path, { 'json/notify_url': 'https://example.com/notify?order=1' })).toEqual({
      field: '/notify_url',
      rule: 'https URL without query',
    });
    expect(rejection(path, { 'json/support_fapiao': 'true' })).toEqual({ field: '/support_fapiao', rule: 'boolean' });
    expect(rejection(path, { 'json/settle_info': { profit_sharing: 1 } })).toEqual({
      field: '/settle_info/profit_sharing',
      rule: 'boolean',
    });
  });

  it.each(orders)('%s takes time_expire as RFC 3339 with an offset', (path) => {
    accepts(path, { 'json/time_expire': '2018-06-08T10:34:56+08:00' });
    accepts(path, { 'json/time_expire': '2018-06-08T02:34:56.5Z' });
    for (const bad of ['2018-06-08 10:34:56', '2018-06-08T10:34:56', '2018-02-30T10:34:56+08:00', '20180608103456']) {
      expect(rejection(path, { 'json/time_expire': bad })).toMatchObject({ field: '/time_expire' });
    }
  });

  it('wants the payer openid on a direct JSAPI order', () => {
    expect(rejection('v3/pay/transactions/jsapi', { 'json/payer': undefined })).toEqual({
      field: '/payer',
      rule: 'required',
    });
    expect(rejection('v3/pay/transactions/jsapi', { 'json/payer/openid': 'o'.repeat(129) })).toEqual({
      field: '/payer/openid',
      rule: 'maxLength 128',
    });
  });

  it('wants exactly one partner openid, and sub_appid with sub_openid', () => {
    const path = 'v3/pay/partner/transactions/jsapi';
    expect(rejection(path, { 'json/payer/sub_openid': 'o2' })).toEqual({
      field: '/payer/sub_openid',
      rule: 'exclusive with /payer/sp_openid',
    });
    expect(rejection(path, { 'json/payer': { sub_openid: 'o2' } })).toEqual({
      field: '/sub_appid',
      rule: 'required when /payer/sub_openid is present',
    });
    accepts(path, { 'json/payer': { sub_openid: 'o2' }, 'json/sub_appid': 'wx2' });
  });

  it.each(['v3/pay/transactions/h5', 'v3/pay/partner/transactions/h5'] as const)(
    '%s wants scene_info with payer_client_ip and h5_info.type',
    (path) => {
      expect(rejection(path, { 'json/scene_info': undefined })).toEqual({ field: '/scene_info', rule: 'required' });
      expect(rejection(path, { 'json/scene_info/h5_info': undefined })).toEqual({
        field: '/scene_info/h5_info',
        rule: 'required',
      });
      expect(rejection(path, { 'json/scene_info/payer_client_ip': undefined })).toEqual({
        field: '/scene_info/payer_client_ip',
        rule: 'required',
      });
      expect(rejection(path, { 'json/scene_info/h5_info/type': 'wap' })).toEqual({
        field: '/scene_info/h5_info/type',
        rule: 'one of iOS|Android|Wap',
      });
    },
  );

  it('keeps the merchant ids to the mode of the path', () => {
    for (const path of directOrders) {
      expect(rejection(path, { 'json/mchid': undefined })).toEqual({ field: '/mchid', rule: 'required' });
      expect(rejection(path, { 'json/appid': undefined })).toEqual({ field: '/appid', rule: 'required' });
      expect(rejection(path, { 'json/sp_mchid': '1' })).toEqual({ field: '/sp_mchid', rule: 'exclusive with /mchid' });
    }
    for (const path of partnerOrders) {
      expect(rejection(path, { 'json/sub_mchid': undefined })).toEqual({ field: '/sub_mchid', rule: 'required' });
      expect(rejection(path, { 'json/sp_appid': undefined })).toEqual({ field: '/sp_appid', rule: 'required' });
      expect(rejection(path, { 'json/mchid': '1' })).toEqual({ field: '/mchid', rule: 'exclusive with /sp_mchid' });
    }
  });
});

describe('order lookups and close', () => {
  it('checks the path value and the merchant ids of each mode', () => {
    expect(rejection('v3/pay/transactions/id/{transaction_id}', { transaction_id: '4'.repeat(33) })).toEqual({
      field: 'transaction_id',
      rule: 'maxLength 32',
    });
    expect(rejection('v3/pay/transactions/out-trade-no/{out_trade_no}', { out_trade_no: 'A B C D E' })).toEqual({
      field: 'out_trade_no',
      rule: 'charset [0-9A-Za-z_|*-]',
    });
    expect(rejection('v3/pay/transactions/id/{transaction_id}', { query: {} })).toEqual({
      field: 'query.mchid',
      rule: 'required',
    });
    expect(rejection('v3/pay/transactions/out-trade-no/{out_trade_no}', { query: undefined })).toEqual({
      field: 'query.mchid',
      rule: 'required',
    });
    expect(rejection('v3/pay/partner/transactions/id/{transaction_id}', { query: { sp_mchid: '1230000109' } })).toEqual(
      { field: 'query.sub_mchid', rule: 'required' },
    );
    expect(
      rejection('v3/pay/partner/transactions/out-trade-no/{out_trade_no}', { 'query/mchid': '1230000109' }),
    ).toEqual({ field: 'query.mchid', rule: 'exclusive with query.sp_mchid' });
    expect(rejection('v3/pay/transactions/out-trade-no/{out_trade_no}/close', { json: {} })).toEqual({
      field: '/mchid',
      rule: 'required',
    });
    expect(
      rejection('v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close', { 'json/sub_mchid': undefined }),
    ).toEqual({ field: '/sub_mchid', rule: 'required' });
  });
});

describe('refunds', () => {
  const path = 'v3/refund/domestic/refunds';

  it('wants exactly one order number and out_refund_no of [0-9A-Za-z_|*@-], at most 64', () => {
    expect(rejection(path, { 'json/out_trade_no': 'T1' })).toEqual({
      field: '/transaction_id',
      rule: 'exclusive with /out_trade_no',
    });
    expect(rejection(path, { 'json/transaction_id': undefined })).toEqual({
      field: '/out_trade_no',
      rule: 'required when /transaction_id is absent',
    });
    expect(rejection(path, { 'json/out_refund_no': 'R'.repeat(65) })).toEqual({
      field: '/out_refund_no',
      rule: 'maxLength 64',
    });
    expect(rejection(path, { 'json/out_refund_no': 'R 1' })).toEqual({
      field: '/out_refund_no',
      rule: 'charset [0-9A-Za-z_|*@-]',
    });
    accepts(path, { 'json/out_refund_no': 'R@1|2*3_4-5' });
  });

  it('limits the reason to 80 bytes, not characters', () => {
    accepts(path, { 'json/reason': '退'.repeat(26) });
    expect(rejection(path, { 'json/reason': '退'.repeat(27) })).toEqual({
      field: '/reason',
      rule: 'maxBytes 80 (UTF-8)',
    });
  });

  it('checks amounts, currency, funds account and sources', () => {
    expect(rejection(path, { 'json/amount/refund': 889 })).toEqual({
      field: '/amount/refund',
      rule: 'integer <= /amount/total',
    });
    expect(rejection(path, { 'json/amount/currency': undefined })).toEqual({
      field: '/amount/currency',
      rule: 'required',
    });
    expect(rejection(path, { 'json/funds_account': 'BASIC' })).toEqual({
      field: '/funds_account',
      rule: 'one of AVAILABLE|UNSETTLED',
    });
    expect(rejection(path, { 'json/amount/from': [{ account: 'BASIC', amount: 1 }] })).toEqual({
      field: '/amount/from/0/account',
      rule: 'one of AVAILABLE|UNAVAILABLE',
    });
    expect(rejection(path, { 'json/amount/from': [null] })).toEqual({ field: '/amount/from/0', rule: 'object' });
    expect(rejection(path, { 'json/amount/from': { account: 'AVAILABLE' } })).toEqual({
      field: '/amount/from',
      rule: 'array',
    });
    expect(rejection(path, { 'json/notify_url': 'http://example.com/refund' })).toEqual({
      field: '/notify_url',
      rule: 'https URL without query',
    });
    accepts(path, { 'json/sub_mchid': '1900000109', 'json/funds_account': 'AVAILABLE' });
  });

  it('checks the lookup', () => {
    const lookup = 'v3/refund/domestic/refunds/{out_refund_no}';
    expect(rejection(lookup, { out_refund_no: '' })).toEqual({ field: 'out_refund_no', rule: 'required' });
    expect(rejection(lookup, { 'query/sub_mchid': 1900000109 })).toEqual({ field: 'query.sub_mchid', rule: 'string' });
    accepts(lookup, { query: { sub_mchid: '1900000109' } });
  });
});

describe('bills', () => {
  it('wants bill_date as an existing yyyy-MM-dd and the documented enums', () => {
    for (const path of ['v3/bill/tradebill', 'v3/bill/fundflowbill'] as const) {
      expect(rejection(path, { 'query/bill_date': undefined })).toEqual({ field: 'query.bill_date', rule: 'required' });
      for (const bad of ['20190611', '2019-6-11', '2019-02-29', '2019-06-11T00:00:00']) {
        expect(rejection(path, { 'query/bill_date': bad })).toMatchObject({ field: 'query.bill_date' });
      }
      expect(rejection(path, { 'query/tar_type': 'ZIP' })).toEqual({ field: 'query.tar_type', rule: 'one of GZIP' });
    }
    accepts('v3/bill/tradebill', { 'query/bill_date': '2024-02-29' });
    expect(rejection('v3/bill/tradebill', { 'query/bill_type': 'RECHARGE_REFUND' })).toEqual({
      field: 'query.bill_type',
      rule: 'one of ALL|SUCCESS|REFUND',
    });
    expect(rejection('v3/bill/fundflowbill', { 'query/account_type': 'Basic' })).toEqual({
      field: 'query.account_type',
      rule: 'one of BASIC|OPERATION|FEES',
    });
  });
});

describe('transfers', () => {
  const path = 'v3/fund-app/mch-transfer/transfer-bills';

  it('requires its fields and out_bill_no of digits and letters', () => {
    for (const field of [
      'appid',
      'out_bill_no',
      'transfer_scene_id',
      'openid',
      'transfer_amount',
      'transfer_remark',
      'transfer_scene_report_infos',
    ]) {
      expect(rejection(path, { [`json/${field}`]: undefined })).toEqual({ field: `/${field}`, rule: 'required' });
    }
    expect(rejection(path, { 'json/out_bill_no': 'plfk-2020' })).toEqual({
      field: '/out_bill_no',
      rule: 'charset [0-9A-Za-z]',
    });
    expect(rejection(path, { 'json/transfer_remark': '备'.repeat(33) })).toEqual({
      field: '/transfer_remark',
      rule: 'maxLength 32',
    });
    expect(rejection(path, { 'json/transfer_amount': 0 })).toEqual({
      field: '/transfer_amount',
      rule: 'integer >= 1',
    });
  });

  it('wants the payee name from 2,000 yuan on', () => {
    expect(rejection(path, { 'json/user_name': undefined })).toEqual({
      field: '/user_name',
      rule: 'required when /transfer_amount >= 200000',
    });
    expect(rejection(path, { 'json/user_name': undefined, 'json/transfer_amount': 200000 })).toMatchObject({
      field: '/user_name',
    });
    accepts(path, { 'json/user_name': undefined, 'json/transfer_amount': 199999 });
    expect(rejection(path, { 'json/user_name': '', 'json/transfer_amount': 100 })).toEqual({
      field: '/user_name',
      rule: 'minLength 1',
    });
  });

  it('wants at least one scene report line, each with type and content', () => {
    expect(rejection(path, { 'json/transfer_scene_report_infos': [] })).toEqual({
      field: '/transfer_scene_report_infos',
      rule: 'minItems 1',
    });
    expect(rejection(path, { 'json/transfer_scene_report_infos': [{ info_type: '活动名称' }] })).toEqual({
      field: '/transfer_scene_report_infos/0/info_content',
      rule: 'required',
    });
  });

  it('checks the lookups and the cancel', () => {
    expect(
      rejection('v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}', { out_bill_no: 'a_b' }),
    ).toEqual({ field: 'out_bill_no', rule: 'charset [0-9A-Za-z]' });
    expect(
      rejection('v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel', { out_bill_no: undefined }),
    ).toEqual({ field: 'out_bill_no', rule: 'required' });
    expect(
      rejection('v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}', {
        transfer_bill_no: '1'.repeat(65),
      }),
    ).toEqual({ field: 'transfer_bill_no', rule: 'maxLength 64' });
  });
});

describe('image upload', () => {
  const path = 'v3/merchant/media/upload';

  it('wants a .jpg, .png or .bmp of 1 byte to 2 MiB, with a header-safe name', () => {
    accepts(path, { upload: { filename: 'PHOTO.JPG', data: png } });
    accepts(path, { upload: { filename: '营业执照.bmp', data: png } });
    expect(rejection(path, { upload: undefined })).toEqual({ field: 'upload', rule: 'required' });
    expect(rejection(path, { upload: { filename: 'a.gif', data: png } })).toEqual({
      field: 'upload.filename',
      rule: 'ends in .jpg, .png or .bmp',
    });
    expect(rejection(path, { upload: { filename: 'a".png', data: png } })).toMatchObject({ field: 'upload.filename' });
    expect(rejection(path, { upload: { filename: 'a\r\n.png', data: png } })).toMatchObject({
      field: 'upload.filename',
    });
    expect(rejection(path, { upload: { filename: `${'a'.repeat(125)}.png`, data: png } })).toEqual({
      field: 'upload.filename',
      rule: 'maxLength 128',
    });
    expect(rejection(path, { upload: { filename: 'a.png', data: 'bytes' } })).toMatchObject({ field: 'upload.data' });
    expect(rejection(path, { upload: { filename: 'a.png', data: new Uint8Array(0) } })).toEqual({
      field: 'upload.data',
      rule: 'required',
    });
    expect(rejection(path, { upload: { filename: 'a.png', data: new Uint8Array(2 * 1024 * 1024 + 1) } })).toEqual({
      field: 'upload.data',
      rule: 'at most 2097152 bytes (2 MiB)',
    });
  });
});

// Type-level checks: tsc (the typecheck covers test/) fails if any @ts-expect-error below stops erroring.
describe('types', () => {
  it('keeps the merchant modes apart and the required fields required', () => {
    const orders: MainlandNativeOrderRequest[] = [
      { ...order, ...direct },
      // @ts-expect-error partner ids do not belong on a direct order
      { ...order, ...direct, sp_mchid: '1' },
      // @ts-expect-error amounts are fen as JSON numbers
      { ...order, ...direct, amount: { total: '1' } },
      // @ts-expect-error mainland orders are CNY
      { ...order, ...direct, amount: { total: 1, currency: 'HKD' } },
    ];
    // @ts-expect-error a JSAPI order needs its payer
    const noPayer: MainlandJsapiOrderRequest = { ...order, ...direct };
    // @ts-expect-error an H5 order needs scene_info
    const noScene: MainlandH5OrderRequest = { ...order, ...direct };
    const partnerPayers: PartnerJsapiOrderRequest[] = [
      { ...order, ...partner, payer: { sp_openid: 'o' } },
      { ...order, ...partner, sub_appid: 'wx2', payer: { sub_openid: 'o' } },
      // @ts-expect-error a sub_openid needs sub_appid
      { ...order, ...partner, payer: { sub_openid: 'o' } },
      // @ts-expect-error direct ids do not belong on a partner order
      { ...order, ...partner, mchid: '1', payer: { sp_openid: 'o' } },
    ];
    // @ts-expect-error the partner query needs sub_mchid
    const query: PartnerModeIds = { sp_mchid: '1' };
    expect([orders, noPayer, noScene, partnerPayers, query]).toHaveLength(5);
  });

  it('types refunds, bills and transfers', () => {
    const amount = { refund: 1, total: 1, currency: 'CNY' as const };
    const refunds: DomesticRefundRequest[] = [
      { out_trade_no: 'T1', out_refund_no: 'R1', amount },
      // @ts-expect-error exactly one order number
      { out_trade_no: 'T1', transaction_id: '42', out_refund_no: 'R1', amount },
      // @ts-expect-error out_refund_no is required
      { out_trade_no: 'T1', amount },
    ];
    // @ts-expect-error bill_type is ALL, SUCCESS or REFUND
    const bill: TradeBillQuery = { bill_date: '2019-06-11', bill_type: 'RECHARGE_REFUND' };
    // @ts-expect-error transfer amounts are fen as JSON numbers
    const wrongAmount: TransferBillRequest = { ...transfer, transfer_amount: '4000' };
    expect([refunds, bill, wrongAmount]).toHaveLength(3);
  });

  it('types the replies', () => {
    const paid: MainlandTransaction = {
      ...direct,
      out_trade_no: 'T1',
      transaction_id: '4200000000000000000000000000',
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      payer: { openid: 'o' },
      amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
    };
    const partnerPaid: PartnerTransaction = {
      ...partner,
      out_trade_no: 'T1',
      trade_state: 'NOTPAY',
      trade_state_desc: '',
    };
    // @ts-expect-error PAID is not a trade state
    const state: MainlandTransaction['trade_state'] = 'PAID';
    // @ts-expect-error REFUNDCLOSE is the global status; mainland says CLOSED
    const status: DomesticRefund['status'] = 'REFUNDCLOSE';
    const created: TransferBillCreated['state'] = 'WAIT_USER_CONFIRM';
    // @ts-expect-error TRANSFERRING is spelled TRANSFERING by WeChat Pay
    const spelled: TransferBill['state'] = 'TRANSFERRING';
    const h5: H5PrepayResponse = { h5_url: 'https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=1' };
    const reply: BillReply = { hash_type: 'SHA1', hash_value: '79bb0f45', download_url: 'https://x' };
    const closed: V3Endpoints['v3/pay/transactions/out-trade-no/{out_trade_no}/close']['post']['response'] = undefined;
    expect([paid, partnerPaid, state, status, created, spelled, h5, reply, closed]).toHaveLength(9);
  });
});
