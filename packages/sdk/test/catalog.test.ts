// The APIv2 catalogue: metadata facts, the runtime field rules, and (through tsc) the request/response types.
import { describe, expect, it } from 'vitest';
import type { QueryCouponStockResponse, SendCouponRequest } from '../src/catalog/coupon.js';
import type { GetHbInfoResponse, SendRedpackRequest, SendRedpackResponse } from '../src/catalog/redpack.js';
import { ruleText, validateFields } from '../src/catalog/rules.js';
import type { V2EndpointMeta } from '../src/catalog/types.js';
import { isV2ReplySigned } from '../src/catalog/unsigned-replies.js';
import { findV2Endpoint, type V2Endpoints, type V2Path, v2Endpoints } from '../src/catalog/v2.js';
import type { PayWwspTrans2PocketRequest } from '../src/catalog/workwx.js';
import { ValidationError } from '../src/errors.js';

type Requests = { [P in V2Path]: V2Endpoints[P]['request'] };

/** One valid request per endpoint, typed, so the types and the runtime rules are checked against each other. */
const valid: Requests = {
  'v2/mmpaymkttransfers/sendredpack': {
    mch_billno: '1900000109201901011234567890',
    wxappid: 'wx8888888888888888',
    send_name: '天虹百货',
    re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
    total_amount: 1000,
    total_num: 1,
    wishing: '感谢您参加猜灯谜活动',
    client_ip: '192.168.0.1',
    act_name: '猜灯谜抢红包活动',
    remark: '猜越多得越多',
  },
  'v2/mmpaymkttransfers/gethbinfo': {
    mch_billno: '1900000109201901011234567890',
    appid: 'wx8888888888888888',
    bill_type: 'MCHT',
  },
  'v2/mmpaymkttransfers/sendworkwxredpack': {
    mch_billno: '1900000109201901011234567891',
    wxappid: 'ww8888888888888888',
    sender_name: 'HR',
    re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
    total_amount: 1000,
    wishing: '新年快乐',
    act_name: '年会',
    remark: '祝大家新年快乐',
  },
  'v2/mmpaymkttransfers/queryworkwxredpack': {
    mch_billno: '1900000109201901011234567891',
    appid: 'ww8888888888888888',
  },
  'v2/mmpaymkttransfers/promotion/paywwsptrans2pocket': {
    appid: 'ww8888888888888888',
    partner_trade_no: '100000982014120919616',
    openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
    check_name: 'NO_CHECK',
    amount: 100,
    desc: '六月出差报销费用',
    spbill_create_ip: '10.2.3.10',
    ww_msg_type: 'NORMAL_MSG',
    act_name: '出差报销',
  },
  'v2/mmpaymkttransfers/query_coupon_stock': { coupon_stock_id: '1757', appid: 'wx8888888888888888' },
  'v2/mmpaymkttransfers/send_coupon': {
    coupon_stock_id: '1757',
    openid_count: 1,
    partner_trade_no: '1000009820141203515766',
    openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
    appid: 'wx8888888888888888',
    version: '1.0',
    type: 'XML',
  },
  'v2/mmpaymkttransfers/querycouponsinfo': {
    coupon_id: '1565',
    openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
    appid: 'wx8888888888888888',
    stock_id: '58818',
  },
};

const paths = Object.keys(v2Endpoints) as V2Path[];

/** The request as the pipeline hands it to the validator: every value a string. */
function wire(request: object): Record<string, string> {
  return Object.fromEntries(Object.entries(request).map(([name, value]) => [name, String(value)]));
}

function meta(path: V2Path): V2EndpointMeta {
  return v2Endpoints[path];
}

/** The ValidationError `validateFields` throws for `path` with `changes` applied to its valid request. */
function rejection(path: V2Path, changes: Record<string, string | undefined>): ValidationError {
  const fields: Record<string, string> = wire(valid[path]);
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete fields[name];
    else fields[name] = value;
  }
  try {
    validateFields(meta(path), fields);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`expected ${path} to reject ${JSON.stringify(changes)}`);
}

function accepts(path: V2Path, changes: Record<string, string>): void {
  expect(() => validateFields(meta(path), { ...wire(valid[path]), ...changes })).not.toThrow();
}

const sendRedpack = 'v2/mmpaymkttransfers/sendredpack';
const sendWorkwx = 'v2/mmpaymkttransfers/sendworkwxredpack';
const pocket = 'v2/mmpaymkttransfers/promotion/paywwsptrans2pocket';

describe('registry', () => {
  it('lists the eight endpoints, each under its own path', () => {
    expect(paths).toHaveLength(8);
    for (const path of paths) expect(v2Endpoints[path].path).toBe(path);
  });

  it('finds catalogued paths exactly and nothing else', () => {
    expect(findV2Endpoint('v2/mmpaymkttransfers/gethbinfo')).toBe(v2Endpoints['v2/mmpaymkttransfers/gethbinfo']);
    for (const other of ['mmpaymkttransfers/gethbinfo', 'v2/mmpaymkttransfers/unknown', 'constructor', '__proto__']) {
      expect(findV2Endpoint(other)).toBeUndefined();
    }
  });
});

describe('metadata facts', () => {
  const facts: Record<V2Path, { cert: boolean; responseSigned: boolean; idempotencyKey?: string }> = {
    'v2/mmpaymkttransfers/sendredpack': { cert: true, responseSigned: false, idempotencyKey: 'mch_billno' },
    'v2/mmpaymkttransfers/gethbinfo': { cert: true, responseSigned: false },
    'v2/mmpaymkttransfers/sendworkwxredpack': { cert: true, responseSigned: true, idempotencyKey: 'mch_billno' },
    'v2/mmpaymkttransfers/queryworkwxredpack': { cert: true, responseSigned: true },
    'v2/mmpaymkttransfers/promotion/paywwsptrans2pocket': {
      cert: true,
      responseSigned: false,
      idempotencyKey: 'partner_trade_no',
    },
    'v2/mmpaymkttransfers/query_coupon_stock': { cert: false, responseSigned: true },
    'v2/mmpaymkttransfers/send_coupon': { cert: true, responseSigned: true, idempotencyKey: 'partner_trade_no' },
    'v2/mmpaymkttransfers/querycouponsinfo': { cert: false, responseSigned: true },
  };

  it.each(paths)('%s: cert, signed reply, MD5 only, idempotency key, merchant field', (path) => {
    const { cert, responseSigned, idempotencyKey } = facts[path];
    expect(meta(path)).toMatchObject({ cert, signTypes: ['MD5'], merchantField: 'mch_id' });
    expect(isV2ReplySigned(path)).toBe(responseSigned);
    expect(meta(path).idempotencyKey).toBe(idempotencyKey);
  });

  it('knows the workwx_sign field subsets, and only for the WeCom payouts', () => {
    expect([...(meta(sendWorkwx).workwxFields ?? [])].sort()).toEqual(
      ['act_name', 'mch_billno', 'mch_id', 'nonce_str', 're_openid', 'total_amount', 'wxappid'].sort(),
    );
    expect([...(meta(pocket).workwxFields ?? [])].sort()).toEqual(
      ['amount', 'appid', 'desc', 'mch_id', 'nonce_str', 'openid', 'partner_trade_no', 'ww_msg_type'].sort(),
    );
    const others = paths.filter((path) => path !== sendWorkwx && path !== pocket);
    for (const path of others) expect(meta(path).workwxFields).toBeUndefined();
  });

  it('maps error codes to what they mean for the money', () => {
    const send = meta(sendRedpack).errors ?? {};
    expect(send).toMatchObject({
      SYSTEMERROR: 'unknown',
      PROCESSING: 'unknown',
      FREQ_LIMIT: 'retry',
      NOTENOUGH: 'retry',
      FATAL_ERROR: 'final',
      SEND_FAILED: 'final',
      CA_ERROR: 'fix',
      SIGN_ERROR: 'fix',
      PARAM_ERROR: 'fix',
    });
    expect(meta(sendWorkwx).errors).toMatchObject({ ...send, NO_COMPETENCE: 'final' });
    for (const query of ['v2/mmpaymkttransfers/gethbinfo', 'v2/mmpaymkttransfers/queryworkwxredpack'] as const) {
      // A query failure says nothing about the packet: never `final`, and NOT_FOUND may mean "still processing".
      expect(meta(query).errors).toMatchObject({
        NOT_FOUND: 'unknown',
        SYSTEMERROR: 'unknown',
        PSYSTEMERROR: 'unknown',
      });
      expect(Object.values(meta(query).errors ?? {})).not.toContain('final');
    }
    expect(meta('v2/mmpaymkttransfers/send_coupon').errors).toMatchObject({
      'NETWORK ERROR': 'retry',
      USER_AL_GET_COUPON: 'final',
      REQ_PARAM_XML_ERR: 'fix',
    });
  });
});

describe('validateFields', () => {
  it.each(paths)('%s accepts a valid request', (path) => {
    expect(() => validateFields(meta(path), wire(valid[path]))).not.toThrow();
  });

  it('leaves nonce_str, sign and mch_id to the pipeline but still limits mch_id', () => {
    for (const path of paths) expect(() => validateFields(meta(path), wire(valid[path]))).not.toThrow();
    expect(rejection(sendRedpack, { mch_id: '1'.repeat(33) })).toMatchObject({ field: 'mch_id', rule: 'maxLength 32' });
  });

  it('allows fields the catalogue does not know', () => {
    accepts(sendRedpack, { brand_new_field: 'x' });
  });

  it('requires required fields, present and non-empty', () => {
    expect(rejection(sendRedpack, { wishing: undefined })).toMatchObject({ field: 'wishing', rule: 'required' });
    expect(rejection(sendRedpack, { re_openid: '' })).toMatchObject({ field: 're_openid', rule: 'required' });
    expect(rejection('v2/mmpaymkttransfers/gethbinfo', { appid: undefined })).toMatchObject({ field: 'appid' });
    expect(rejection('v2/mmpaymkttransfers/send_coupon', { partner_trade_no: '' })).toMatchObject({
      field: 'partner_trade_no',
      rule: 'required',
    });
  });

  it('limits length in characters, not bytes', () => {
    accepts(sendRedpack, { wishing: '福'.repeat(128) });
    expect(rejection(sendRedpack, { wishing: '福'.repeat(129) })).toMatchObject({
      field: 'wishing',
      rule: 'maxLength 128',
    });
    expect(rejection(pocket, { openid: 'o'.repeat(65) })).toMatchObject({ field: 'openid', rule: 'maxLength 64' });
  });

  it('checks mch_billno charset and length', () => {
    for (const path of [sendRedpack, sendWorkwx, 'v2/mmpaymkttransfers/gethbinfo'] as const) {
      expect(rejection(path, { mch_billno: '1900000109-2019' })).toMatchObject({
        field: 'mch_billno',
        rule: 'charset [0-9A-Za-z]',
      });
      expect(rejection(path, { mch_billno: '1'.repeat(29) })).toMatchObject({
        field: 'mch_billno',
        rule: 'maxLength 28',
      });
    }
    accepts(sendRedpack, { mch_billno: 'A'.repeat(28) });
  });

  it('wants amounts as integer fen', () => {
    for (const amount of ['1.5', '-100', '1e3', ' 100', '0']) {
      expect(rejection(sendRedpack, { total_amount: amount })).toMatchObject({
        field: 'total_amount',
        rule: 'integer >= 1',
      });
    }
    expect(rejection(pocket, { amount: '10.00' })).toMatchObject({ field: 'amount', rule: 'integer >= 1' });
    expect(rejection(sendWorkwx, { agentid: 'abc' })).toMatchObject({ field: 'agentid', rule: 'integer' });
  });

  it('wants total_num (and openid_count) exactly 1', () => {
    for (const count of ['0', '2', 'one']) {
      expect(rejection(sendRedpack, { total_num: count })).toMatchObject({ field: 'total_num', rule: 'integer = 1' });
    }
    expect(rejection('v2/mmpaymkttransfers/send_coupon', { openid_count: '2' })).toMatchObject({
      field: 'openid_count',
      rule: 'integer = 1',
    });
  });

  it.each([sendRedpack, sendWorkwx] as const)('%s wants scene_id outside 100..20000 fen', (path) => {
    const rule = 'required when total_amount < 100 or > 20000';
    expect(rejection(path, { total_amount: '99' })).toMatchObject({ field: 'scene_id', rule });
    expect(rejection(path, { total_amount: '20001' })).toMatchObject({ field: 'scene_id', rule });
    expect(rejection(path, { total_amount: '99', scene_id: '' })).toMatchObject({ field: 'scene_id', rule });
    accepts(path, { total_amount: '100' });
    accepts(path, { total_amount: '20000' });
    accepts(path, { total_amount: '99', scene_id: 'PRODUCT_1' });
    accepts(path, { total_amount: '49900', scene_id: 'PRODUCT_8' });
    expect(rejection(path, { scene_id: 'PRODUCT_9' })).toMatchObject({
      field: 'scene_id',
      rule: 'one of PRODUCT_1..PRODUCT_8',
    });
  });

  it('wants client_ip as a plain dotted-quad IPv4 address', () => {
    for (const ip of ['1.2.3', '256.1.1.1', '01.2.3.4', '1.2.3.4.5', '::1', '1.2.3.a', '1..3.4']) {
      expect(rejection(sendRedpack, { client_ip: ip })).toMatchObject({ field: 'client_ip', rule: 'ipv4' });
    }
    accepts(sendRedpack, { client_ip: '0.0.0.0' });
    accepts(sendRedpack, { client_ip: '255.255.255.255' });
  });

  it('checks enums', () => {
    expect(rejection('v2/mmpaymkttransfers/gethbinfo', { bill_type: 'mcht' })).toMatchObject({
      field: 'bill_type',
      rule: 'one of MCHT',
    });
    expect(rejection(pocket, { check_name: 'OPTION_CHECK' })).toMatchObject({
      field: 'check_name',
      rule: 'one of NO_CHECK|FORCE_CHECK',
    });
    expect(rejection(pocket, { ww_msg_type: 'APPROVAL' })).toMatchObject({
      field: 'ww_msg_type',
      rule: 'one of NORMAL_MSG|APPROVAL_MSG',
    });
    expect(rejection('v2/mmpaymkttransfers/query_coupon_stock', { version: '2.0' })).toMatchObject({
      field: 'version',
    });
  });

  it('wants the real name with FORCE_CHECK and the approval with APPROVAL_MSG', () => {
    expect(rejection(pocket, { check_name: 'FORCE_CHECK' })).toMatchObject({
      field: 're_user_name',
      rule: 'required when check_name is FORCE_CHECK',
    });
    accepts(pocket, { check_name: 'FORCE_CHECK', re_user_name: '张三' });
    expect(rejection(pocket, { ww_msg_type: 'APPROVAL_MSG', approval_type: '1' })).toMatchObject({
      field: 'approval_number',
      rule: 'required when ww_msg_type is APPROVAL_MSG',
    });
    expect(rejection(pocket, { ww_msg_type: 'APPROVAL_MSG', approval_number: '201705160008' })).toMatchObject({
      field: 'approval_type',
    });
    accepts(pocket, { ww_msg_type: 'APPROVAL_MSG', approval_number: '201705160008', approval_type: '1' });
    // The official field table (docs/endpoints.md, pay to staff): lengths, and a number of letters and digits only.
    expect(rejection(pocket, { partner_trade_no: 'has-dash-1' })).toMatchObject({ field: 'partner_trade_no' });
    expect(rejection(pocket, { desc: 'd'.repeat(82) })).toMatchObject({ field: 'desc', rule: 'maxLength 81' });
    expect(rejection(pocket, { act_name: 'a'.repeat(51) })).toMatchObject({ field: 'act_name' });
    accepts(pocket, { appid: `ww${'0'.repeat(100)}` });
  });

  it('refuses sender_name together with agentid', () => {
    expect(rejection(sendWorkwx, { agentid: '1000002' })).toMatchObject({
      field: 'agentid',
      rule: 'exclusive with sender_name',
    });
    accepts(sendWorkwx, { sender_name: '', agentid: '1000002' });
  });

  it('reports the first broken rule in field order, before cross-field rules', () => {
    expect(rejection(sendRedpack, { mch_billno: undefined, wishing: undefined, total_amount: '1' })).toMatchObject({
      field: 'mch_billno',
    });
  });

  it('names field and rule in the message without echoing the value', () => {
    const error = rejection(pocket, { check_name: 'FORCE_CHECK', re_user_name: '' });
    expect(error.message).toBe('re_user_name: required when check_name is FORCE_CHECK');
    const secretish = 'S3CRET-VALUE-THAT-IS-MUCH-TOO-LONG-FOR-SIGN';
    const signError = rejection(sendRedpack, { sign: secretish });
    expect(signError).toMatchObject({ field: 'sign', rule: 'maxLength 32' });
    expect(signError.message).not.toContain(secretish);
  });
});

describe('ruleText', () => {
  it('states each rule with its limit', () => {
    expect(ruleText.maxLength(28)).toBe('maxLength 28');
    expect(ruleText.charset('[0-9A-Za-z]')).toBe('charset [0-9A-Za-z]');
    expect(ruleText.integer({ min: 1 })).toBe('integer >= 1');
    expect(ruleText.integer({ max: 5 })).toBe('integer <= 5');
    expect(ruleText.integer({ min: 1, max: 5 })).toBe('integer 1..5');
    expect(ruleText.integer({ min: 1, max: 1 })).toBe('integer = 1');
    expect(ruleText.oneOf(['PRODUCT_1', 'PRODUCT_2', 'PRODUCT_3'])).toBe('one of PRODUCT_1..PRODUCT_3');
    expect(ruleText.oneOf(['1', '2', '4', '8', '16'])).toBe('one of 1|2|4|8|16');
  });
});

// Type-level checks: tsc (the typecheck script covers test/) fails if any @ts-expect-error below stops erroring.
describe('types', () => {
  it('rejects wrong names and wrong value types in requests', () => {
    const request: SendRedpackRequest = valid[sendRedpack];
    const checks: SendRedpackRequest[] = [
      {
        ...request,
        // @ts-expect-error sendredpack has no `openid` (it is `re_openid`)
        openid: 'o',
      },
      // @ts-expect-error amounts are integer fen numbers, not strings
      { ...request, total_amount: '1000' },
      // @ts-expect-error string fields take strings, not numbers
      { ...request, mch_billno: 1900000109 },
      // @ts-expect-error scene_id is one of PRODUCT_1..PRODUCT_8
      { ...request, scene_id: 'PRODUCT_9' },
    ];
    // @ts-expect-error wishing is required
    const missing: SendRedpackRequest = { ...request, wishing: undefined };
    // @ts-expect-error check_name is NO_CHECK or FORCE_CHECK
    const badEnum: PayWwspTrans2PocketRequest = { ...valid[pocket], check_name: 'CHECK' };
    // @ts-expect-error openid_count is a number
    const badCount: SendCouponRequest = { ...valid['v2/mmpaymkttransfers/send_coupon'], openid_count: '1' };
    expect([checks, missing, badEnum, badCount]).toHaveLength(4);
  });

  it('types every reply value as a string, with literal unions where the doc lists values', () => {
    const reply: SendRedpackResponse = {
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      mch_billno: '1900000109201901011234567890',
      mch_id: '1900000109',
      wxappid: 'wx8888888888888888',
      re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
      // @ts-expect-error XML values stay strings, amounts included
      total_amount: 1000,
      send_listid: '100000000020150520314766074200',
    };
    // @ts-expect-error RFUND_ING is WeChat's spelling; REFUNDING is not a status
    const status: GetHbInfoResponse['status'] = 'REFUNDING';
    const stock: QueryCouponStockResponse['coupon_stock_status'] = '4';
    const receipts: GetHbInfoResponse['hblist'] = {
      hbinfo: { openid: 'o', amount: '100', rcv_time: '2025-01-01 00:00:00' },
    };
    expect([reply, status, stock, receipts]).toHaveLength(4);
  });

  it('keeps V2Endpoints and v2Endpoints on the same paths', () => {
    const metaKeys: keyof typeof v2Endpoints = 'v2/mmpaymkttransfers/sendredpack';
    // @ts-expect-error uncatalogued paths are not V2Path
    const unknown: V2Path = 'v2/pay/unifiedorder';
    const sameKeys: [V2Path] extends [keyof typeof v2Endpoints]
      ? [keyof typeof v2Endpoints] extends [V2Path]
        ? true
        : false
      : false = true;
    expect([metaKeys, unknown, sameKeys]).toHaveLength(3);
  });
});
