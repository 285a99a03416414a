// The global APIv3 as the official pages document it, end to end through the wxpay SDK and through a raw node:https
// client: every transactions and refunds route, the refund rules, the notification retry schedule, notifications
// that never leave this machine, and the official examples' ids. Each fact is cited from docs/endpoints.md.
import { createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CreateGlobalRefundRequest, Wxpay } from 'wxpay';
import { retrySchedule } from '../src/notifier.js';
import type { Sandbox } from '../src/sandbox.js';
import { openStore } from '../src/store.js';
import {
  COMMON_QUERY,
  EXAMPLE_APPID,
  expectApiError,
  expectValidationError,
  GLOBAL,
  GLOBAL_APPID,
  INSTITUTION,
  INSTITUTION_APPID,
  INSTITUTIONAL_QUERY,
  startTestSandbox,
  type TestSandbox,
  uniqueNo,
} from './support/fixtures.js';

const minuteMs = 60_000;
const dayMs = 86_400_000;

let world: TestSandbox;
let sandbox: Sandbox;
let wxpay: Wxpay;
let institution: Wxpay;
/** Loopback receivers: plain http on 127.0.0.1, https (the sandbox's certificate) reachable as localhost. */
let httpReceiver: Server;
let httpsReceiver: Server;
let httpPort: number;
let httpsPort: number;
/** Requests each receiver got, by path; the http receiver answers `failing` paths with 503. */
const hits: { path: string; scheme: 'http' | 'https' }[] = [];

function receive(scheme: 'http' | 'https') {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      hits.push({ path, scheme });
      res.writeHead(path.startsWith('/failing/') ? 503 : 200).end();
    });
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  // Background delivery is left to the tests: they deliver with admin.advanceClock, so attempts are countable.
  world = await startTestSandbox({ notifyIntervalMs: 3_600_000 });
  sandbox = world.sandbox;
  // No SDK retries: a refused refund must surface as it was answered.
  wxpay = world.client(GLOBAL, { maxRetries: 0 });
  institution = world.client(INSTITUTION, { maxRetries: 0 });
  httpReceiver = createHttpServer(receive('http'));
  httpsReceiver = createHttpsServer({ cert: sandbox.tls.cert, key: sandbox.tls.key }, receive('https'));
  [httpPort, httpsPort] = await Promise.all([listen(httpReceiver), listen(httpsReceiver)]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  for (const server of [httpReceiver, httpsReceiver]) {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
  await world?.close();
});

// ---- helpers ----

function orderBody(outTradeNo: string, notifyUrl = `http://127.0.0.1:${httpPort}/notify/${outTradeNo}`) {
  return {
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: outTradeNo,
    notify_url: notifyUrl,
    trade_type: 'NATIVE' as const,
    merchant_category_code: '4111',
    amount: { total: 100, currency: 'HKD' },
  };
}

/** A paid common-mode order of 1 HKD; returns its WeChat Pay order number. */
async function paidOrder(outTradeNo: string, appid = GLOBAL_APPID): Promise<string> {
  await wxpay.v3.global.transactions.native.post({ json: { mchid: GLOBAL, appid, ...orderBody(outTradeNo) } });
  const paid = await sandbox.admin.payOrder({ mchid: GLOBAL, outTradeNo });
  return String(paid.id);
}

function refund(outTradeNo: string, outRefundNo: string, amount = 1) {
  return {
    mchid: GLOBAL,
    appid: GLOBAL_APPID,
    out_trade_no: outTradeNo,
    out_refund_no: outRefundNo,
    amount: { refund: amount, total: 100, currency: 'HKD' },
  } satisfies CreateGlobalRefundRequest;
}

// ---- a client that is not the SDK: node:https, its own Authorization, its own reply verification ----

interface RawReply {
  status: number;
  body: Record<string, unknown>;
}

/** One APIv3 call signed with the merchant's key; the reply must verify with a key the merchant config trusts. */
async function raw(mchid: string, method: string, pathAndQuery: string, body?: unknown): Promise<RawReply> {
  const config = sandbox.merchantConfig(mchid);
  const text = body === undefined ? '' : JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const message = `${method}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${text}\n`;
  const signature = sign('sha256', Buffer.from(message), config.privateKey).toString('base64');
  const fields = `mchid="${mchid}",nonce_str="${nonce}",timestamp="${timestamp}",serial_no="${config.serial}"`;
  const authorization = `WECHATPAY2-SHA256-RSA2048 ${fields},signature="${signature}"`;
  const reply = await new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
    (resolve, reject) => {
      const outgoing = request(
        `${sandbox.url}${pathAndQuery}`,
        {
          method,
          ca: config.ca,
          agent: false,
          headers: { Authorization: authorization, Accept: 'application/json', 'Content-Type': 'application/json' },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              headers: incoming.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          incoming.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(text);
    },
  );
  const header = (name: string) => String(reply.headers[name] ?? '');
  const trusted = config.certs[header('wechatpay-serial')];
  expect(trusted, 'the reply names a key the merchant trusts').toBeDefined();
  const signed = `${header('wechatpay-timestamp')}\n${header('wechatpay-nonce')}\n${reply.text}\n`;
  const valid = verify(
    'sha256',
    Buffer.from(signed),
    createPublicKey(trusted ?? ''),
    Buffer.from(header('wechatpay-signature'), 'base64'),
  );
  expect(valid, 'the reply signature verifies').toBe(true);
  return { status: reply.status, body: reply.text === '' ? {} : (JSON.parse(reply.text) as Record<string, unknown>) };
}

// ---- routes ----

describe('every route of the global transactions and refunds API', () => {
  it('closes an order by its WeChat Pay number, in common and institutional mode', async () => {
    // docs/endpoints.md#close-an-order: POST /v3/global/transactions/id/{transaction_id}/close, 204.
    const outTradeNo = uniqueNo('CLOSEID');
    await wxpay.v3.global.transactions.native.post({
      json: { mchid: GLOBAL, appid: GLOBAL_APPID, ...orderBody(outTradeNo) },
    });
    const { id } = await wxpay.v3.global.transactions.outTradeNo._out_trade_no_.get({
      out_trade_no: outTradeNo,
      query: COMMON_QUERY,
    });
    const closed = await wxpay.v3.global.transactions.id._transaction_id_.close.post({
      transaction_id: id,
      json: { mchid: GLOBAL },
    });
    expect(closed).toBeUndefined();
    const after = await wxpay.v3.global.transactions.id._id_.get({ id, query: COMMON_QUERY });
    expect(after.trade_state).toBe('CLOSED');

    const subNo = uniqueNo('CLOSEIDI');
    await institution.v3.global.transactions.native.post({
      json: { sp_mchid: INSTITUTION, sub_mchid: GLOBAL, sp_appid: INSTITUTION_APPID, ...orderBody(subNo) },
    });
    const sub = await institution.v3.global.transactions.outTradeNo._out_trade_no_.get({
      out_trade_no: subNo,
      query: INSTITUTIONAL_QUERY,
    });
    // The raw client closes it: the same route without the SDK.
    const rawClose = await raw(INSTITUTION, 'POST', `/v3/global/transactions/id/${sub.id}/close`, INSTITUTIONAL_QUERY);
    expect(rawClose.status).toBe(204);
    const subAfter = await institution.v3.global.transactions.id._id_.get({ id: sub.id, query: INSTITUTIONAL_QUERY });
    expect(subAfter.trade_state).toBe('CLOSED');
    // An order of another mode is not found by its number.
    const wrongMode = await expectApiError(
      wxpay.v3.global.transactions.id._transaction_id_.close.post({ transaction_id: sub.id, json: { mchid: GLOBAL } }),
    );
    expect(wrongMode).toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
  });

  it('queries a refund by its WeChat Pay refund number', async () => {
    // docs/endpoints.md#query-a-refund: GET /v3/global/refunds/id/{refund_id}.
    const outTradeNo = uniqueNo('QRID');
    await paidOrder(outTradeNo);
    const created = await wxpay.v3.global.refunds.post({ json: refund(outTradeNo, uniqueNo('R')) });
    const byId = await wxpay.v3.global.refunds.id._refund_id_.get({ refund_id: created.id, query: COMMON_QUERY });
    const byNo = await wxpay.v3.global.refunds.outRefundNo._out_refund_no_.get({
      out_refund_no: created.out_refund_no,
      query: COMMON_QUERY,
    });
    expect(byId).toEqual(byNo);
    expect(byId).toMatchObject({ id: created.id, status: 'PROCESSING' });
    const unknown = await expectApiError(
      wxpay.v3.global.refunds.id._refund_id_.get({ refund_id: '50300000000000000000000000000', query: COMMON_QUERY }),
    );
    expect(unknown).toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
  });

  it('says where each refund goes: channel ORIGINAL to the payer’s wallet, in the create, query and list', async () => {
    // docs/endpoints.md#refund: the query and list replies carry channel and recv_account.
    const outTradeNo = uniqueNo('ROUTE');
    await paidOrder(outTradeNo);
    const route = { channel: 'ORIGINAL', recv_account: '支付用户零钱' };
    const created = await wxpay.v3.global.refunds.post({ json: refund(outTradeNo, uniqueNo('R')) });
    expect(created).toMatchObject(route);
    const queried = await raw(GLOBAL, 'GET', `/v3/global/refunds/id/${created.id}?mchid=${GLOBAL}`);
    expect(queried.body).toMatchObject(route);
    const listed = await raw(
      GLOBAL,
      'GET',
      `/v3/global/refunds?out_trade_no=${outTradeNo}&count=10&offset=0&mchid=${GLOBAL}`,
    );
    expect((listed.body.data as unknown[])[0]).toMatchObject(route);
  });

  it('lists the refunds of an order by out_trade_no or transaction_id, a page at a time', async () => {
    // docs/endpoints.md#list-the-refunds-of-an-order: GET /v3/global/refunds, count at most 20.
    const outTradeNo = uniqueNo('LIST');
    const transactionId = await paidOrder(outTradeNo);
    const numbers = [uniqueNo('RA'), uniqueNo('RB'), uniqueNo('RC')];
    for (const [i, outRefundNo] of numbers.entries()) {
      await wxpay.v3.global.refunds.post({ json: refund(outTradeNo, outRefundNo, 10 + i) });
      await sandbox.admin.advanceClock(minuteMs);
    }
    const all = await wxpay.v3.global.refunds.get({
      query: { mchid: GLOBAL, out_trade_no: outTradeNo, offset: 0, count: 10 },
    });
    expect(all).toMatchObject({
      mchid: GLOBAL,
      id: transactionId,
      out_trade_no: outTradeNo,
      amount: { total: 100, currency: 'HKD', payer_total: 92, payer_currency: 'CNY' },
      total_num: 3,
      current_total_num: 3,
    });
    expect(all.data.map((entry) => entry.out_refund_no)).toEqual(numbers);
    expect(all.data[0]).toMatchObject({ amount: { refund: 10, currency: 'HKD' }, status: 'SUCCESS' });
    const page = await wxpay.v3.global.refunds.get({
      query: { mchid: GLOBAL, transaction_id: transactionId, offset: 1, count: 1 },
    });
    expect(page).toMatchObject({ total_num: 3, current_total_num: 1 });
    expect(page.data.map((entry) => entry.out_refund_no)).toEqual([numbers[1]]);
    // The SDK refuses a page above 20 before sending.
    const tooMany = await expectValidationError(
      wxpay.v3.global.refunds.get({ query: { mchid: GLOBAL, out_trade_no: outTradeNo, offset: 0, count: 21 } }),
    );
    expect(tooMany).toMatchObject({ field: 'query.count' });
  });

  it('answers a raw node:https client the same list, and 400 PARAM_ERROR for a page above 20', async () => {
    // docs/endpoints.md#list-the-refunds-of-an-order
    const outTradeNo = uniqueNo('RAWLIST');
    await paidOrder(outTradeNo);
    const outRefundNo = uniqueNo('R');
    await wxpay.v3.global.refunds.post({ json: refund(outTradeNo, outRefundNo) });
    const path = `/v3/global/refunds?out_trade_no=${outTradeNo}&count=10&offset=0&mchid=${GLOBAL}`;
    const listed = await raw(GLOBAL, 'GET', path);
    expect(listed.status).toBe(200);
    const viaSdk = await wxpay.v3.global.refunds.get({
      query: { out_trade_no: outTradeNo, count: 10, offset: 0, mchid: GLOBAL },
    });
    expect(listed.body).toEqual(viaSdk);
    const over = await raw(
      GLOBAL,
      'GET',
      `/v3/global/refunds?out_trade_no=${outTradeNo}&count=21&offset=0&mchid=${GLOBAL}`,
    );
    expect(over).toMatchObject({ status: 400, body: { code: 'PARAM_ERROR', detail: { field: 'count' } } });
  });
});

// ---- refund rules ----

describe('refund rules', () => {
  it('requires appid in common mode and sp_appid in institutional mode', async () => {
    // docs/endpoints.md#refund: appid / sp_appid are required.
    const outTradeNo = uniqueNo('APPID');
    await paidOrder(outTradeNo);
    const { appid: _appid, ...withoutAppid } = refund(outTradeNo, uniqueNo('R'));
    const local = await expectValidationError(
      wxpay.v3.global.refunds.post({ json: withoutAppid as unknown as CreateGlobalRefundRequest }),
    );
    expect(local).toMatchObject({ field: '/appid', rule: 'required' });
    const common = await raw(GLOBAL, 'POST', '/v3/global/refunds', withoutAppid);
    expect(common).toMatchObject({ status: 400, body: { code: 'PARAM_ERROR', detail: { field: '/appid' } } });

    const institutional = await raw(INSTITUTION, 'POST', '/v3/global/refunds', {
      sp_mchid: INSTITUTION,
      sub_mchid: GLOBAL,
      out_trade_no: outTradeNo,
      out_refund_no: uniqueNo('R'),
      amount: { refund: 1, total: 100, currency: 'HKD' },
    });
    expect(institutional).toMatchObject({
      status: 400,
      body: { code: 'PARAM_ERROR', detail: { field: '/sp_appid' } },
    });
    // An appid the merchant does not have is refused too.
    const stranger = await raw(GLOBAL, 'POST', '/v3/global/refunds', {
      ...refund(outTradeNo, uniqueNo('R')),
      appid: 'wx0000000000000000',
    });
    expect(stranger).toMatchObject({ status: 400, body: { code: 'APPID_MCHID_NOT_MATCH' } });
  });

  it('refuses a second refund of one order within a minute, and re-enters a resend', async () => {
    // docs/endpoints.md#refund-rules: refunds of one order must be a minute apart.
    const outTradeNo = uniqueNo('MINUTE');
    await paidOrder(outTradeNo);
    const first = refund(outTradeNo, uniqueNo('R'));
    const created = await wxpay.v3.global.refunds.post({ json: first });
    await sandbox.admin.advanceClock(minuteMs - 1000);
    const soon = await expectApiError(wxpay.v3.global.refunds.post({ json: refund(outTradeNo, uniqueNo('R')) }));
    expect(soon).toMatchObject({ status: 429, code: 'FREQUENCY_LIMITED' });
    // The refused refund left nothing behind, and a resend of the first is still the first.
    const again = await wxpay.v3.global.refunds.post({ json: first });
    expect(again.id).toBe(created.id);
    await sandbox.admin.advanceClock(1000);
    const second = await wxpay.v3.global.refunds.post({ json: refund(outTradeNo, uniqueNo('R')) });
    expect(second.status).toBe('PROCESSING');
    const listed = await wxpay.v3.global.refunds.get({
      query: { mchid: GLOBAL, out_trade_no: outTradeNo, offset: 0, count: 20 },
    });
    expect(listed.total_num).toBe(2);
  });

  it('refuses the 51st refund of one order with 400 INVALID_REQUEST', async () => {
    // docs/endpoints.md#refund-rules: at most 50 partial refunds per order.
    const outTradeNo = uniqueNo('FIFTY');
    await paidOrder(outTradeNo);
    for (let i = 0; i < 50; i++) {
      await wxpay.v3.global.refunds.post({ json: refund(outTradeNo, `R${outTradeNo.slice(-20)}${i}`) });
      await sandbox.admin.advanceClock(minuteMs);
    }
    const fiftyFirst = await expectApiError(wxpay.v3.global.refunds.post({ json: refund(outTradeNo, uniqueNo('R')) }));
    expect(fiftyFirst).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    const listed = await wxpay.v3.global.refunds.get({
      query: { mchid: GLOBAL, out_trade_no: outTradeNo, offset: 40, count: 20 },
    });
    expect(listed).toMatchObject({ total_num: 50, current_total_num: 10 });
  });
});

// ---- notifications ----

describe('notifications', () => {
  it('retries on the schedule of the global notification page, and gives up after the last step', async () => {
    // docs/endpoints.md#notifications: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h, 24h4m in all.
    const documented = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];
    expect(retrySchedule).toEqual(documented);
    expect(documented.reduce((sum, seconds) => sum + seconds, 0)).toBe(24 * 3600 + 4 * 60);

    // A plain http loopback notify_url is taken, as the sandbox README says (docs/endpoints.md#notifications).
    const outTradeNo = uniqueNo('RETRY');
    const path = `/failing/${outTradeNo}`;
    await wxpay.v3.global.transactions.native.post({
      json: { mchid: GLOBAL, appid: GLOBAL_APPID, ...orderBody(outTradeNo, `http://127.0.0.1:${httpPort}${path}`) },
    });
    await sandbox.admin.payOrder({ mchid: GLOBAL, outTradeNo });
    const attempts = () => hits.filter((hit) => hit.path === path).length;
    await sandbox.admin.advanceClock(0);
    expect(attempts()).toBe(1);
    for (const [i, seconds] of documented.entries()) {
      await sandbox.admin.advanceClock(seconds * 1000 - 1000);
      expect(attempts(), `retry ${i + 1} is not due a second early`).toBe(i + 1);
      await sandbox.admin.advanceClock(1000);
      expect(attempts(), `retry ${i + 1} comes ${seconds} s after the attempt before`).toBe(i + 2);
    }
    const [delivery] = sandbox.admin.notifications({ state: 'given_up' }).filter((d) => d.url.endsWith(path));
    expect(delivery?.attempts).toHaveLength(documented.length + 1);
    // Sandbox time also runs on in real time while the test runs, so a gap may end a second later than the step.
    const gaps = (delivery?.attempts ?? []).slice(1).map((attempt, i) => attempt.at - (delivery?.attempts[i]?.at ?? 0));
    expect(gaps.map((gap, i) => gap - (documented[i] ?? 0))).toEqual(documented.map(() => expect.toBeOneOf([0, 1])));
    await sandbox.admin.advanceClock(dayMs);
    expect(attempts()).toBe(documented.length + 1);
  });

  it('records a notify_url off this machine as failed, without resolving or contacting its host', async () => {
    // docs/endpoints.md#notifications: the sandbox only ever delivers to loopback addresses.
    const lookups: string[] = [];
    const connects: string[] = [];
    vi.spyOn(dns, 'lookup').mockImplementation(((hostname: string, ...rest: unknown[]) => {
      lookups.push(hostname);
      const callback = rest.at(-1) as (error: Error) => void;
      process.nextTick(() => callback(Object.assign(new Error('DNS is blocked in this test'), { code: 'EBLOCKED' })));
    }) as unknown as typeof dns.lookup);
    const connect = net.Socket.prototype.connect;
    vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
      const options = args[0] as { host?: string } | undefined;
      connects.push(String(typeof options === 'object' ? options?.host : options));
      return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    });

    const outTradeNo = uniqueNo('REMOTE');
    await wxpay.v3.global.transactions.native.post({
      json: { mchid: GLOBAL, appid: GLOBAL_APPID, ...orderBody(outTradeNo, 'https://example.com/wxpay/notify') },
    });
    await sandbox.admin.payOrder({ mchid: GLOBAL, outTradeNo });
    await sandbox.admin.advanceClock(0);
    const [delivery] = sandbox.admin.notifications().filter((d) => d.url === 'https://example.com/wxpay/notify');
    expect(delivery).toMatchObject({ state: 'pending', deliveredAt: null });
    expect(delivery?.attempts).toEqual([
      { at: expect.any(Number), status: null, error: expect.stringMatching(/loopback/) },
    ]);
    expect(lookups).toEqual([]);
    expect(connects.filter((host) => host.includes('example.com'))).toEqual([]);
  });

  it('delivers to https://localhost without a DNS lookup', async () => {
    // docs/endpoints.md#notifications: localhost counts as loopback and is never looked up.
    const lookups: string[] = [];
    vi.spyOn(dns, 'lookup').mockImplementation(((hostname: string, ...rest: unknown[]) => {
      lookups.push(hostname);
      const callback = rest.at(-1) as (error: Error) => void;
      process.nextTick(() => callback(Object.assign(new Error('DNS is blocked in this test'), { code: 'EBLOCKED' })));
    }) as unknown as typeof dns.lookup);
    const outTradeNo = uniqueNo('LOCALHOST');
    const url = `https://localhost:${httpsPort}/notify/${outTradeNo}`;
    await wxpay.v3.global.transactions.native.post({
      json: { mchid: GLOBAL, appid: GLOBAL_APPID, ...orderBody(outTradeNo, url) },
    });
    await sandbox.admin.payOrder({ mchid: GLOBAL, outTradeNo });
    await sandbox.admin.advanceClock(0);
    const [delivery] = sandbox.admin.notifications().filter((d) => d.url === url);
    expect(delivery).toMatchObject({ state: 'delivered' });
    expect(hits).toContainEqual({ path: `/notify/${outTradeNo}`, scheme: 'https' });
    expect(lookups).toEqual([]);
  });
});

// ---- the official examples' ids ----

describe('the official examples run verbatim', () => {
  it('the global merchant takes appid wx8888888888888888, for orders and refunds', async () => {
    // docs/endpoints.md#example-values
    const outTradeNo = uniqueNo('EXAMPLE');
    await paidOrder(outTradeNo, EXAMPLE_APPID);
    const order = await wxpay.v3.global.transactions.outTradeNo._out_trade_no_.get({
      out_trade_no: outTradeNo,
      query: COMMON_QUERY,
    });
    expect(order).toMatchObject({ mchid: GLOBAL, appid: EXAMPLE_APPID, trade_state: 'SUCCESS' });
    const refunded = await wxpay.v3.global.refunds.post({
      json: { ...refund(outTradeNo, uniqueNo('R')), appid: EXAMPLE_APPID },
    });
    expect(refunded.status).toBe('PROCESSING');
  });

  it('the institution takes sp_appid wx8888888888888888 (and sub_appid), as in the refund example', async () => {
    // docs/endpoints.md#example-values: the refund page's field table gives sp_mchid 1900000100, sub_mchid
    // 1900000109, sp_appid and sub_appid wx8888888888888888.
    const outTradeNo = uniqueNo('EXAMPLEI');
    const ids = { sp_mchid: INSTITUTION, sub_mchid: GLOBAL, sp_appid: EXAMPLE_APPID, sub_appid: EXAMPLE_APPID };
    await institution.v3.global.transactions.native.post({ json: { ...ids, ...orderBody(outTradeNo) } });
    const paid = await sandbox.admin.payOrder({ mchid: INSTITUTION, outTradeNo });
    const refunded = await raw(INSTITUTION, 'POST', '/v3/global/refunds', {
      ...ids,
      transaction_id: paid.id,
      out_refund_no: uniqueNo('R'),
      reason: '商品已售完',
      amount: { refund: 100, total: 100, currency: 'HKD' },
    });
    expect(refunded).toMatchObject({
      status: 200,
      body: { sp_mchid: INSTITUTION, sub_mchid: GLOBAL, status: 'PROCESSING' },
    });
  });
});

describe('a data directory seeded before the example appid', () => {
  it('gets wx8888888888888888 bound to the global merchant and the institution on its next start', async () => {
    // docs/endpoints.md#example-values
    const dataDir = mkdtempSync(join(tmpdir(), 'wxpay-sandbox-'));
    try {
      await (await startTestSandbox({ dataDir })).close();
      // Make it look like a directory from before: no example appid, no note that it was bound.
      const store = openStore(dataDir);
      for (const mchid of [GLOBAL, INSTITUTION]) {
        const merchant = store.merchants.get({ mchid });
        if (merchant === undefined) throw new Error(`no ${mchid}`);
        const appids = Object.fromEntries(
          Object.entries(merchant.config.appids).filter(([, a]) => a !== EXAMPLE_APPID),
        );
        store.merchants.update({ mchid }, { config: { ...merchant.config, appids } });
      }
      store.setKv('example-appids', '');
      store.close();

      const restarted = await startTestSandbox({ dataDir, notifyIntervalMs: 3_600_000 });
      const client = restarted.client(INSTITUTION, { maxRetries: 0 });
      try {
        const created = await client.v3.global.transactions.native.post({
          json: {
            sp_mchid: INSTITUTION,
            sub_mchid: GLOBAL,
            sp_appid: EXAMPLE_APPID,
            sub_appid: EXAMPLE_APPID,
            ...orderBody(uniqueNo('UPGRADE')),
          },
        });
        expect(created.code_url).toMatch(/^weixin:/);
      } finally {
        await restarted.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// Last: it moves the sandbox clock a year on.
describe('refund rules over time', () => {
  it('refuses refunds of an order paid more than a year ago with 400 INVALID_REQUEST', async () => {
    // docs/endpoints.md#refund-rules: orders paid more than a year ago cannot be refunded.
    const young = uniqueNo('YEAR');
    const old = uniqueNo('YEAROLD');
    await paidOrder(old);
    await sandbox.admin.advanceClock(365 * dayMs - 2000);
    await paidOrder(young);
    // 365 days less a second after payment: still refundable.
    const inTime = await wxpay.v3.global.refunds.post({ json: refund(old, uniqueNo('R')) });
    expect(inTime.status).toBe('PROCESSING');
    await sandbox.admin.advanceClock(minuteMs);
    const late = await expectApiError(wxpay.v3.global.refunds.post({ json: refund(old, uniqueNo('R')) }));
    expect(late).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    const fresh = await wxpay.v3.global.refunds.post({ json: refund(young, uniqueNo('R')) });
    expect(fresh.status).toBe('PROCESSING');
  });
});
