// End-to-end tests of the sandbox's APIv3 (wxpay) side through the wxpay SDK over real HTTPS: orders of every trade
// type, queries in common and institutional mode, idempotency, error replies, faults, the order and refund life,
// platform certificates and public keys, and notifications delivered to a real https receiver.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CreateGlobalRefundRequest,
  type CreateNativeOrderRequest,
  isKnownNotification,
  type KnownNotification,
  type Notification,
  SignatureVerificationError,
  UnknownSerialError,
  type Wxpay,
  WxpayAPIError,
  WxpayConnectionError,
  type WxpayOptions,
} from 'wxpay';
import type { SandboxMerchantConfig } from '../src/merchants.js';
import type { Sandbox } from '../src/sandbox.js';
import { decryptAesGcm } from './support/aes-gcm.js';
import {
  COMMON_QUERY,
  expectApiError,
  GLOBAL,
  GLOBAL_APPID,
  GLOBAL_PAYER,
  INSTITUTION,
  INSTITUTION_APPID,
  INSTITUTIONAL_QUERY,
  startTestSandbox,
  type TestSandbox,
  uniqueNo,
} from './support/fixtures.js';

/** HKD -> CNY, x 10^8 (the sandbox's fixed settlement rate). */
const HKD_RATE = 92_000_000;

let sandbox: Sandbox;
let wxpay: Wxpay;
let institution: Wxpay;
let platformSerial: string;
let publicKeyId: string;
let receiver: Server;
let receiverUrl: string;
/** Every notification the receiver verified, decrypted and handled, in arrival order. */
const received: KnownNotification[] = [];
/** Requests to `/flaky/...` paths: the first one of each path gets a 500. */
const flakyHits = new Map<string, number>();
let world: TestSandbox;

/** A client that is closed after the tests. */
function client(options: WxpayOptions): Wxpay {
  return world.client(options);
}

/** A merchant's configuration without any WeChat Pay key: the client must download platform certificates. */
function withoutCerts(config: SandboxMerchantConfig): WxpayOptions {
  const { certs: _certs, ...rest } = config;
  return rest;
}

/** The platform certificate serial and the public key id a merchant config trusts. */
function trustedKeys(config: SandboxMerchantConfig): { serial: string; publicKeyId: string } {
  const names = Object.keys(config.certs);
  const pub = names.find((name) => name.startsWith('PUB_KEY_ID_'));
  const serial = names.find((name) => !name.startsWith('PUB_KEY_ID_'));
  if (pub === undefined || serial === undefined) throw new Error('merchant config lacks a certificate or public key');
  return { serial, publicKeyId: pub };
}

/** `detail` of an API error as a record (it is `unknown` on the error). */
function detailOf(error: WxpayAPIError): Record<string, unknown> {
  expect(error.detail).toBeTypeOf('object');
  return error.detail as Record<string, unknown>;
}

/** What every order of these tests has, whatever its trade type and mode. */
function orderFields(outTradeNo: string, notifyMchid = GLOBAL) {
  return {
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: outTradeNo,
    notify_url: `${receiverUrl}/notify/${notifyMchid}`,
    merchant_category_code: '4111',
    amount: { total: 100, currency: 'HKD' },
  };
}

const COMMON_IDS = { mchid: GLOBAL, appid: GLOBAL_APPID } as const;
const INSTITUTIONAL_IDS = { sp_mchid: INSTITUTION, sub_mchid: GLOBAL, sp_appid: INSTITUTION_APPID } as const;

/** The body of a common-mode Native order of 1 HKD. */
function nativeOrder(outTradeNo: string, overrides: Partial<CreateNativeOrderRequest> = {}): CreateNativeOrderRequest {
  return { ...COMMON_IDS, ...orderFields(outTradeNo), trade_type: 'NATIVE', ...overrides } as CreateNativeOrderRequest;
}

function createNative(wxpay: Wxpay, outTradeNo: string, overrides: Partial<CreateNativeOrderRequest> = {}) {
  return wxpay.v3.global.transactions.native.post({ json: nativeOrder(outTradeNo, overrides) });
}

/** The institution creates a Native order for its sub-merchant 1900000109. */
function createInstitutionalNative(outTradeNo: string) {
  return institution.v3.global.transactions.native.post({
    json: { ...INSTITUTIONAL_IDS, ...orderFields(outTradeNo, INSTITUTION), trade_type: 'NATIVE' },
  });
}

function queryByNo(wxpay: Wxpay, outTradeNo: string, query: typeof COMMON_QUERY | typeof INSTITUTIONAL_QUERY) {
  return wxpay.v3.global.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: outTradeNo, query });
}

/** Waits (real time) until `check` returns a value, or fails after `ms`. */
async function eventually<T>(check: () => T | undefined, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function transactionNotice(outTradeNo: string): KnownNotification | undefined {
  return received.find((n) => n.event_type === 'TRANSACTION.SUCCESS' && n.resource.out_trade_no === outTradeNo);
}

function refundNotice(outRefundNo: string): KnownNotification | undefined {
  return received.find((n) => n.event_type === 'REFUND.SUCCESS' && n.resource.out_refund_no === outRefundNo);
}

beforeAll(async () => {
  // The merchants' own rate limits stay: one test is about them.
  world = await startTestSandbox({ rateLimitPerSecond: null });
  sandbox = world.sandbox;
  const globalConfig = sandbox.merchantConfig(GLOBAL);
  const institutionConfig = sandbox.merchantConfig(INSTITUTION);
  wxpay = client(globalConfig);
  institution = client(institutionConfig);
  platformSerial = trustedKeys(globalConfig).serial;
  publicKeyId = trustedKeys(institutionConfig).publicKeyId;

  const record = (notification: Notification) => {
    if (!isKnownNotification(notification)) throw new Error(`unexpected event ${notification.event_type}`);
    received.push(notification);
  };
  const handlers: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    [GLOBAL]: wxpay.nodeNotificationHandler(record),
    [INSTITUTION]: institution.nodeNotificationHandler(record),
  };
  receiver = createServer({ cert: sandbox.tls.cert, key: sandbox.tls.key }, (req, res) => {
    const path = req.url ?? '';
    if (path.startsWith('/flaky/')) {
      const hits = (flakyHits.get(path) ?? 0) + 1;
      flakyHits.set(path, hits);
      if (hits === 1) {
        req.resume();
        res.writeHead(500).end('try again later');
        return;
      }
    }
    const handler = handlers[path.startsWith('/flaky/') ? GLOBAL : path.slice('/notify/'.length)];
    if (handler === undefined) {
      res.writeHead(404).end();
      return;
    }
    void handler(req, res);
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await world?.close();
});

describe('creating orders', () => {
  it('answers each trade type with its own field: code_url, prepay_id, mweb_url', async () => {
    const native = await createNative(wxpay, uniqueNo('NATIVE'));
    expect(native.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);

    const jsapiNo = uniqueNo('JSAPI');
    const jsapi = await wxpay.v3.global.transactions.jsapi.post({
      json: { ...COMMON_IDS, ...orderFields(jsapiNo), trade_type: 'JSAPI', payer: { openid: GLOBAL_PAYER } },
    });
    expect(jsapi.prepay_id).toMatch(/^wx\d{14}[0-9a-f]+$/);

    const app = await wxpay
      .chain('v3/global/transactions/app')
      .post({ json: { ...COMMON_IDS, ...orderFields(uniqueNo('APP')), trade_type: 'APP' } });
    expect(app.prepay_id).toMatch(/^wx/);

    const mweb = await wxpay['v3/global/transactions/mweb'].post({
      json: {
        ...COMMON_IDS,
        ...orderFields(uniqueNo('MWEB')),
        trade_type: 'MWEB',
        scene_info: { payer_client_ip: '203.0.113.7', h5_info: { type: 'Wap' } },
      },
    });
    expect(mweb.mweb_url).toMatch(/^https:\/\/wx\.tenpay\.com\/.*prepay_id=wx/);

    const [jsapiOrder] = sandbox.admin.orders({ mchid: GLOBAL, outTradeNo: jsapiNo });
    expect(jsapiOrder).toMatchObject({ trade_type: 'JSAPI', trade_state: 'NOTPAY', payer: { openid: GLOBAL_PAYER } });
  });

  it('is idempotent on out_trade_no: the same body re-enters, a changed body is refused', async () => {
    const outTradeNo = uniqueNo('IDEM');
    const first = await createNative(wxpay, outTradeNo);
    const again = await createNative(wxpay, outTradeNo);
    expect(again.code_url).toBe(first.code_url);
    expect(sandbox.admin.orders({ mchid: GLOBAL, outTradeNo })).toHaveLength(1);

    const changed = await expectApiError(createNative(wxpay, outTradeNo, { amount: { total: 200, currency: 'HKD' } }));
    expect(changed).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(detailOf(changed)).toMatchObject({ field: '/out_trade_no', value: outTradeNo, location: 'body' });
    expect(changed.requestId).toMatch(/^[0-9A-F]{32}$/);
  });
});

describe('querying orders', () => {
  it('finds an order by id and by out_trade_no in common mode', async () => {
    const outTradeNo = uniqueNo('QCOMMON');
    await createNative(wxpay, outTradeNo, { attach: 'note' });
    const byNo = await queryByNo(wxpay, outTradeNo, COMMON_QUERY);
    expect(byNo).toMatchObject({
      mchid: GLOBAL,
      appid: GLOBAL_APPID,
      out_trade_no: outTradeNo,
      trade_type: 'NATIVE',
      trade_state: 'NOTPAY',
      attach: 'note',
      amount: { total: 100, currency: 'HKD' },
    });
    expect(byNo.id).toMatch(/^4200\d{24}$/);
    const byId = await wxpay.v3.global.transactions.id._id_.get({ id: byNo.id, query: COMMON_QUERY });
    expect(byId).toEqual(byNo);
  });

  it('finds an order by id and by out_trade_no in institutional mode, and keeps the modes apart', async () => {
    const outTradeNo = uniqueNo('QINST');
    const created = await createInstitutionalNative(outTradeNo);
    expect(created.code_url).toMatch(/^weixin:/);
    const byNo = await queryByNo(institution, outTradeNo, INSTITUTIONAL_QUERY);
    expect(byNo).toMatchObject({
      sp_mchid: INSTITUTION,
      sub_mchid: GLOBAL,
      sp_appid: INSTITUTION_APPID,
      out_trade_no: outTradeNo,
      trade_state: 'NOTPAY',
    });
    expect(byNo).not.toHaveProperty('mchid');
    const byId = await institution.v3.global.transactions.id._id_.get({ id: byNo.id, query: INSTITUTIONAL_QUERY });
    expect(byId).toEqual(byNo);

    // The sub-merchant itself, in common mode, does not see the institution's order.
    const hidden = await expectApiError(queryByNo(wxpay, outTradeNo, COMMON_QUERY));
    expect(hidden).toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
  });

  it('answers 404 ORDER_NOT_EXIST for an unknown id', async () => {
    const error = await expectApiError(
      wxpay.v3.global.transactions.id._id_.get({ id: '4200000000000000000000000000', query: COMMON_QUERY }),
    );
    expect(error).toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
    expect(error.requestId).toBeTruthy();
  });

  it('sends path values encoded once: an out_trade_no with | and * is found by the signed query', async () => {
    const outTradeNo = `${uniqueNo('ENC')}|*-_`;
    await createNative(wxpay, outTradeNo);
    const { data, response } = await queryByNo(wxpay, outTradeNo, COMMON_QUERY).withResponse();
    expect(data.out_trade_no).toBe(outTradeNo);
    expect(response.status).toBe(200);
  });

  it('refuses an institution naming a merchant that is not its own: 403 NO_AUTH', async () => {
    const error = await expectApiError(queryByNo(institution, 'X1', { sp_mchid: INSTITUTION, sub_mchid: '10000098' }));
    expect(error).toMatchObject({ status: 403, code: 'NO_AUTH' });
  });
});

describe('error replies', () => {
  it('PARAM_ERROR names the field as a JSON pointer (a body the SDK catalogue does not check)', async () => {
    // `{trade}` is not a catalogued template, so the SDK sends the body unchecked and the sandbox judges it.
    const body = { ...nativeOrder(uniqueNo('PARAM')), amount: { total: '100', currency: 'HKD' } };
    const error = await expectApiError(
      wxpay.chain('v3/global/transactions/{trade}').post({ trade: 'native', json: body }),
    );
    expect(error).toMatchObject({ status: 400, code: 'PARAM_ERROR' });
    expect(detailOf(error)).toMatchObject({ field: '/amount/total', value: '100', location: 'body' });
  });

  it('PARAM_ERROR names query and path fields by name', async () => {
    const error = await expectApiError(
      wxpay
        .chain('v3/global/transactions/out-trade-no/{no}')
        .get({ no: 'X1', query: { mchid: GLOBAL, sp_mchid: '1' } }),
    );
    expect(error).toMatchObject({ status: 400, code: 'PARAM_ERROR' });
    expect(detailOf(error)).toMatchObject({ field: 'sp_mchid', location: 'query' });
    const long = 'N'.repeat(33);
    const path = await expectApiError(
      wxpay.chain('v3/global/transactions/out-trade-no/{no}').get({ no: long, query: COMMON_QUERY }),
    );
    expect(detailOf(path)).toMatchObject({ field: 'out_trade_no', value: long, location: 'path' });
  });

  it('APPID_MCHID_NOT_MATCH for an appid not bound to the merchant', async () => {
    const error = await expectApiError(createNative(wxpay, uniqueNo('APPID'), { appid: INSTITUTION_APPID }));
    expect(error).toMatchObject({ status: 400, code: 'APPID_MCHID_NOT_MATCH' });
    expect(detailOf(error)).toMatchObject({ field: '/appid', value: INSTITUTION_APPID, location: 'body' });
  });

  it('SIGN_ERROR 401 when the request is signed with another merchant key, or names a wrong serial', async () => {
    const config = sandbox.merchantConfig(GLOBAL);
    const other = sandbox.merchantConfig(INSTITUTION);
    const wrongKey = await expectApiError(
      queryByNo(client({ ...config, privateKey: other.privateKey }), 'X1', COMMON_QUERY),
    );
    expect(wrongKey).toMatchObject({ status: 401, code: 'SIGN_ERROR' });
    expect(detailOf(wrongKey).sign_information).toMatchObject({
      mchid: GLOBAL,
      issue: expect.stringMatching(/signature/),
    });

    const wrongSerial = await expectApiError(
      queryByNo(client({ ...config, serial: other.serial }), 'X1', COMMON_QUERY),
    );
    expect(wrongSerial).toMatchObject({ status: 401, code: 'SIGN_ERROR' });
    expect(detailOf(wrongSerial).sign_information).toMatchObject({ serial_no: other.serial });
  });

  it('an unknown merchant gets an unsigned 401 SIGN_ERROR, reported as an API error, not a signature failure', async () => {
    const stranger = client({ ...sandbox.merchantConfig(GLOBAL), mchid: '1234567' });
    const error = await expectApiError(queryByNo(stranger, 'X1', { mchid: '1234567' }));
    expect(error).toMatchObject({ status: 401, code: 'SIGN_ERROR' });
    expect(error.body).toContain('merchant 1234567 does not exist');
  });

  it('RATELIMIT_EXCEEDED 429 over the per-second limit', async () => {
    const impatient = client({ ...sandbox.merchantConfig(GLOBAL), maxRetries: 0 });
    sandbox.admin.setFaults({ rateLimitPerSecond: 1 });
    try {
      const results = await Promise.allSettled([1, 2, 3].map((n) => queryByNo(impatient, `RL${n}`, COMMON_QUERY)));
      const limited = results.filter(
        (r) => r.status === 'rejected' && r.reason instanceof WxpayAPIError && r.reason.status === 429,
      );
      expect(limited.length).toBeGreaterThanOrEqual(2);
      const [first] = limited;
      expect(first?.status === 'rejected' && first.reason).toMatchObject({ code: 'RATELIMIT_EXCEEDED' });
    } finally {
      sandbox.admin.setFaults({ rateLimitPerSecond: undefined });
    }
    expect(sandbox.admin.faults().rateLimitPerSecond).toBeUndefined();
  });

  it('SYSTEM_ERROR 500 after the retries of a GET, and nothing created by a POST that got one', async () => {
    const once = client({ ...sandbox.merchantConfig(GLOBAL), maxRetries: 0 });
    const outTradeNo = uniqueNo('SYSERR');
    sandbox.admin.setFaults({ systemErrorRate: 1 });
    try {
      const started = Date.now();
      const query = await expectApiError(queryByNo(wxpay, 'X1', COMMON_QUERY));
      expect(query).toMatchObject({ status: 500, code: 'SYSTEM_ERROR' });
      // Two retries of the GET: the backoff waits at least 250 + 500 ms before the last answer.
      expect(Date.now() - started).toBeGreaterThanOrEqual(700);
      const create = await expectApiError(createNative(once, outTradeNo));
      expect(create).toMatchObject({ status: 500, code: 'SYSTEM_ERROR' });
    } finally {
      sandbox.admin.setFaults({ systemErrorRate: 0 });
    }
    expect(sandbox.admin.orders({ outTradeNo })).toEqual([]);
    const missing = await expectApiError(queryByNo(wxpay, outTradeNo, COMMON_QUERY));
    expect(missing.code).toBe('ORDER_NOT_EXIST');
  });
  it('a reply lost after the order was made is an unknown outcome; resending the same body re-enters it', async () => {
    const once = client({ ...sandbox.merchantConfig(GLOBAL), maxRetries: 0 });
    const outTradeNo = uniqueNo('DROP');
    sandbox.admin.setFaults({ dropReplyRate: 1 });
    let failure: unknown;
    try {
      failure = await createNative(once, outTradeNo).then(
        () => undefined,
        (error: unknown) => error,
      );
    } finally {
      sandbox.admin.setFaults({ dropReplyRate: 0 });
    }
    expect(failure).toBeInstanceOf(WxpayConnectionError);
    expect(failure).toMatchObject({ sent: true });
    const [made] = sandbox.admin.orders({ outTradeNo });
    expect(made?.trade_state).toBe('NOTPAY');
    // The same body again is a re-entry: the order that was made, not a second one.
    await createNative(wxpay, outTradeNo);
    expect(sandbox.admin.orders({ outTradeNo })).toHaveLength(1);
    expect((await queryByNo(wxpay, outTradeNo, COMMON_QUERY)).id).toBe(made?.id);
  });
});

describe('the life of an order', () => {
  it('NOTPAY -> paid -> SUCCESS with success_time, payer and the exchange rate; TRANSACTION.SUCCESS notified', async () => {
    const outTradeNo = uniqueNo('PAY');
    await createNative(wxpay, outTradeNo);
    expect((await queryByNo(wxpay, outTradeNo, COMMON_QUERY)).trade_state).toBe('NOTPAY');

    await sandbox.admin.payOrder({ mchid: GLOBAL, outTradeNo, openid: GLOBAL_PAYER });
    const paid = await queryByNo(wxpay, outTradeNo, COMMON_QUERY);
    expect(paid).toMatchObject({
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'CFT',
      payer: { openid: GLOBAL_PAYER },
      amount: {
        total: 100,
        currency: 'HKD',
        payer_total: 92,
        payer_currency: 'CNY',
        exchange_rate: { type: 'SETTLEMENT_RATE', rate: HKD_RATE },
      },
    });
    expect(paid.success_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);

    const notice = await eventually(() => transactionNotice(outTradeNo));
    expect(notice.resource).toEqual(paid);
    expect(notice.resource_type).toBe('encrypt-resource');
  });

  it('an institutional payment is notified to the institution, signed with its public key', async () => {
    const outTradeNo = uniqueNo('PAYINST');
    await createInstitutionalNative(outTradeNo);
    await sandbox.admin.payOrder({ mchid: INSTITUTION, outTradeNo });
    const notice = await eventually(() => transactionNotice(outTradeNo));
    expect(notice.resource).toMatchObject({ sp_mchid: INSTITUTION, sub_mchid: GLOBAL, trade_state: 'SUCCESS' });
    const [delivery] = sandbox.admin.notifications({ id: notice.id });
    expect(delivery?.mchid).toBe(INSTITUTION);
  });

  it('a failed payment leaves the order PAYERROR', async () => {
    const outTradeNo = uniqueNo('PAYERR');
    await createNative(wxpay, outTradeNo);
    await sandbox.admin.payOrder({ mchid: GLOBAL, outTradeNo, outcome: 'PAYERROR' });
    const order = await queryByNo(wxpay, outTradeNo, COMMON_QUERY);
    expect(order).toMatchObject({ trade_state: 'PAYERROR', trade_state_desc: '支付失败' });
    expect(order).not.toHaveProperty('success_time');
  });

  it('close answers 204 and the order is CLOSED', async () => {
    const outTradeNo = uniqueNo('CLOSE');
    await createNative(wxpay, outTradeNo);
    const closed = await wxpay.v3.global.transactions.outTradeNo._out_trade_no_.close
      .post({ out_trade_no: outTradeNo, json: { mchid: GLOBAL } })
      .withResponse();
    expect(closed.response.status).toBe(204);
    expect(closed.data).toBeUndefined();
    expect((await queryByNo(wxpay, outTradeNo, COMMON_QUERY)).trade_state).toBe('CLOSED');
    // The same order number cannot be re-entered once closed.
    expect(await expectApiError(createNative(wxpay, outTradeNo))).toMatchObject({ status: 400, code: 'ORDER_CLOSED' });
  });

  it('a refund is PROCESSING, settles 60 sandbox seconds later, turns the order REFUND and is notified', async () => {
    const outTradeNo = uniqueNo('REFUND');
    const outRefundNo = uniqueNo('R');
    await createNative(wxpay, outTradeNo);
    await sandbox.admin.payOrder({ mchid: GLOBAL, outTradeNo });
    const request: CreateGlobalRefundRequest = {
      mchid: GLOBAL,
      appid: GLOBAL_APPID,
      out_trade_no: outTradeNo,
      out_refund_no: outRefundNo,
      reason: 'out of stock',
      notify_url: `${receiverUrl}/notify/${GLOBAL}`,
      amount: { refund: 100, total: 100, currency: 'HKD' },
    };
    const refund = await wxpay.v3.global.refunds.post({ json: request });
    expect(refund).toMatchObject({
      mchid: GLOBAL,
      out_refund_no: outRefundNo,
      out_trade_no: outTradeNo,
      status: 'PROCESSING',
      amount: { refund: 100, total: 100, currency: 'HKD', payer_refund: 92, payer_currency: 'CNY' },
    });
    const queryRefund = () =>
      wxpay.v3.global.refunds.outRefundNo._out_refund_no_.get({ out_refund_no: outRefundNo, query: COMMON_QUERY });
    expect((await queryRefund()).status).toBe('PROCESSING');
    // A resend of the same out_refund_no with the same body is a re-entry: the same refund.
    const resent = await wxpay.v3.global.refunds.post({ json: request });
    expect(resent.id).toBe(refund.id);
    expect(refundNotice(outRefundNo)).toBeUndefined();

    await sandbox.admin.advanceClock(61_000);
    const settled = await queryRefund();
    expect(settled).toMatchObject({ id: refund.id, status: 'SUCCESS', transaction_id: refund.transaction_id });
    expect(settled.success_time).toMatch(/\+08:00$/);
    expect((await queryByNo(wxpay, outTradeNo, COMMON_QUERY)).trade_state).toBe('REFUND');

    const notice = await eventually(() => refundNotice(outRefundNo));
    expect(notice.resource).toMatchObject({ out_refund_no: outRefundNo, status: 'SUCCESS' });
    // Nothing is left to refund, and a paid order cannot be closed.
    const more = await expectApiError(
      wxpay.v3.global.refunds.post({
        json: {
          mchid: GLOBAL,
          appid: GLOBAL_APPID,
          out_trade_no: outTradeNo,
          out_refund_no: uniqueNo('R'),
          amount: { refund: 1, total: 100, currency: 'HKD' },
        },
      }),
    );
    expect(more).toMatchObject({ status: 400, code: 'NOT_ENOUGH' });
    expect(detailOf(more)).toMatchObject({ field: '/amount/refund' });
    const close = wxpay.v3.global.transactions.outTradeNo._out_trade_no_.close.post({
      out_trade_no: outTradeNo,
      json: { mchid: GLOBAL },
    });
    expect(await expectApiError(close)).toMatchObject({ status: 400, code: 'ORDERPAID' });
  });

  it('a receiver that fails gets the retry only once sandbox time reaches it, and the log shows both attempts', async () => {
    const outTradeNo = uniqueNo('FLAKY');
    const notifyUrl = `${receiverUrl}/flaky/${outTradeNo}`;
    await createNative(wxpay, outTradeNo, { notify_url: notifyUrl });
    await sandbox.admin.payOrder({ mchid: GLOBAL, outTradeNo });
    const delivery = () =>
      sandbox.admin.notifications({ eventType: 'TRANSACTION.SUCCESS' }).find((d) => d.url === notifyUrl);
    expect(delivery()).toMatchObject({ state: 'pending', attempts: [{ status: 500, error: 'HTTP 500' }] });

    // Real time passes (several notifier ticks) but sandbox time does not: no retry yet.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(flakyHits.get(`/flaky/${outTradeNo}`)).toBe(1);
    expect(transactionNotice(outTradeNo)).toBeUndefined();

    await sandbox.admin.advanceClock(15_000);
    const done = await eventually(() => (delivery()?.state === 'delivered' ? delivery() : undefined));
    expect(done.attempts).toHaveLength(2);
    const [failed, succeeded] = done.attempts;
    expect(succeeded).toMatchObject({ status: 200, error: null });
    expect((succeeded?.at ?? 0) - (failed?.at ?? 0)).toBeGreaterThanOrEqual(15);
    expect(done.nextAttemptAt).toBeNull();
    expect(transactionNotice(outTradeNo)?.resource).toMatchObject({ out_trade_no: outTradeNo, trade_state: 'SUCCESS' });
  });
});

describe('platform certificates and public keys', () => {
  it('a certificate-mode merchant downloads its platform certificate, and the download is reachable via the chain', async () => {
    const fresh = client(withoutCerts(sandbox.merchantConfig(GLOBAL)));
    expect(fresh.keyStore.serials()).toEqual([]);
    await fresh.refreshCertificates('global');
    expect(fresh.keyStore.serials()).toEqual([platformSerial]);
    await createNative(fresh, uniqueNo('DLCERT'));

    const { data, response } = await wxpay.v3.global.certificates.get().withResponse();
    expect(response.headers['wechatpay-serial']).toBe(platformSerial);
    expect(data.data).toHaveLength(1);
    const [certificate] = data.data;
    expect(certificate?.serial_no).toBe(platformSerial);
    const config = sandbox.merchantConfig(GLOBAL);
    const sealed = certificate?.encrypt_certificate;
    const pem = decryptAesGcm({
      key: config.apiv3Key,
      nonce: sealed?.nonce ?? '',
      associatedData: sealed?.associated_data ?? '',
      ciphertext: sealed?.ciphertext ?? '',
    });
    expect(pem).toBe(config.certs[platformSerial]);
  });

  it('a public-key-mode merchant has no platform certificate: 404 RESOURCE_NOT_EXISTS telling to use the public key', async () => {
    const fresh = client(withoutCerts(sandbox.merchantConfig(INSTITUTION)));
    const refresh = await expectApiError(fresh.refreshCertificates('global'));
    expect(refresh).toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
    expect(refresh.message).toMatch(/public key/);
    // Any call needs a key to verify with first; within the minute after that failed download it sends nothing
    // more and fails closed, carrying the download's error (and its advice) as the cause.
    const query = await queryByNo(fresh, 'X1', INSTITUTIONAL_QUERY).catch((error: unknown) => error);
    expect(query).toMatchObject({
      name: 'SignatureVerificationError',
      reason: 'no platform key',
      cause: { status: 404, code: 'RESOURCE_NOT_EXISTS' },
    });
    expect((query as Error).message).toMatch(/public key/);
    // With the key configured, the certificates endpoint answers the same error, signed and verified.
    const signed = await expectApiError(institution.chain('v3/global/certificates').get());
    expect(signed).toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
  });

  it('replies verify whether signed with the platform certificate or with the public key', async () => {
    const byCertificate = await createNative(wxpay, uniqueNo('SIGCERT')).withResponse();
    expect(byCertificate.response.headers['wechatpay-serial']).toBe(platformSerial);
    const byPublicKey = await createInstitutionalNative(uniqueNo('SIGPUB')).withResponse();
    expect(byPublicKey.response.headers['wechatpay-serial']).toBe(publicKeyId);
  });

  it('fails closed when the client trusts only the public key of a certificate-mode merchant', async () => {
    const config = sandbox.merchantConfig(GLOBAL);
    const { publicKeyId: ownPublicKey } = trustedKeys(config);
    const { apiv3Key: _apiv3Key, ...noDownload } = withoutCerts(config);
    const strict = client({ ...noDownload, certs: { [ownPublicKey]: config.certs[ownPublicKey] ?? '' } });
    const outTradeNo = uniqueNo('CLOSED');
    const failure = await createNative(strict, outTradeNo).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SignatureVerificationError);
    expect(failure).toBeInstanceOf(UnknownSerialError);
    expect(failure).toMatchObject({ serial: platformSerial });
    // Error replies are verified as well: a signed 404 from an unknown key is no API error.
    await expect(queryByNo(strict, 'X1', COMMON_QUERY)).rejects.toBeInstanceOf(UnknownSerialError);

    // With the APIv3 key the same client may bootstrap: it downloads the certificate, trusts it because the download
    // decrypts and verifies with it, and then verifies the reply.
    const bootstrapping = client({
      ...withoutCerts(config),
      certs: { [ownPublicKey]: config.certs[ownPublicKey] ?? '' },
    });
    await createNative(bootstrapping, uniqueNo('BOOT'));
    expect(bootstrapping.keyStore.serials().sort()).toEqual([ownPublicKey, platformSerial].sort());
  });
});
