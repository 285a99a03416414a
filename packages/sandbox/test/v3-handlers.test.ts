// Tests for the sandbox's APIv3 handlers, called directly: Authorization, signed replies in every signing mode, field
// errors, idempotency, institutional mode, order and refund life, certificates. Requests are signed and replies verified
// here with a few lines of node:crypto, sharing no code with the sandbox or the SDK.
import { createDecipheriv, randomBytes, sign, verify } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdminError } from '../src/admin-error.js';
import type { NotifyFn, SandboxCall, SandboxContext, SandboxReply } from '../src/context.js';
import { Faults } from '../src/faults.js';
import type { Pem, PublicKeyPair } from '../src/pki.js';
import type { MerchantConfig, SigningMode, Store } from '../src/store.js';
import { listOrders, payOrder } from '../src/v3/actions.js';
import { settleRefunds } from '../src/v3/refunds.js';
import { handleV3 } from '../src/v3/router.js';
import { handlerContext, issueTestKeys, merchantConfig } from './support/fixtures.js';

const startMs = Date.UTC(2025, 0, 15, 2, 0, 0);

const ids = {
  global: '20000001',
  pubkey: '20000002',
  mixed: '20000003',
  institution: '30000001',
  sub: '30000002',
  stranger: '30000003',
} as const;
const appids = {
  global: 'wx1111111111111111',
  institution: 'wx3333333333333333',
  sub: 'wx4444444444444444',
} as const;

interface Keys {
  ca: Pem;
  apiCerts: Record<keyof typeof ids, Pem>;
  platform: Pem;
  publicKey: PublicKeyPair;
}
let keys: Keys;

beforeAll(async () => {
  const names = Object.keys(ids) as (keyof typeof ids)[];
  const issued = await issueTestKeys(
    startMs,
    names.map((name) => ids[name]),
  );
  const apiCerts = Object.fromEntries(names.map((name) => [name, issued.apiCerts[ids[name]]])) as Record<
    keyof typeof ids,
    Pem
  >;
  keys = { ca: issued.ca, apiCerts, platform: issued.platform, publicKey: issued.publicKey };
});

let store: Store;
let now: number;
let notified: Parameters<NotifyFn>[0][];
let ctx: SandboxContext;

function config(name: keyof typeof ids, signingMode: SigningMode, boundAppids: Record<string, string>): MerchantConfig {
  return merchantConfig({
    apiCert: keys.apiCerts[name],
    platformCert: keys.platform,
    publicKey: keys.publicKey,
    signingMode,
    appids: boundAppids,
  });
}

beforeEach(() => {
  now = startMs;
  notified = [];
  ctx = handlerContext({
    ca: keys.ca,
    realNow: () => now,
    faults: new Faults(() => 1),
    notify: (notification) => {
      notified.push(notification);
    },
  });
  store = ctx.store;
  const global = { kind: 'global', parent_mchid: null } as const;
  store.merchants.insert({
    mchid: ids.global,
    ...global,
    config: config('global', 'certificate', { app: appids.global }),
  });
  store.merchants.insert({
    mchid: ids.pubkey,
    ...global,
    config: config('pubkey', 'public_key', { app: appids.global }),
  });
  store.merchants.insert({ mchid: ids.mixed, ...global, config: config('mixed', 'mixed', { app: appids.global }) });
  store.merchants.insert({
    mchid: ids.institution,
    kind: 'institution',
    config: config('institution', 'certificate', { sp: appids.institution }),
  });
  store.merchants.insert({
    mchid: ids.sub,
    kind: 'global',
    parent_mchid: ids.institution,
    config: config('sub', 'certificate', { sub: appids.sub }),
  });
  store.merchants.insert({ mchid: ids.stranger, ...global, config: config('stranger', 'certificate', {}) });
});

afterEach(() => {
  store.close();
});

// ---- independent request signing and reply checking ----

interface CallOptions {
  as?: keyof typeof ids;
  timestamp?: number;
  serial?: string;
  signWith?: string;
  headers?: Record<string, string>;
  /** Sign this path instead of the one sent. */
  signedPath?: string;
}

function makeCall(method: string, pathAndQuery: string, body?: unknown, options: CallOptions = {}): SandboxCall {
  const name = options.as ?? 'global';
  const raw = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = String(options.timestamp ?? Math.floor(now / 1000));
  const nonce = randomBytes(16).toString('hex');
  const message = `${method}\n${options.signedPath ?? pathAndQuery}\n${timestamp}\n${nonce}\n${raw}\n`;
  const signature = sign('sha256', Buffer.from(message), options.signWith ?? keys.apiCerts[name].keyPem).toString(
    'base64',
  );
  const serial = options.serial ?? keys.apiCerts[name].serial;
  return {
    method,
    pathAndQuery,
    headers: {
      authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${ids[name]}",nonce_str="${nonce}",timestamp="${timestamp}",serial_no="${serial}",signature="${signature}"`,
      'content-type': 'application/json',
      ...options.headers,
    },
    rawBody: Buffer.from(raw),
    clientCert: undefined,
  };
}

function send(method: string, pathAndQuery: string, body?: unknown, options?: CallOptions): SandboxReply {
  return signedNow(handleV3(ctx, makeCall(method, pathAndQuery, body, options)));
}

/**
 * The reply as the server sends it: a handler leaves `Wechatpay-Signature` pending (the message and the key), and
 * the server computes it off the event loop; here it is computed at once, so the checks below verify it.
 */
function signedNow(reply: SandboxReply): SandboxReply {
  const { signature, ...rest } = reply;
  if (signature === undefined) return reply;
  const value = sign('sha256', signature.message, signature.key).toString('base64');
  return { ...rest, headers: { ...rest.headers, 'Wechatpay-Signature': value } };
}

function json(reply: SandboxReply): Record<string, unknown> {
  return JSON.parse(reply.body) as Record<string, unknown>;
}

/** Checks the reply's signature with `publicKeyOrCert` and returns the serial it names. */
function verifiedSerial(reply: SandboxReply, publicKeyOrCert: string): string {
  const h = reply.headers;
  const timestamp = h['Wechatpay-Timestamp'] ?? '';
  const message = `${timestamp}\n${h['Wechatpay-Nonce']}\n${reply.body}\n`;
  const signature = Buffer.from(h['Wechatpay-Signature'] ?? '', 'base64');
  expect(verify('sha256', Buffer.from(message), publicKeyOrCert, signature)).toBe(true);
  expect(Number(timestamp)).toBe(Math.floor(now / 1000));
  return h['Wechatpay-Serial'] ?? '';
}

function decrypt(key: string, resource: { nonce: string; associated_data: string; ciphertext: string }): string {
  const sealed = Buffer.from(resource.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(resource.nonce));
  decipher.setAAD(Buffer.from(resource.associated_data));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString('utf8');
}

// ---- request bodies ----

function nativeOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mchid: ids.global,
    appid: appids.global,
    description: 'Sandbox mug',
    out_trade_no: 'T20250115001',
    notify_url: 'https://merchant.example/notify',
    trade_type: 'NATIVE',
    merchant_category_code: '5812',
    amount: { total: 10000, currency: 'HKD' },
    attach: 'table 7',
    ...overrides,
  };
}

function createPaidOrder(outTradeNo = 'T20250115001'): Record<string, unknown> {
  expect(send('POST', '/v3/global/transactions/native', nativeOrder({ out_trade_no: outTradeNo })).status).toBe(200);
  return payOrder(ctx, { mchid: ids.global, outTradeNo, openid: 'oPayer' });
}

function refundBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mchid: ids.global,
    appid: appids.global,
    out_trade_no: 'T20250115001',
    out_refund_no: 'R20250115001',
    reason: 'broken',
    amount: { refund: 4000, total: 10000, currency: 'HKD' },
    ...overrides,
  };
}

describe('Authorization', () => {
  const path = '/v3/global/transactions/out-trade-no/T1?mchid=20000001';

  it('refuses a bad signature with a signed 401 SIGN_ERROR that says what was checked', () => {
    const reply = send('GET', path, undefined, { signWith: keys.apiCerts.stranger.keyPem });
    expect(reply.status).toBe(401);
    const body = json(reply);
    expect(body.code).toBe('SIGN_ERROR');
    const info = (body.detail as { sign_information: Record<string, unknown> }).sign_information;
    expect(info).toMatchObject({ method: 'GET', url: path, mchid: ids.global });
    expect(info.issue).toMatch(/signature does not verify/);
    expect(info.timestamp).toBe(String(Math.floor(now / 1000)));
    expect(typeof info.nonce_str).toBe('string');
    expect(verifiedSerial(reply, keys.platform.certPem)).toBe(keys.platform.serial);
    expect(reply.headers['Request-ID']).toMatch(/^[0-9A-F]{32}$/);
  });

  it('verifies the path and query exactly as received', () => {
    const reply = send('GET', path, undefined, {
      signedPath: '/v3/global/transactions/out-trade-no/T1?mchid=20000002',
    });
    expect(reply.status).toBe(401);
  });

  it('refuses a serial that is not the merchant API certificate', () => {
    const reply = send('GET', path, undefined, { serial: keys.apiCerts.stranger.serial });
    expect(reply.status).toBe(401);
    expect(json(reply).code).toBe('SIGN_ERROR');
    expect(JSON.stringify(json(reply).detail)).toMatch(/serial_no/);
  });

  it('refuses a timestamp 300 s or more away from sandbox time, in either direction', () => {
    const seconds = Math.floor(now / 1000);
    expect(send('GET', path, undefined, { timestamp: seconds - 300 }).status).toBe(401);
    expect(send('GET', path, undefined, { timestamp: seconds + 300 }).status).toBe(401);
    expect(json(send('GET', path, undefined, { timestamp: seconds - 300 })).message).toMatch(/expired/);
    // 299 s is inside the window: the request gets past authentication (and finds no order).
    expect(send('GET', path, undefined, { timestamp: seconds - 299 }).status).toBe(404);
  });

  it('follows the sandbox clock, not the real one', () => {
    now += 3600_000;
    expect(send('GET', path, undefined, { timestamp: Math.floor(startMs / 1000) }).status).toBe(401);
    expect(send('GET', path).status).toBe(404);
  });

  it('answers unknown merchants and missing or malformed headers unsigned', () => {
    const call = makeCall('GET', path);
    const unknown = handleV3(ctx, {
      ...call,
      headers: { authorization: (call.headers.authorization ?? '').replace(ids.global, '99999999') },
    });
    const missing = handleV3(ctx, { ...call, headers: {} });
    const malformed = handleV3(ctx, { ...call, headers: { authorization: 'Bearer abc' } });
    for (const reply of [unknown, missing, malformed]) {
      expect(reply.status).toBe(401);
      expect(json(reply).code).toBe('SIGN_ERROR');
      expect(reply.signature).toBeUndefined();
      expect(reply.headers['Wechatpay-Signature']).toBeUndefined();
      expect(reply.headers['Request-ID']).toBeTruthy();
    }
    expect(json(missing).message).toMatch(/missing/);
  });

  it('refuses a repeated Authorization field', () => {
    const call = makeCall('GET', path);
    const authorization = `${call.headers.authorization},mchid="${ids.stranger}"`;
    expect(handleV3(ctx, { ...call, headers: { authorization } }).status).toBe(401);
  });
});

describe('signed replies', () => {
  const path = '/v3/global/transactions/out-trade-no/NONE?mchid=';

  it('signs with the platform certificate in certificate mode', () => {
    const reply = send('GET', `${path}${ids.global}`);
    expect(reply.status).toBe(404);
    expect(verifiedSerial(reply, keys.platform.certPem)).toBe(keys.platform.serial);
  });

  it('signs with the public key in public_key mode', () => {
    const reply = send('GET', `${path}${ids.pubkey}`, undefined, { as: 'pubkey' });
    expect(verifiedSerial(reply, keys.publicKey.publicKeyPem)).toBe(keys.publicKey.id);
    expect(keys.publicKey.id).toMatch(/^PUB_KEY_ID_/);
  });

  it('follows the request Wechatpay-Serial in mixed mode, and uses the public key otherwise', () => {
    const mixed = (headers?: Record<string, string>) =>
      send('GET', `${path}${ids.mixed}`, undefined, { as: 'mixed', ...(headers && { headers }) });
    expect(verifiedSerial(mixed(), keys.publicKey.publicKeyPem)).toBe(keys.publicKey.id);
    const platform = mixed({ 'wechatpay-serial': keys.platform.serial });
    expect(verifiedSerial(platform, keys.platform.certPem)).toBe(keys.platform.serial);
    const publicKey = mixed({ 'wechatpay-serial': keys.publicKey.id });
    expect(verifiedSerial(publicKey, keys.publicKey.publicKeyPem)).toBe(keys.publicKey.id);
    const unknown = mixed({ 'wechatpay-serial': 'ABCDEF' });
    expect(verifiedSerial(unknown, keys.publicKey.publicKeyPem)).toBe(keys.publicKey.id);
  });

  it('signs a 204 over the empty body', () => {
    send('POST', '/v3/global/transactions/native', nativeOrder());
    const reply = send('POST', '/v3/global/transactions/out-trade-no/T20250115001/close', { mchid: ids.global });
    expect(reply.status).toBe(204);
    expect(reply.body).toBe('');
    expect(verifiedSerial(reply, keys.platform.certPem)).toBe(keys.platform.serial);
  });

  it('gives every reply its own Request-ID', () => {
    const first = send('GET', `${path}${ids.global}`);
    const second = send('GET', `${path}${ids.global}`);
    expect(first.headers['Request-ID']).not.toBe(second.headers['Request-ID']);
  });
});

describe('errors', () => {
  it('names a bad body field by JSON pointer in PARAM_ERROR', () => {
    const reply = send(
      'POST',
      '/v3/global/transactions/native',
      nativeOrder({ amount: { total: 0, currency: 'HKD' } }),
    );
    expect(reply.status).toBe(400);
    expect(json(reply)).toMatchObject({
      code: 'PARAM_ERROR',
      detail: { field: '/amount/total', value: 0, location: 'body' },
    });
    expect((json(reply).detail as { issue: string }).issue).toMatch(/integer/);
  });

  it('reports a missing field, an unsupported currency and a body that is not JSON', () => {
    const { description: _, ...withoutDescription } = nativeOrder();
    const missing = json(send('POST', '/v3/global/transactions/native', withoutDescription));
    expect(missing).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/description', issue: 'required' } });
    const currency = json(
      send('POST', '/v3/global/transactions/native', nativeOrder({ amount: { total: 1, currency: 'XYZ' } })),
    );
    expect(currency).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/amount/currency', value: 'XYZ' } });
    const broken = send('POST', '/v3/global/transactions/native', '{"mchid":');
    expect(broken.status).toBe(400);
    expect(json(broken).code).toBe('PARAM_ERROR');
  });

  it('reports a missing or foreign query mchid with location query', () => {
    const missing = send('GET', '/v3/global/transactions/id/4200');
    expect(missing.status).toBe(400);
    expect(json(missing)).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'mchid', location: 'query' } });
    const foreign = send('GET', `/v3/global/transactions/id/4200?mchid=${ids.stranger}`);
    expect(json(foreign)).toMatchObject({
      code: 'PARAM_ERROR',
      detail: { field: 'mchid', value: ids.stranger, location: 'query' },
    });
  });

  it('refuses a body mchid that is not the caller, and an appid not bound to it', () => {
    const foreign = json(send('POST', '/v3/global/transactions/native', nativeOrder({ mchid: ids.stranger })));
    expect(foreign).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/mchid', location: 'body' } });
    const reply = send('POST', '/v3/global/transactions/native', nativeOrder({ appid: 'wx9999999999999999' }));
    expect(reply.status).toBe(400);
    expect(json(reply)).toMatchObject({ code: 'APPID_MCHID_NOT_MATCH', detail: { field: '/appid' } });
  });

  it('answers ORDER_NOT_EXIST for an unknown order and NOT_FOUND for an unknown path', () => {
    const order = send('GET', `/v3/global/transactions/id/4200000000?mchid=${ids.global}`);
    expect(order.status).toBe(404);
    expect(json(order).code).toBe('ORDER_NOT_EXIST');
    const path = send('GET', '/v3/global/nothing-here');
    expect(path.status).toBe(404);
    expect(json(path).code).toBe('NOT_FOUND');
    expect(send('DELETE', '/v3/global/refunds').status).toBe(404);
  });

  // docs/endpoints.md: the global error table says RATELIMIT_EXCEEDED, the mainland ones FREQUENCY_LIMITED.
  it.each([
    ['global', `/v3/global/transactions/id/1?mchid=${ids.global}`, 'RATELIMIT_EXCEEDED'],
    ['mainland payments', `/v3/pay/transactions/id/1?mchid=${ids.global}`, 'FREQUENCY_LIMITED'],
    ['mainland refunds', '/v3/refund/domestic/refunds/R1', 'FREQUENCY_LIMITED'],
    ['merchant transfers', '/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/B10000001', 'FREQUENCY_LIMITED'],
  ])('answers 429 past the merchant rate limit, in the words of its API (%s)', (_family, path, code) => {
    store.merchants.update({ mchid: ids.global }, { rate_limit: 2 });
    expect(send('GET', path).status).not.toBe(429);
    expect(send('GET', path).status).not.toBe(429);
    const limited = send('GET', path);
    expect(limited.status).toBe(429);
    expect(json(limited).code).toBe(code);
    expect(verifiedSerial(limited, keys.platform.certPem)).toBe(keys.platform.serial);
  });
});

describe('orders', () => {
  it('creates each trade type with its own reply and starts NOTPAY', () => {
    const native = json(send('POST', '/v3/global/transactions/native', nativeOrder()));
    expect(native.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const jsapi = json(
      send(
        'POST',
        '/v3/global/transactions/jsapi',
        nativeOrder({ out_trade_no: 'J1', trade_type: 'JSAPI', payer: { openid: 'oJsapi' } }),
      ),
    );
    expect(jsapi.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{20}$/);
    const app = json(
      send('POST', '/v3/global/transactions/app', nativeOrder({ out_trade_no: 'A1', trade_type: 'APP' })),
    );
    expect(app.prepay_id).toMatch(/^wx/);
    const mweb = json(
      send(
        'POST',
        '/v3/global/transactions/mweb',
        nativeOrder({ out_trade_no: 'M1', trade_type: 'MWEB', scene_info: { payer_client_ip: '203.0.113.9' } }),
      ),
    );
    expect(mweb.mweb_url).toMatch(/^https:\/\//);

    const order = json(send('GET', `/v3/global/transactions/out-trade-no/J1?mchid=${ids.global}`));
    expect(order).toEqual({
      mchid: ids.global,
      appid: appids.global,
      id: expect.stringMatching(/^\d{28}$/),
      out_trade_no: 'J1',
      trade_type: 'JSAPI',
      trade_state: 'NOTPAY',
      trade_state_desc: expect.any(String),
      attach: 'table 7',
      payer: { openid: 'oJsapi' },
      amount: { total: 10000, currency: 'HKD' },
    });
    const byId = json(send('GET', `/v3/global/transactions/id/${order.id}?mchid=${ids.global}`));
    expect(byId).toEqual(order);
  });

  it('is idempotent on out_trade_no: the same body gives the same answer, another body an error', () => {
    const first = send('POST', '/v3/global/transactions/native', nativeOrder());
    const { amount, ...rest } = nativeOrder();
    const reordered = send('POST', '/v3/global/transactions/native', { amount, ...rest });
    expect(json(reordered).code_url).toBe(json(first).code_url);
    expect(store.orders.count()).toBe(1);
    const changed = send(
      'POST',
      '/v3/global/transactions/native',
      nativeOrder({ amount: { total: 10001, currency: 'HKD' } }),
    );
    expect(changed.status).toBe(400);
    expect(json(changed)).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/already used/) });
  });

  it('pays an order: SUCCESS with time, payer, settlement amounts, and a TRANSACTION.SUCCESS notification', () => {
    send('POST', '/v3/global/transactions/native', nativeOrder());
    now += 5000;
    const paid = payOrder(ctx, { mchid: ids.global, outTradeNo: 'T20250115001', openid: 'oPayer' });
    const queried = json(send('GET', `/v3/global/transactions/out-trade-no/T20250115001?mchid=${ids.global}`));
    expect(queried).toEqual(paid);
    expect(queried).toMatchObject({
      trade_state: 'SUCCESS',
      bank_type: expect.any(String),
      success_time: '2025-01-15T10:00:05+08:00',
      payer: { openid: 'oPayer' },
      amount: {
        total: 10000,
        currency: 'HKD',
        payer_total: 9200,
        payer_currency: 'CNY',
        exchange_rate: { type: 'SETTLEMENT_RATE', rate: 92000000 },
      },
    });
    expect(notified).toEqual([
      {
        mchid: ids.global,
        url: 'https://merchant.example/notify',
        eventType: 'TRANSACTION.SUCCESS',
        summary: '支付成功',
        resource: queried,
        originalType: 'transaction',
      },
    ]);
    // Paid: a resend of the create and a close are both refused.
    expect(json(send('POST', '/v3/global/transactions/native', nativeOrder())).code).toBe('ORDERPAID');
    const close = send('POST', '/v3/global/transactions/out-trade-no/T20250115001/close', { mchid: ids.global });
    expect(close.status).toBe(400);
    expect(json(close).code).toBe('ORDERPAID');
    expect(() => payOrder(ctx, { mchid: ids.global, outTradeNo: 'T20250115001' })).toThrow(AdminError);
  });

  it('closes an unpaid order (twice is fine) and refuses to pay it afterwards', () => {
    send('POST', '/v3/global/transactions/native', nativeOrder());
    const close = () => send('POST', '/v3/global/transactions/out-trade-no/T20250115001/close', { mchid: ids.global });
    expect(close().status).toBe(204);
    expect(close().status).toBe(204);
    const order = json(send('GET', `/v3/global/transactions/out-trade-no/T20250115001?mchid=${ids.global}`));
    expect(order.trade_state).toBe('CLOSED');
    expect(() => payOrder(ctx, { mchid: ids.global, outTradeNo: 'T20250115001' })).toThrow(/CLOSED/);
    const missing = send('POST', '/v3/global/transactions/out-trade-no/NOPE/close', { mchid: ids.global });
    expect(json(missing).code).toBe('ORDER_NOT_EXIST');
  });

  it('closes an order only through its own API: the mainland close does not find a global order', () => {
    send('POST', '/v3/global/transactions/native', nativeOrder());
    const mainland = send('POST', '/v3/pay/transactions/out-trade-no/T20250115001/close', { mchid: ids.global });
    expect([mainland.status, json(mainland).code]).toEqual([404, 'ORDER_NOT_EXIST']);
    const order = json(send('GET', `/v3/global/transactions/out-trade-no/T20250115001?mchid=${ids.global}`));
    expect(order.trade_state).toBe('NOTPAY');
  });

  it('records a failed payment as PAYERROR without a notification', () => {
    send('POST', '/v3/global/transactions/native', nativeOrder());
    const id = store.orders.get({ out_trade_no: 'T20250115001' })?.id ?? '';
    const order = payOrder(ctx, { mchid: ids.global, id, outcome: 'PAYERROR' });
    expect(order.trade_state).toBe('PAYERROR');
    expect(notified).toEqual([]);
  });

  it('lists orders newest first, by merchant and state', () => {
    send('POST', '/v3/global/transactions/native', nativeOrder({ out_trade_no: 'L1' }));
    now += 1000;
    send('POST', '/v3/global/transactions/native', nativeOrder({ out_trade_no: 'L2' }));
    payOrder(ctx, { mchid: ids.global, outTradeNo: 'L2' });
    expect(listOrders(ctx).map((o) => o.out_trade_no)).toEqual(['L2', 'L1']);
    expect(listOrders(ctx, { mchid: ids.global, tradeState: 'NOTPAY' }).map((o) => o.out_trade_no)).toEqual(['L1']);
    expect(listOrders(ctx, { mchid: ids.stranger })).toEqual([]);
  });
});

describe('institutional mode', () => {
  const institutionalOrder = (overrides: Record<string, unknown> = {}) => {
    const { mchid: _m, appid: _a, ...rest } = nativeOrder({ trade_type: 'JSAPI', out_trade_no: 'S1' });
    return {
      sp_mchid: ids.institution,
      sub_mchid: ids.sub,
      sp_appid: appids.institution,
      sub_appid: appids.sub,
      payer: { sub_openid: 'oSub' },
      ...rest,
      ...overrides,
    };
  };

  it('lets the institution create, query, pay and refund for its sub-merchant', () => {
    const created = send('POST', '/v3/global/transactions/jsapi', institutionalOrder(), { as: 'institution' });
    expect(created.status).toBe(200);
    const query = `/v3/global/transactions/out-trade-no/S1?sp_mchid=${ids.institution}&sub_mchid=${ids.sub}`;
    const order = json(send('GET', query, undefined, { as: 'institution' }));
    expect(order).toMatchObject({
      sp_mchid: ids.institution,
      sub_mchid: ids.sub,
      sp_appid: appids.institution,
      sub_appid: appids.sub,
      payer: { sub_openid: 'oSub' },
      trade_state: 'NOTPAY',
    });
    expect(order.mchid).toBeUndefined();
    expect(order.appid).toBeUndefined();
    // The same number in common mode is another merchant's view: not found.
    const common = send('GET', `/v3/global/transactions/out-trade-no/S1?mchid=${ids.sub}`, undefined, { as: 'sub' });
    expect(json(common).code).toBe('ORDER_NOT_EXIST');

    payOrder(ctx, { mchid: ids.institution, outTradeNo: 'S1' });
    // Notifications of institutional orders go to the institution (its APIv3 key and signature).
    expect(notified[0]?.mchid).toBe(ids.institution);
    const refund = send(
      'POST',
      '/v3/global/refunds',
      {
        sp_mchid: ids.institution,
        sub_mchid: ids.sub,
        sp_appid: appids.institution,
        out_trade_no: 'S1',
        out_refund_no: 'SR1',
        amount: { refund: 1, total: 10000, currency: 'HKD' },
      },
      { as: 'institution' },
    );
    expect(refund.status).toBe(200);
    expect(json(refund)).toMatchObject({ sp_mchid: ids.institution, sub_mchid: ids.sub, status: 'PROCESSING' });
  });

  it('refuses a sub_mchid that is not its sub-merchant, and a sp_mchid that is not the caller', () => {
    const stranger = send('POST', '/v3/global/transactions/jsapi', institutionalOrder({ sub_mchid: ids.stranger }), {
      as: 'institution',
    });
    expect(stranger.status).toBe(403);
    expect(json(stranger).code).toBe('NO_AUTH');
    const notCaller = send('POST', '/v3/global/transactions/jsapi', institutionalOrder(), { as: 'sub' });
    expect(json(notCaller)).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/sp_mchid' } });
    const unbound = send(
      'POST',
      '/v3/global/transactions/jsapi',
      institutionalOrder({ sub_appid: appids.institution }),
      {
        as: 'institution',
      },
    );
    expect(json(unbound)).toMatchObject({ code: 'APPID_MCHID_NOT_MATCH', detail: { field: '/sub_appid' } });
  });
});

describe('refunds', () => {
  const query = `/v3/global/refunds/out-refund-no/R20250115001?mchid=${ids.global}`;

  it('starts PROCESSING and succeeds 60 sandbox seconds later, with the order in REFUND and a notification', () => {
    createPaidOrder();
    notified = [];
    const created = send('POST', '/v3/global/refunds', refundBody());
    expect(created.status).toBe(200);
    expect(json(created)).toMatchObject({
      mchid: ids.global,
      out_refund_no: 'R20250115001',
      out_trade_no: 'T20250115001',
      transaction_id: expect.stringMatching(/^\d{28}$/),
      id: expect.stringMatching(/^\d{29}$/),
      status: 'PROCESSING',
      create_time: '2025-01-15T10:00:00+08:00',
      amount: { refund: 4000, total: 10000, currency: 'HKD', payer_refund: 3680, payer_currency: 'CNY' },
    });
    now += 59_000;
    expect(json(send('GET', query)).status).toBe('PROCESSING');
    now += 1000;
    const done = json(send('GET', query));
    expect(done).toMatchObject({ status: 'SUCCESS', success_time: '2025-01-15T10:01:00+08:00' });
    const order = json(send('GET', `/v3/global/transactions/out-trade-no/T20250115001?mchid=${ids.global}`));
    expect(order.trade_state).toBe('REFUND');
    expect(notified).toEqual([
      {
        mchid: ids.global,
        url: 'https://merchant.example/notify',
        eventType: 'REFUND.SUCCESS',
        summary: '退款成功',
        resource: done,
        originalType: 'refund',
      },
    ]);
  });

  it('settles due refunds on demand, to the refund notify_url when it has one', () => {
    createPaidOrder();
    send('POST', '/v3/global/refunds', refundBody({ notify_url: 'https://merchant.example/refunds' }));
    expect(settleRefunds(ctx)).toEqual([]);
    now += 60_000;
    const [settled] = settleRefunds(ctx);
    expect(settled?.status).toBe('SUCCESS');
    expect(notified.at(-1)?.url).toBe('https://merchant.example/refunds');
    expect(settleRefunds(ctx)).toEqual([]);
  });

  it('is idempotent on out_refund_no', () => {
    createPaidOrder();
    const first = json(send('POST', '/v3/global/refunds', refundBody()));
    const again = json(send('POST', '/v3/global/refunds', refundBody()));
    expect(again.id).toBe(first.id);
    const changed = send(
      'POST',
      '/v3/global/refunds',
      refundBody({ amount: { refund: 1, total: 10000, currency: 'HKD' } }),
    );
    expect(changed.status).toBe(400);
    expect(json(changed).code).toBe('INVALID_REQUEST');
  });

  it('checks amounts against the order, and what it can still refund', () => {
    createPaidOrder();
    const wrongTotal = json(
      send('POST', '/v3/global/refunds', refundBody({ amount: { refund: 1, total: 5, currency: 'HKD' } })),
    );
    expect(wrongTotal).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/amount/total', value: 5 } });
    const aboveTotal = json(
      send('POST', '/v3/global/refunds', refundBody({ amount: { refund: 10001, total: 10000, currency: 'HKD' } })),
    );
    expect(aboveTotal).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/amount/refund' } });
    expect(send('POST', '/v3/global/refunds', refundBody()).status).toBe(200);
    // Refunds of one order must be a minute apart (docs/endpoints.md#refund-rules).
    now += 60_000;
    const tooMuch = send(
      'POST',
      '/v3/global/refunds',
      refundBody({ out_refund_no: 'R2', amount: { refund: 6001, total: 10000, currency: 'HKD' } }),
    );
    expect(tooMuch.status).toBe(400);
    expect(json(tooMuch)).toMatchObject({ code: 'NOT_ENOUGH', detail: { field: '/amount/refund' } });
    // The rest of the order: the payer gets back exactly what is left of what they paid.
    const rest = json(
      send(
        'POST',
        '/v3/global/refunds',
        refundBody({ out_refund_no: 'R3', amount: { refund: 6000, total: 10000, currency: 'HKD' } }),
      ),
    );
    expect(rest.amount).toMatchObject({ payer_refund: 9200 - 3680 });
  });

  it('refuses to refund an unpaid or unknown order, and 404s an unknown refund', () => {
    send('POST', '/v3/global/transactions/native', nativeOrder());
    const unpaid = send('POST', '/v3/global/refunds', refundBody());
    expect(unpaid.status).toBe(400);
    expect(json(unpaid).code).toBe('INVALID_REQUEST');
    const unknown = send('POST', '/v3/global/refunds', refundBody({ out_trade_no: 'NOPE' }));
    expect(unknown.status).toBe(404);
    expect(json(unknown).code).toBe('RESOURCE_NOT_EXISTS');
    const missing = send('GET', query);
    expect(missing.status).toBe(404);
    expect(json(missing).code).toBe('RESOURCE_NOT_EXISTS');
  });
});

describe('platform certificates', () => {
  it('returns the platform certificate sealed with the APIv3 key, signed by that certificate', () => {
    for (const path of ['/v3/global/certificates', '/v3/certificates']) {
      const reply = send('GET', path);
      expect(reply.status).toBe(200);
      expect(verifiedSerial(reply, keys.platform.certPem)).toBe(keys.platform.serial);
      const [entry] = (json(reply) as { data: Record<string, unknown>[] }).data;
      expect(entry).toMatchObject({
        serial_no: keys.platform.serial,
        effective_time: expect.stringMatching(/\+08:00$/),
        expire_time: expect.stringMatching(/\+08:00$/),
        encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', associated_data: 'certificate' },
      });
      const sealed = entry?.encrypt_certificate as { nonce: string; associated_data: string; ciphertext: string };
      expect(sealed.nonce).toHaveLength(12);
      const apiv3Key = store.merchants.get({ mchid: ids.global })?.config.apiv3Key ?? '';
      expect(decrypt(apiv3Key, sealed)).toBe(keys.platform.certPem);
    }
  });

  it('signs the download with the platform certificate in mixed mode too', () => {
    const reply = send('GET', '/v3/global/certificates', undefined, { as: 'mixed' });
    expect(verifiedSerial(reply, keys.platform.certPem)).toBe(keys.platform.serial);
  });

  it('answers 404 RESOURCE_NOT_EXISTS in public_key mode, signed with the public key', () => {
    const reply = send('GET', '/v3/global/certificates', undefined, { as: 'pubkey' });
    expect(reply.status).toBe(404);
    expect(json(reply).code).toBe('RESOURCE_NOT_EXISTS');
    expect(verifiedSerial(reply, keys.publicKey.publicKeyPem)).toBe(keys.publicKey.id);
  });
});
