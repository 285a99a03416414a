// Tests for the sandbox's APIv2 endpoints (red packets, WeCom payouts, coupons) and their admin actions, calling
// handleV2 directly with an in-memory store, real merchant certificates and real signatures.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Transformer, type XmlObject } from 'wxpay';
import { formatChinaTime, type SandboxClock } from '../src/clock.js';
import type { SandboxContext, SandboxReply } from '../src/context.js';
import type { Faults } from '../src/faults.js';
import { type Pem, verifyClientCertificate } from '../src/pki.js';
import type { MerchantConfig, Store } from '../src/store.js';
import { createCouponStock, listCouponStocks, listRedpacks, openRedpack, topUp } from '../src/v2/actions.js';
import { v2Endpoint } from '../src/v2/endpoints.js';
import { settleRedpacks } from '../src/v2/redpack.js';
import { handleV2 } from '../src/v2/router.js';
import { createNonce } from '../src/wire/nonce.js';
import { signV2 } from '../src/wire/v2-sign.js';
import { signWorkwx } from '../src/wire/workwx-sign.js';
import { handlerContext, issueTestKeys, merchantConfig as testMerchantConfig } from './support/fixtures.js';
import { hasValidV2Sign } from './support/v2-replies.js';

const MCH_A = '1900000001';
const MCH_B = '1900000002';
const REDPACK_APPID = 'wx8888888888888888';
const COUPON_APPID = 'wx5edab3bdfba3dc1c';
const CORPID = 'wxe062425f740d30d8';
const KEY_A = 'A'.repeat(32);
const KEY_B = 'B'.repeat(32);
const WORKWX_SECRET = 'W'.repeat(32);
const USER1 = 'oxTWIuGaIt6gTKsQRLau2M0yL16E';
const USER2 = 'oxTWIuGaIt6gTKsQRLau2M0yL16F';
const USER3 = 'oxTWIuGaIt6gTKsQRLau2M0yL16G';
const USER_B = 'oxTWIuGaIt6gTKsQRLau2M0yL16Z';
const START_BALANCE = 10_000_000;

const secondMs = 1000;
const hourMs = 60 * 60 * secondMs;
const dayMs = 24 * hourMs;
/** 2024-05-01 10:00:00 in Beijing. */
const START = Date.UTC(2024, 4, 1, 2, 0, 0);

let ca: Pem;
let certA: Pem;
let certB: Pem;

beforeAll(async () => {
  const keys = await issueTestKeys(START, [MCH_A, MCH_B]);
  ca = keys.ca;
  [certA, certB] = [keys.apiCerts[MCH_A], keys.apiCerts[MCH_B]] as [Pem, Pem];
});

let store: Store;
let clock: SandboxClock;
let faults: Faults;
let ctx: SandboxContext;

function merchantConfig(key: string, cert: Pem, workwx: boolean): MerchantConfig {
  return testMerchantConfig({
    apiv2Key: key,
    apiCert: cert,
    appids: { redpack: REDPACK_APPID, coupon: COUPON_APPID },
    ...(workwx ? { workwx: { corpid: CORPID, secret: WORKWX_SECRET } } : {}),
  });
}

beforeEach(() => {
  // Real time stands still, so only `advance` and `set` move the sandbox clock.
  ctx = handlerContext({ ca, realNow: () => START });
  ({ store, clock, faults } = ctx);
  // A high request rate: these tests send dozens of calls within one real second.
  store.merchants.insert({
    mchid: MCH_A,
    kind: 'mainland',
    config: merchantConfig(KEY_A, certA, true),
    balance: START_BALANCE,
    rate_limit: 10_000,
  });
  store.merchants.insert({
    mchid: MCH_B,
    kind: 'mainland',
    config: merchantConfig(KEY_B, certB, false),
    balance: START_BALANCE,
    rate_limit: 10_000,
  });
  for (const [openid, name] of [
    [USER1, '张三'],
    [USER2, '李四'],
    [USER3, '王五'],
  ] as const) {
    store.users.insert({ openid, mchid: MCH_A, appid: REDPACK_APPID, name });
  }
  store.users.insert({ openid: USER_B, mchid: MCH_B, appid: REDPACK_APPID, name: '赵六' });
});

afterEach(() => {
  store.close();
});

// ---- Calling the handler like a client would.

interface CallOptions {
  /** The client certificate presented; null for none. Default: the calling merchant's own. */
  cert?: Pem | null;
  /** APIv2 key to sign with; default: the calling merchant's. */
  key?: string;
  /** WeCom secret for workwx_sign on WeCom endpoints; null to leave workwx_sign out. */
  workwxSecret?: string | null;
  /** Leave the fields unsigned (no sign at all). */
  unsigned?: boolean;
  /** Send this body instead of the fields. */
  body?: string;
  method?: string;
}

interface Called {
  reply: SandboxReply;
  data: XmlObject;
}

function call(path: string, fields: Record<string, string>, options: CallOptions = {}): Called {
  const mine = fields.mch_id === MCH_B ? { cert: certB, key: KEY_B } : { cert: certA, key: KEY_A };
  const signed: Record<string, string> = { nonce_str: createNonce(), ...fields };
  const workwxFields = v2Endpoint((path.split('?')[0] ?? '').replace('/mmpaymkttransfers/', ''))?.workwxFields;
  const workwxSecret = options.workwxSecret === undefined ? WORKWX_SECRET : options.workwxSecret;
  if (workwxFields !== undefined && workwxSecret !== null && signed.workwx_sign === undefined) {
    signed.workwx_sign = signWorkwx(signed, workwxFields, workwxSecret);
  }
  if (!options.unsigned && signed.sign === undefined) signed.sign = signV2(signed, options.key ?? mine.key, 'MD5');
  const cert = options.cert === undefined ? mine.cert : options.cert;
  const reply = handleV2(ctx, {
    method: options.method ?? 'POST',
    pathAndQuery: path,
    headers: { 'content-type': 'text/xml' },
    rawBody: Buffer.from(options.body ?? Transformer.toXml(signed)),
    clientCert: cert === null ? undefined : verifyClientCertificate(ca, cert.certPem, clock.now()),
  });
  return { reply, data: reply.status === 200 ? Transformer.toObject(reply.body) : {} };
}

/** Asserts a business failure (`return_code` SUCCESS, `result_code` FAIL) with `code`; returns the des. */
function expectBusinessFail({ data }: Called, code: string): string {
  expect(data.return_code).toBe('SUCCESS');
  expect(data.result_code).toBe('FAIL');
  expect(data.err_code).toBe(code);
  expect(typeof data.err_code_des).toBe('string');
  return data.err_code_des as string;
}

/** Asserts a communication failure (`return_code` FAIL, unsigned) with `code`; returns the message. */
function expectCommunicationFail({ reply, data }: Called, code: string): string {
  expect(reply.status).toBe(200);
  expect(data.return_code).toBe('FAIL');
  expect(data.err_code).toBe(code);
  expect(data.sign).toBeUndefined();
  return data.return_msg as string;
}

function expectSuccess({ data }: Called): void {
  expect(data, String(data.err_code_des)).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
}

function balanceOf(mchid: string): number {
  return store.merchants.get({ mchid })?.balance ?? Number.NaN;
}

function setSettings(mchid: string, settings: Record<string, number>): void {
  const merchant = store.merchants.get({ mchid });
  if (merchant === undefined) throw new Error('no merchant');
  store.merchants.update({ mchid }, { config: { ...merchant.config, settings } });
}

let billSequence = 0;
function nextBillno(mchid = MCH_A): string {
  billSequence += 1;
  return `${mchid}20240501${String(billSequence).padStart(10, '0')}`;
}

const SEND = '/mmpaymkttransfers/sendredpack';
const QUERY = '/mmpaymkttransfers/gethbinfo';
const SEND_WORKWX = '/mmpaymkttransfers/sendworkwxredpack';
const QUERY_WORKWX = '/mmpaymkttransfers/queryworkwxredpack';
const TRANSFER = '/mmpaymkttransfers/promotion/paywwsptrans2pocket';
const QUERY_STOCK = '/mmpaymkttransfers/query_coupon_stock';
const SEND_COUPON = '/mmpaymkttransfers/send_coupon';
const QUERY_COUPON = '/mmpaymkttransfers/querycouponsinfo';

function redpack(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    mch_billno: nextBillno(overrides.mch_id),
    mch_id: MCH_A,
    wxappid: REDPACK_APPID,
    send_name: 'Sandbox Shop',
    re_openid: USER1,
    total_amount: '1000',
    total_num: '1',
    wishing: 'Happy holidays',
    client_ip: '192.168.0.1',
    act_name: 'Launch',
    remark: 'Thanks & enjoy <3',
    ...overrides,
  };
}

function workwxRedpack(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    mch_billno: nextBillno(),
    mch_id: MCH_A,
    wxappid: CORPID,
    sender_name: 'Finance',
    re_openid: USER1,
    total_amount: '1000',
    wishing: 'Well done',
    act_name: 'Bonus',
    remark: 'Q2',
    ...overrides,
  };
}

function hbQuery(billno: string, overrides: Record<string, string> = {}): Record<string, string> {
  return { mch_billno: billno, mch_id: MCH_A, appid: REDPACK_APPID, bill_type: 'MCHT', ...overrides };
}

function sendOk(fields: Record<string, string>, path = SEND): string {
  const sent = call(path, fields);
  expectSuccess(sent);
  return sent.data.send_listid as string;
}

describe('routing and the communication layer', () => {
  it('answers unknown paths with a plain 404 and other methods with 405', () => {
    const unknown = call('/mmpaymkttransfers/nope', redpack());
    expect(unknown.reply.status).toBe(404);
    expect(unknown.reply.headers['content-type']).toMatch(/^text\/plain/);
    const get = call(SEND, redpack(), { method: 'GET' });
    expect(get.reply.status).toBe(405);
    expect(get.reply.headers.allow).toBe('POST');
  });

  it('replies text/xml, status 200, and ignores a query string on the path', () => {
    const sent = call(`${SEND}?from=test`, redpack());
    expect(sent.reply.status).toBe(200);
    expect(sent.reply.headers['content-type']).toBe('text/xml; charset=utf-8');
    expectSuccess(sent);
  });

  it.each([
    ['not XML at all', 'hello'],
    ['a DTD', '<!DOCTYPE xml [<!ENTITY x "y">]><xml><mch_id>1</mch_id></xml>'],
    ['another root element', `<request><mch_id>${MCH_A}</mch_id></request>`],
    ['a field holding elements', `<xml><mch_id>${MCH_A}</mch_id><remark><a>1</a></remark></xml>`],
    ['a repeated field', `<xml><mch_id>${MCH_A}</mch_id><mch_id>${MCH_A}</mch_id></xml>`],
  ])('refuses a body with %s: XML_ERROR, coupons REQ_PARAM_XML_ERR', (_, body) => {
    // The reply itself parses (call() parses it): a return_msg quoting "<!DOCTYPE" would make strict clients refuse it.
    const message = expectCommunicationFail(call(SEND, {}, { body }), 'XML_ERROR');
    expect(message).toMatch(/XML/);
    expect(message).not.toContain('<');
    expectCommunicationFail(call(QUERY_STOCK, {}, { body }), 'REQ_PARAM_XML_ERR');
  });

  it('refuses an unknown or missing mch_id, unsigned', () => {
    expectCommunicationFail(call(SEND, redpack({ mch_id: '1234567' })), 'PARAM_ERROR');
    expectCommunicationFail(call(SEND, redpack({ mch_id: '' })), 'PARAM_ERROR');
    expectCommunicationFail(
      call(QUERY_STOCK, { coupon_stock_id: '1', appid: COUPON_APPID, mch_id: '' }),
      'MCH_ID_EMPTY',
    );
  });

  it('wants the client certificate of the calling merchant: CA_ERROR otherwise', () => {
    expect(expectCommunicationFail(call(SEND, redpack(), { cert: null }), 'CA_ERROR')).toMatch(/certificate/);
    expect(expectCommunicationFail(call(SEND, redpack(), { cert: certB }), 'CA_ERROR')).toContain(MCH_B);
    expectCommunicationFail(call(QUERY, hbQuery('1'), { cert: null }), 'CA_ERROR');
    expectCommunicationFail(call(SEND_WORKWX, workwxRedpack(), { cert: null }), 'CA_ERROR');
    expectCommunicationFail(call(TRANSFER, transfer(), { cert: null }), 'CA_ERROR');
    expectCommunicationFail(call(SEND_COUPON, couponSend(), { cert: null }), 'CA_ERROR');
    // A certificate the sandbox CA did not issue.
    const foreign = handleV2(ctx, {
      method: 'POST',
      pathAndQuery: SEND,
      headers: {},
      rawBody: Buffer.from(Transformer.toXml({ ...redpack(), nonce_str: 'n', sign: 'x' })),
      clientCert: { ok: false, reason: 'not issued by the sandbox CA' },
    });
    expect(Transformer.toObject(foreign.body)).toMatchObject({ return_code: 'FAIL', err_code: 'CA_ERROR' });
    // Nothing happened.
    expect(store.redpacks.count()).toBe(0);
    expect(balanceOf(MCH_A)).toBe(START_BALANCE);
  });

  it('checks the MD5 sign with the APIv2 key: SIGN_ERROR when wrong, missing or HMAC-SHA256', () => {
    expectCommunicationFail(call(SEND, redpack(), { key: KEY_B }), 'SIGN_ERROR');
    expect(expectCommunicationFail(call(SEND, redpack(), { unsigned: true }), 'SIGN_ERROR')).toMatch(/missing/);
    const hmac: Record<string, string> = { ...redpack(), nonce_str: createNonce(), sign_type: 'HMAC-SHA256' };
    hmac.sign = signV2(hmac, KEY_A, 'HMAC-SHA256');
    expectCommunicationFail(call(SEND, hmac), 'SIGN_ERROR');
    // A tampered field after signing.
    const tampered: Record<string, string> = { ...redpack(), nonce_str: createNonce() };
    tampered.sign = signV2(tampered, KEY_A, 'MD5');
    tampered.total_amount = '2000';
    expectCommunicationFail(call(SEND, tampered), 'SIGN_ERROR');
    expectCommunicationFail(call(QUERY_STOCK, stockQuery('1757'), { key: KEY_B }), 'SIGN_ERROR');
    expect(store.redpacks.count()).toBe(0);
  });

  it('checks workwx_sign with the WeCom secret on WeCom endpoints, saying which signature failed', () => {
    expect(expectCommunicationFail(call(SEND_WORKWX, workwxRedpack(), { workwxSecret: 'x' }), 'SIGN_ERROR')).toMatch(
      /workwx_sign/,
    );
    expect(expectCommunicationFail(call(SEND_WORKWX, workwxRedpack(), { workwxSecret: null }), 'SIGN_ERROR')).toMatch(
      /workwx_sign: missing/,
    );
    // Pay to pocket documents its own code for it, as a business failure.
    expectBusinessFail(call(TRANSFER, transfer(), { workwxSecret: 'x' }), 'WORKWX_SIGN_ERROR');
    // workwx_sign covers its subset only: a field outside it (remark) may change without breaking it, sign still counts.
    const fields: Record<string, string> = { ...workwxRedpack(), nonce_str: createNonce() };
    const subset = v2Endpoint('sendworkwxredpack')?.workwxFields ?? [];
    fields.workwx_sign = signWorkwx(fields, subset, WORKWX_SECRET);
    fields.remark = 'changed before sign';
    expectSuccess(call(SEND_WORKWX, fields));
  });

  it('answers NO_COMPETENCE to WeCom calls of a merchant without WeCom payment', () => {
    const sent = call(SEND_WORKWX, workwxRedpack({ mch_id: MCH_B, re_openid: USER_B }));
    expectBusinessFail(sent, 'NO_COMPETENCE');
    expect(hasValidV2Sign(sent.data, KEY_B)).toBe(true);
  });

  it('limits requests per second: FREQ_LIMIT, and FREQ_OVER_LIMIT on send_coupon', () => {
    faults.set({ rateLimitPerSecond: 2 });
    expectBusinessFail(call(QUERY, hbQuery('1')), 'NOT_FOUND');
    expectBusinessFail(call(QUERY, hbQuery('1')), 'NOT_FOUND');
    expect(expectBusinessFail(call(QUERY, hbQuery('1')), 'FREQ_LIMIT')).toMatch(/too many/);
    expectBusinessFail(call(SEND, redpack()), 'FREQ_LIMIT');
    const coupon = call(SEND_COUPON, couponSend());
    expectBusinessFail(coupon, 'FREQ_OVER_LIMIT');
    expect(hasValidV2Sign(coupon.data, KEY_A)).toBe(true);
    // Another merchant has its own budget.
    expectBusinessFail(call(QUERY, hbQuery('1', { mch_id: MCH_B })), 'NOT_FOUND');
    expect(store.redpacks.count()).toBe(0);
  });

  it.each([
    ['total_num other than 1', { total_num: '2' }, 'total_num: integer = 1'],
    ['an amount below 100 fen without scene_id', { total_amount: '99' }, 'scene_id: required when'],
    ['an amount above 20000 fen without scene_id', { total_amount: '20001' }, 'scene_id: required when'],
    [
      'an amount above 499900 fen',
      { total_amount: '499901', scene_id: 'PRODUCT_1' },
      'total_amount: integer 1..499900',
    ],
    ['a zero amount', { total_amount: '0', scene_id: 'PRODUCT_1' }, 'total_amount: integer 1..499900'],
    ['an unknown scene_id', { scene_id: 'PRODUCT_9' }, 'scene_id: one of PRODUCT_1..PRODUCT_8'],
    ['a mch_billno with other characters', { mch_billno: 'bill-1' }, 'mch_billno: charset [0-9A-Za-z]'],
    ['a mch_billno over 28 characters', { mch_billno: '1'.repeat(29) }, 'mch_billno: maxLength 28'],
    ['a client_ip that is not IPv4', { client_ip: '::1' }, 'client_ip: ipv4'],
    ['no nonce_str', { nonce_str: '' }, 'nonce_str: required'],
    ['no wishing', { wishing: '' }, 'wishing: required'],
  ])('answers PARAM_ERROR naming the field for %s', (_, overrides, des) => {
    const sent = call(SEND, redpack(overrides));
    expect(expectBusinessFail(sent, 'PARAM_ERROR')).toContain(des);
    // Business failures still echo the request.
    expect(sent.data.mch_id).toBe(MCH_A);
    expect(store.redpacks.count()).toBe(0);
  });

  it('accepts amounts of 1..499900 fen when a scene_id is given', () => {
    expectSuccess(call(SEND, redpack({ total_amount: '1', scene_id: 'PRODUCT_2' })));
    expectSuccess(call(SEND, redpack({ total_amount: '99999', scene_id: 'PRODUCT_2', re_openid: USER2 })));
  });
});

describe('sendredpack', () => {
  it('debits the balance, stores a SENT packet with WeChat-style ids and replies unsigned with the echo', () => {
    const fields = redpack();
    const sent = call(SEND, fields);
    expectSuccess(sent);
    expect(sent.data).toMatchObject({
      mch_billno: fields.mch_billno,
      mch_id: MCH_A,
      wxappid: REDPACK_APPID,
      re_openid: USER1,
      total_amount: '1000',
    });
    expect(sent.data.sign).toBeUndefined();
    expect(sent.data.send_listid).toMatch(/^100004170120240501\d{13}$/);
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 1000);
    const [row] = listRedpacks(ctx);
    expect(row).toMatchObject({
      status: 'SENT',
      send_listid: sent.data.send_listid,
      send_time: '2024-05-01 10:00:00',
      rcv_time: null,
      refund_time: null,
    });
    expect(row?.detail_id).toMatch(/^100004170120240501\d{13}$/);
  });

  it('answers a resend with the same parameters with the same send_listid and pays once', () => {
    const fields = redpack();
    const first = sendOk(fields);
    // A new nonce (and so a new sign) is the same request.
    const again = call(SEND, { ...fields });
    expectSuccess(again);
    expect(again.data.send_listid).toBe(first);
    expect(store.redpacks.count()).toBe(1);
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 1000);
  });

  it('answers FATAL_ERROR (or, for the amount, its own code) to the same billno with changed parameters', () => {
    const fields = redpack();
    const first = sendOk(fields);
    // sendredpack's table: a changed openid is FATAL_ERROR, a changed amount "金额和原始单参数不一致"
    // (docs/endpoints.md#mmpaymkttransferssendredpack--send-a-normal-red-packet); other changes have no code of their own.
    const changes: [Record<string, string>, string][] = [
      [{ total_amount: '1001' }, '金额和原始单参数不一致'],
      [{ re_openid: USER2 }, 'FATAL_ERROR'],
      [{ wishing: 'other' }, 'FATAL_ERROR'],
    ];
    for (const [change, code] of changes) {
      const changed = call(SEND, { ...fields, ...change });
      expectBusinessFail(changed, code);
      expect(changed.data.mch_billno).toBe(fields.mch_billno);
    }
    // The same billno through the WeCom endpoint is another request too.
    expectBusinessFail(call(SEND_WORKWX, workwxRedpack({ mch_billno: fields.mch_billno as string })), 'FATAL_ERROR');
    expect(listRedpacks(ctx).map((row) => row.send_listid)).toEqual([first]);
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 1000);
  });

  it('answers NOTENOUGH without recording anything, so the same billno succeeds after a top-up', () => {
    store.merchants.update({ mchid: MCH_A }, { balance: 500 });
    const fields = redpack();
    const short = call(SEND, fields);
    expect(expectBusinessFail(short, 'NOTENOUGH')).toMatch(/top up/);
    expect(short.data.mch_billno).toBe(fields.mch_billno);
    expect(store.redpacks.count()).toBe(0);
    expect(balanceOf(MCH_A)).toBe(500);

    expect(topUp(ctx, MCH_A, 600)).toEqual({ mchid: MCH_A, balance: 1100 });
    sendOk(fields);
    expect(balanceOf(MCH_A)).toBe(100);
  });

  it('wants the merchant bound appid (PARAM_ERROR) and a user of the merchant (OPENID_ERROR)', () => {
    // "商户号和wxappid不匹配" is a PARAM_ERROR (docs/endpoints.md#mmpaymkttransferssendredpack--send-a-normal-red-packet).
    expectBusinessFail(call(SEND, redpack({ wxappid: COUPON_APPID })), 'PARAM_ERROR');
    expectBusinessFail(call(SEND, redpack({ wxappid: CORPID })), 'PARAM_ERROR');
    expectBusinessFail(call(SEND, redpack({ re_openid: 'oUnknownUser' })), 'OPENID_ERROR');
    expectBusinessFail(call(SEND, redpack({ re_openid: USER_B })), 'OPENID_ERROR');
    expect(store.redpacks.count()).toBe(0);
    expect(balanceOf(MCH_A)).toBe(START_BALANCE);
  });

  it('allows a user 10 packets per China calendar day (SENDNUM_LIMIT), counting afresh after midnight', () => {
    // 23:50 in Beijing (15:50 UTC): the day ends in 10 minutes, UTC's day would not.
    clock.set(Date.UTC(2024, 4, 1, 15, 50, 0));
    for (let i = 0; i < 10; i++) sendOk(redpack({ total_amount: '100' }));
    expect(expectBusinessFail(call(SEND, redpack({ total_amount: '100' })), 'SENDNUM_LIMIT')).toMatch(/10/);
    // Other users are not affected.
    sendOk(redpack({ total_amount: '100', re_openid: USER2 }));
    clock.advance(10 * 60 * secondMs);
    sendOk(redpack({ total_amount: '100' }));
  });

  it('allows a user 100000 fen per day (RCVDAMOUNT_LIMIT)', () => {
    sendOk(redpack({ total_amount: '99900', scene_id: 'PRODUCT_1' }));
    expectBusinessFail(call(SEND, redpack({ total_amount: '200' })), 'RCVDAMOUNT_LIMIT');
    sendOk(redpack({ total_amount: '100' }));
    expectBusinessFail(call(SEND, redpack({ total_amount: '100' })), 'RCVDAMOUNT_LIMIT');
    clock.advance(dayMs);
    sendOk(redpack({ total_amount: '100' }));
  });

  it('caps what the merchant sends per day (SENDAMOUNT_LIMIT), with the limit overridable in settings', () => {
    setSettings(MCH_A, { redpackMerchantDailyAmount: 5000 });
    sendOk(redpack({ total_amount: '3000' }));
    expectBusinessFail(call(SEND, redpack({ total_amount: '3000', re_openid: USER2 })), 'SENDAMOUNT_LIMIT');
    sendOk(redpack({ total_amount: '2000', re_openid: USER2 }));
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 5000);
  });
});

describe('gethbinfo and the life of a red packet', () => {
  it('reports a SENT packet, then RECEIVED with one hbinfo once opened', () => {
    const fields = redpack({ total_amount: '1888' });
    sendOk(fields);
    const sent = call(QUERY, hbQuery(fields.mch_billno as string));
    expectSuccess(sent);
    expect(sent.data.sign).toBeUndefined();
    expect(sent.data).toMatchObject({
      mch_billno: fields.mch_billno,
      mch_id: MCH_A,
      status: 'SENT',
      send_type: 'API',
      hb_type: 'NORMAL',
      total_num: '1',
      total_amount: '1888',
      send_time: '2024-05-01 10:00:00',
      wishing: 'Happy holidays',
      act_name: 'Launch',
      remark: 'Thanks & enjoy <3',
    });
    expect(sent.data.detail_id).toMatch(/^\d{31}$/);
    expect(sent.data.hblist).toBeUndefined();

    clock.advance(5 * 60 * secondMs);
    const opened = openRedpack(ctx, { mchid: MCH_A, mch_billno: fields.mch_billno as string });
    expect(opened).toMatchObject({ status: 'RECEIVED', rcv_time: '2024-05-01 10:05:00' });
    const received = call(QUERY, hbQuery(fields.mch_billno as string));
    expect(received.data.status).toBe('RECEIVED');
    expect(received.data.hblist).toEqual({
      hbinfo: { openid: USER1, amount: '1888', rcv_time: '2024-05-01 10:05:00' },
    });
    // Opened packets never go back.
    clock.advance(3 * dayMs);
    expect(call(QUERY, hbQuery(fields.mch_billno as string)).data.status).toBe('RECEIVED');
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 1888);
  });

  it('refunds an unopened packet: RFUND_ING after 24 h, REFUND an hour later, credited exactly once', () => {
    const fields = redpack({ total_amount: '1500' });
    sendOk(fields);
    const billno = fields.mch_billno as string;
    clock.advance(24 * hourMs - secondMs);
    expect(call(QUERY, hbQuery(billno)).data.status).toBe('SENT');
    clock.advance(secondMs);
    const refunding = call(QUERY, hbQuery(billno));
    expect(refunding.data.status).toBe('RFUND_ING');
    expect(refunding.data.refund_time).toBeUndefined();
    expect(() => openRedpack(ctx, { mchid: MCH_A, mch_billno: billno })).toThrow(/RFUND_ING/);
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 1500);

    clock.advance(hourMs);
    const refunded = call(QUERY, hbQuery(billno));
    expect(refunded.data).toMatchObject({
      status: 'REFUND',
      refund_time: '2024-05-02 11:00:00',
      refund_amount: '1500',
    });
    expect(balanceOf(MCH_A)).toBe(START_BALANCE);
    // Every later read and settlement leaves the balance alone.
    expect(settleRedpacks(ctx)).toBe(0);
    listRedpacks(ctx);
    call(QUERY, hbQuery(billno));
    expect(balanceOf(MCH_A)).toBe(START_BALANCE);
  });

  it('lands every step at once when the clock jumps, with the times they would have had', () => {
    const fields = redpack({ total_amount: '700' });
    sendOk(fields);
    clock.advance(5 * dayMs);
    expect(settleRedpacks(ctx)).toBe(1);
    expect(listRedpacks(ctx, { mchid: MCH_A })[0]).toMatchObject({
      status: 'REFUND',
      refund_time: '2024-05-02 11:00:00',
      refund_amount: 700,
    });
    expect(balanceOf(MCH_A)).toBe(START_BALANCE);
  });

  it('credits refunds back before checking the balance of a new send', () => {
    store.merchants.update({ mchid: MCH_A }, { balance: 1000 });
    sendOk(redpack({ total_amount: '1000' }));
    expectBusinessFail(call(SEND, redpack({ total_amount: '1000', re_openid: USER2 })), 'NOTENOUGH');
    clock.advance(25 * hourMs);
    sendOk(redpack({ total_amount: '1000', re_openid: USER2 }));
  });

  it('keeps a packet SENDING for settings.sendingSeconds of sandbox time', () => {
    setSettings(MCH_A, { sendingSeconds: 60 });
    const fields = redpack();
    sendOk(fields);
    expect(call(QUERY, hbQuery(fields.mch_billno as string)).data.status).toBe('SENDING');
    expect(() => openRedpack(ctx, { mchid: MCH_A, mch_billno: fields.mch_billno as string })).toThrow(/SENDING/);
    clock.advance(60 * secondMs);
    expect(call(QUERY, hbQuery(fields.mch_billno as string)).data.status).toBe('SENT');
  });

  it('answers NOT_FOUND for missing packets, other merchants’ packets and packets older than 30 days', () => {
    expectBusinessFail(call(QUERY, hbQuery(nextBillno())), 'NOT_FOUND');
    const fields = redpack();
    sendOk(fields);
    const billno = fields.mch_billno as string;
    expectBusinessFail(call(QUERY, hbQuery(billno, { mch_id: MCH_B })), 'NOT_FOUND');
    // A normal packet is not a WeCom one.
    expectBusinessFail(call(QUERY_WORKWX, { mch_billno: billno, mch_id: MCH_A, appid: REDPACK_APPID }), 'NOT_FOUND');
    clock.advance(30 * dayMs);
    expect(call(QUERY, hbQuery(billno)).data.status).toBe('REFUND');
    clock.advance(secondMs);
    expect(expectBusinessFail(call(QUERY, hbQuery(billno)), 'NOT_FOUND')).toMatch(/30 days/);
  });

  it('checks bill_type and appid', () => {
    const fields = redpack();
    sendOk(fields);
    const billno = fields.mch_billno as string;
    expect(expectBusinessFail(call(QUERY, hbQuery(billno, { bill_type: 'MCH' })), 'PARAM_ERROR')).toContain(
      'bill_type',
    );
    expect(expectBusinessFail(call(QUERY, hbQuery(billno, { appid: COUPON_APPID })), 'PARAM_ERROR')).toContain('appid');
  });
});

describe('WeCom red packets', () => {
  it('sends, signing the reply with the APIv2 key, and echoes the sender', () => {
    const fields = workwxRedpack({ sender_header_media_id: 'media1' });
    const sent = call(SEND_WORKWX, fields);
    expectSuccess(sent);
    expect(hasValidV2Sign(sent.data, KEY_A)).toBe(true);
    expect(sent.data).toMatchObject({
      mch_billno: fields.mch_billno,
      wxappid: CORPID,
      re_openid: USER1,
      total_amount: '1000',
      sender_name: 'Finance',
      sender_header_media_id: 'media1',
    });
    expect(sent.data.send_listid).toMatch(/^\d{31}$/);
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 1000);
    // Re-entry, signed the same way.
    const again = call(SEND_WORKWX, { ...fields });
    expect(again.data.send_listid).toBe(sent.data.send_listid);
    expect(hasValidV2Sign(again.data, KEY_A)).toBe(true);
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 1000);
  });

  it('signs business failures too, but never return_code FAIL replies', () => {
    const refused = call(SEND_WORKWX, workwxRedpack({ re_openid: 'oUnknownUser' }));
    expectBusinessFail(refused, 'OPENID_ERROR');
    expect(hasValidV2Sign(refused.data, KEY_A)).toBe(true);
    expectBusinessFail(call(SEND_WORKWX, workwxRedpack({ wxappid: REDPACK_APPID })), 'PARAM_ERROR');
    const invalid = call(SEND_WORKWX, workwxRedpack({ sender_name: 'x', agentid: '1' }));
    expect(expectBusinessFail(invalid, 'PARAM_ERROR')).toContain('agentid: exclusive with sender_name');
    expect(hasValidV2Sign(invalid.data, KEY_A)).toBe(true);
    expectCommunicationFail(call(SEND_WORKWX, workwxRedpack(), { key: KEY_B }), 'SIGN_ERROR');
  });

  it('queries with a signed reply carrying the receipt flat once opened', () => {
    const fields = workwxRedpack();
    sendOk(fields, SEND_WORKWX);
    const query = { mch_billno: fields.mch_billno as string, mch_id: MCH_A, appid: CORPID };
    const sent = call(QUERY_WORKWX, query);
    expectSuccess(sent);
    expect(hasValidV2Sign(sent.data, KEY_A)).toBe(true);
    expect(sent.data).toMatchObject({ status: 'SENT', send_type: 'API', total_amount: '1000', sender_name: 'Finance' });
    // openid and amount are required in this reply and known from the start; rcv_time comes with the opening.
    expect(sent.data).toMatchObject({ openid: USER1, amount: '1000' });
    expect(sent.data.rcv_time).toBeUndefined();
    expect(sent.data.hblist).toBeUndefined();

    openRedpack(ctx, { mchid: MCH_A, mch_billno: fields.mch_billno as string });
    const opened = call(QUERY_WORKWX, query);
    expect(hasValidV2Sign(opened.data, KEY_A)).toBe(true);
    expect(opened.data).toMatchObject({
      status: 'RECEIVED',
      openid: USER1,
      amount: '1000',
      rcv_time: '2024-05-01 10:00:00',
    });
    const missing = call(QUERY_WORKWX, { ...query, mch_billno: nextBillno() });
    expectBusinessFail(missing, 'NOT_FOUND');
    expect(hasValidV2Sign(missing.data, KEY_A)).toBe(true);
  });
});

describe('paywwsptrans2pocket', () => {
  it('pays a member, unsigned reply with payment_no and payment_time, once per partner_trade_no', () => {
    const fields = transfer();
    const paid = call(TRANSFER, fields);
    expectSuccess(paid);
    expect(paid.data.sign).toBeUndefined();
    expect(paid.data).toMatchObject({
      partner_trade_no: fields.partner_trade_no,
      appid: CORPID,
      mch_id: MCH_A,
      payment_time: '2024-05-01 10:00:00',
    });
    expect(paid.data.payment_no).toMatch(/^100001830120240501\d{13}$/);
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 2000);

    clock.advance(hourMs);
    const again = call(TRANSFER, { ...fields });
    expect(again.data).toMatchObject({ payment_no: paid.data.payment_no, payment_time: '2024-05-01 10:00:00' });
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 2000);

    // docs/endpoints.md#mmpaymkttransferspromotionpaywwsptrans2pocket--wecom-pay-to-staff: FATAL_ERROR.
    const changed = call(TRANSFER, { ...fields, amount: '2001' });
    expect(expectBusinessFail(changed, 'FATAL_ERROR')).toContain('partner_trade_no');
    expect(balanceOf(MCH_A)).toBe(START_BALANCE - 2000);
  });

  it('compares re_user_name with the real name under FORCE_CHECK (NAME_MISMATCH)', () => {
    const forced = { check_name: 'FORCE_CHECK', re_user_name: '李四' };
    expectBusinessFail(call(TRANSFER, transfer(forced)), 'NAME_MISMATCH');
    expect(balanceOf(MCH_A)).toBe(START_BALANCE);
    expectSuccess(call(TRANSFER, transfer({ ...forced, re_user_name: '张三' })));
    expect(expectBusinessFail(call(TRANSFER, transfer({ check_name: 'FORCE_CHECK' })), 'PARAM_ERROR')).toContain(
      're_user_name: required when check_name is FORCE_CHECK',
    );
  });

  it('answers NOTENOUGH, OPENID_ERROR and WORKWX_MCHID_ERROR for a foreign appid without paying', () => {
    store.merchants.update({ mchid: MCH_A }, { balance: 1999 });
    const fields = transfer();
    expectBusinessFail(call(TRANSFER, fields), 'NOTENOUGH');
    expectBusinessFail(call(TRANSFER, transfer({ openid: 'oUnknownUser' })), 'OPENID_ERROR');
    const foreign = call(TRANSFER, transfer({ appid: REDPACK_APPID }));
    expect(expectBusinessFail(foreign, 'WORKWX_MCHID_ERROR')).toContain('appid');
    expect(balanceOf(MCH_A)).toBe(1999);
    topUp(ctx, MCH_A, 1);
    expectSuccess(call(TRANSFER, fields));
    expect(balanceOf(MCH_A)).toBe(0);
  });
});

let tradeSequence = 0;
function couponSend(overrides: Record<string, string> = {}): Record<string, string> {
  tradeSequence += 1;
  return {
    coupon_stock_id: '1757',
    openid_count: '1',
    partner_trade_no: `${MCH_A}2024050100${tradeSequence}`,
    openid: USER1,
    appid: COUPON_APPID,
    mch_id: MCH_A,
    op_user_id: MCH_A,
    version: '1.0',
    type: 'XML',
    ...overrides,
  };
}

function stockQuery(id: string, overrides: Record<string, string> = {}): Record<string, string> {
  return { coupon_stock_id: id, appid: COUPON_APPID, mch_id: MCH_A, op_user_id: MCH_A, ...overrides };
}

function transfer(overrides: Record<string, string> = {}): Record<string, string> {
  tradeSequence += 1;
  return {
    appid: CORPID,
    mch_id: MCH_A,
    partner_trade_no: `ww${tradeSequence}`,
    openid: USER1,
    check_name: 'NO_CHECK',
    amount: '2000',
    desc: 'Expense refund',
    spbill_create_ip: '10.0.0.1',
    ww_msg_type: 'NORMAL_MSG',
    act_name: 'Expenses',
    ...overrides,
  };
}

describe('coupons', () => {
  beforeEach(() => {
    createCouponStock(ctx, {
      mchid: MCH_A,
      coupon_stock_id: '1757',
      name: '新人立减5元',
      value: 500,
      minimum: 1000,
      total: 2,
      max_quota: 1,
      begin_time: START / 1000 - 3600,
      end_time: START / 1000 + 10 * 86_400,
    });
  });

  it('reports a stock with a signed reply, times as yyyyMMddHHmmss', () => {
    const stock = call(QUERY_STOCK, stockQuery('1757'), { cert: null });
    expectSuccess(stock);
    expect(hasValidV2Sign(stock.data, KEY_A)).toBe(true);
    expect(stock.data).toMatchObject({
      appid: COUPON_APPID,
      mch_id: MCH_A,
      coupon_stock_id: '1757',
      coupon_name: '新人立减5元',
      coupon_value: '500',
      coupon_mininumn: '1000',
      coupon_stock_status: '4',
      coupon_total: '2',
      max_quota: '1',
      is_send_num: '0',
      coupon_budget: '1000',
      // docs/endpoints.md#mmpaymkttransfersquery_coupon_stock--query-a-coupon-stock
      coupon_type: '2',
      locked_num: '0',
      used_num: '0',
      begin_time: '20240501090000',
      end_time: '20240511100000',
      create_time: '20240501100000',
    });
    expect(stock.data).not.toHaveProperty('begin_time_t');
    expect(typeof stock.data.nonce_str).toBe('string');
  });

  it('answers COUPON_STOCK_NOT_FOUND, COUPON_STOCK_ID_EMPTY and COUPON_STOCK_ID_NOT_VALID, signed', () => {
    const missing = call(QUERY_STOCK, stockQuery('9999'));
    expectBusinessFail(missing, 'COUPON_STOCK_NOT_FOUND');
    expect(hasValidV2Sign(missing.data, KEY_A)).toBe(true);
    // Another merchant's stock is not a valid id for this one (docs/endpoints.md, the coupons' shared errors).
    expectBusinessFail(call(QUERY_STOCK, stockQuery('1757', { mch_id: MCH_B })), 'COUPON_STOCK_ID_NOT_VALID');
    expectBusinessFail(call(QUERY_STOCK, stockQuery('')), 'COUPON_STOCK_ID_EMPTY');
    expectBusinessFail(call(QUERY_STOCK, stockQuery('17a7')), 'COUPON_STOCK_ID_NOT_VALID');
    expect(expectBusinessFail(call(QUERY_STOCK, stockQuery('1757', { version: '2.0' })), 'PARAM_ERROR')).toContain(
      'version',
    );
  });

  it('sends a coupon once per partner_trade_no and counts it on the stock', () => {
    const fields = couponSend();
    const sent = call(SEND_COUPON, fields);
    expectSuccess(sent);
    expect(hasValidV2Sign(sent.data, KEY_A)).toBe(true);
    expect(sent.data).toMatchObject({
      coupon_stock_id: '1757',
      resp_count: '1',
      success_count: '1',
      failed_count: '0',
      openid: USER1,
      ret_code: 'SUCCESS',
    });
    const couponId = sent.data.coupon_id as string;
    expect(couponId).toMatch(/^\d+$/);

    const again = call(SEND_COUPON, { ...fields });
    expect(again.data.coupon_id).toBe(couponId);
    expect(call(QUERY_STOCK, stockQuery('1757')).data.is_send_num).toBe('1');

    const changed = call(SEND_COUPON, { ...fields, openid: USER2 });
    expect(expectBusinessFail(changed, 'PARAM_ERROR')).toContain('partner_trade_no');
    expect(changed.data).toMatchObject({ ret_code: 'FAILED', success_count: '0', failed_count: '1' });
    expect(hasValidV2Sign(changed.data, KEY_A)).toBe(true);
    expect(listCouponStocks(ctx)[0]?.sent).toBe(1);
  });

  it('enforces the per-user quota (USER_AL_GET_COUPON) and the stock size (AL_STOCK_OVER)', () => {
    expectSuccess(call(SEND_COUPON, couponSend()));
    expectBusinessFail(call(SEND_COUPON, couponSend()), 'USER_AL_GET_COUPON');
    expectSuccess(call(SEND_COUPON, couponSend({ openid: USER2 })));
    const over = call(SEND_COUPON, couponSend({ openid: USER3 }));
    expectBusinessFail(over, 'AL_STOCK_OVER');
    expect(over.data.ret_code).toBe('FAILED');
    expect(listCouponStocks(ctx)[0]?.sent).toBe(2);
  });

  it('sends only from an activated stock within its dates (STOCK_IS_NOT_VALID)', () => {
    createCouponStock(ctx, { mchid: MCH_A, coupon_stock_id: '1758', value: 100, total: 10, status: 1 });
    expectBusinessFail(call(SEND_COUPON, couponSend({ coupon_stock_id: '1758' })), 'STOCK_IS_NOT_VALID');
    clock.advance(11 * dayMs);
    expectBusinessFail(call(SEND_COUPON, couponSend()), 'STOCK_IS_NOT_VALID');
  });

  it('wants openid_count 1', () => {
    expect(expectBusinessFail(call(SEND_COUPON, couponSend({ openid_count: '2' })), 'PARAM_ERROR')).toContain(
      'openid_count',
    );
  });

  it('queries a coupon by id, openid and stock; COUPON_NOT_FOUND otherwise', () => {
    clock.advance(60 * secondMs);
    const couponId = call(SEND_COUPON, couponSend()).data.coupon_id as string;
    const query = { coupon_id: couponId, openid: USER1, stock_id: '1757', appid: COUPON_APPID, mch_id: MCH_A };
    const found = call(QUERY_COUPON, query, { cert: null });
    expectSuccess(found);
    expect(hasValidV2Sign(found.data, KEY_A)).toBe(true);
    expect(found.data).toMatchObject({
      coupon_stock_id: '1757',
      coupon_id: couponId,
      coupon_value: '500',
      coupon_mininum: '1000',
      coupon_state: '2',
      coupon_remain_value: '500',
      send_time: '20240501100100',
      begin_time: '20240501090000',
      end_time: '20240511100000',
    });
    expectBusinessFail(call(QUERY_COUPON, { ...query, openid: USER2 }), 'COUPON_NOT_FOUND');
    expectBusinessFail(call(QUERY_COUPON, { ...query, coupon_id: '1' }), 'COUPON_NOT_FOUND');
    expectBusinessFail(call(QUERY_COUPON, { ...query, stock_id: '4242' }), 'COUPON_STOCK_NOT_FOUND');
    expectBusinessFail(call(QUERY_COUPON, { ...query, stock_id: '' }), 'COUPON_STOCK_ID_EMPTY');
  });
});

describe('admin actions', () => {
  it('lists red packets newest first, filtered by merchant and status, and refuses unknown statuses', () => {
    const first = redpack();
    sendOk(first);
    clock.advance(secondMs);
    sendOk(redpack({ re_openid: USER2 }));
    sendOk(redpack({ mch_id: MCH_B, re_openid: USER_B }));
    openRedpack(ctx, { mchid: MCH_A, mch_billno: first.mch_billno as string });
    expect(listRedpacks(ctx)).toHaveLength(3);
    expect(listRedpacks(ctx, { mchid: MCH_A }).map((row) => row.re_openid)).toEqual([USER2, USER1]);
    expect(listRedpacks(ctx, { status: 'RECEIVED' }).map((row) => row.mch_billno)).toEqual([first.mch_billno]);
    expect(() => listRedpacks(ctx, { status: 'OPENED' })).toThrow(/status must be one of/);
  });

  it('opens only SENT packets that exist', () => {
    const fields = redpack();
    sendOk(fields);
    const which = { mchid: MCH_A, mch_billno: fields.mch_billno as string };
    openRedpack(ctx, which);
    expect(() => openRedpack(ctx, which)).toThrow(/RECEIVED/);
    expect(() => openRedpack(ctx, { mchid: MCH_B, mch_billno: which.mch_billno })).toThrow(/no red packet/);
  });

  it('tops up only known merchants by whole positive amounts', () => {
    expect(() => topUp(ctx, MCH_A, 0)).toThrow(/amountFen/);
    expect(() => topUp(ctx, MCH_A, 1.5)).toThrow(/amountFen/);
    expect(() => topUp(ctx, '1234567', 100)).toThrow(/no merchant/);
    expect(topUp(ctx, MCH_B, 100).balance).toBe(START_BALANCE + 100);
  });

  it('creates coupon stocks with defaults and refuses bad ones', () => {
    const stock = createCouponStock(ctx, { mchid: MCH_A, value: 300, total: 100 });
    expect(stock).toMatchObject({
      mchid: MCH_A,
      appid: COUPON_APPID,
      value: 300,
      minimum: 0,
      total: 100,
      max_quota: 1,
      sent: 0,
      budget: 30_000,
      status: 4,
      begin_time: formatChinaTime(START),
      end_time: formatChinaTime(START + 30 * dayMs),
    });
    expect(stock.coupon_stock_id).toMatch(/^\d{8}$/);
    expect(listCouponStocks(ctx).map((row) => row.coupon_stock_id)).toEqual([stock.coupon_stock_id]);
    expect(() =>
      createCouponStock(ctx, { mchid: MCH_A, value: 1, total: 1, coupon_stock_id: stock.coupon_stock_id }),
    ).toThrow(/already exists/);
    expect(() => createCouponStock(ctx, { mchid: MCH_A, value: 0, total: 1 })).toThrow(/value/);
    expect(() => createCouponStock(ctx, { mchid: MCH_A, value: 1, total: 1, status: 3 })).toThrow(/status/);
    expect(() => createCouponStock(ctx, { mchid: MCH_A, value: 1, total: 1, coupon_stock_id: 'x' })).toThrow(/digits/);
    expect(() => createCouponStock(ctx, { mchid: MCH_A, value: 1, total: 1, end_time: 1 })).toThrow(/end_time/);
    expect(() => createCouponStock(ctx, { mchid: '1234567', value: 1, total: 1 })).toThrow(/no merchant/);
  });
});
