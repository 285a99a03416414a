// The HTTP control API's refusals, one class each: no such thing is 404 NOT_FOUND, a thing in the wrong state is 409
// INVALID_STATE, bad input is 400 INVALID_REQUEST, every one with a message naming what is wrong, and none of them
// changing anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wxpay } from 'wxpay';
import {
  type AdminReply,
  adminHttp,
  GLOBAL,
  GLOBAL_APPID,
  MCH,
  redpack,
  startTestSandbox,
  type TestSandbox,
  uniqueNo,
} from './support/fixtures.js';

/** A merchant that does not exist. */
const NOBODY = '10000001';

let world: TestSandbox;
let mainland: Wxpay;
let global: Wxpay;

beforeAll(async () => {
  world = await startTestSandbox({ notifyIntervalMs: 3_600_000 });
  mainland = world.client(MCH);
  global = world.client(GLOBAL);
});

afterAll(async () => {
  await world?.close();
});

const admin = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<AdminReply> =>
  adminHttp(world.sandbox, method, path, body);

/** Asserts the refusal's status and code, and that its message mentions `words`. */
function expectRefused(reply: AdminReply, status: number, code: string, words: RegExp): void {
  expect(reply.status, JSON.stringify(reply.json).slice(0, 300)).toBe(status);
  expect(reply.json).toMatchObject({ code, message: expect.stringMatching(words) });
}

async function sentPacket(): Promise<string> {
  const request = redpack({ total_amount: 200 });
  await mainland.v2.mmpaymkttransfers.sendredpack.post({ xml: request });
  return request.mch_billno;
}

async function unpaidOrder(): Promise<string> {
  const outTradeNo = uniqueNo('ADM');
  await global.v3.global.transactions.native.post({
    json: {
      mchid: GLOBAL,
      appid: GLOBAL_APPID,
      description: 'Image形象店-深圳腾大-QQ公仔',
      out_trade_no: outTradeNo,
      notify_url: 'https://127.0.0.1:1/notify',
      trade_type: 'NATIVE',
      merchant_category_code: '4111',
      amount: { total: 100, currency: 'HKD' },
    },
  });
  return outTradeNo;
}

const balance = () => world.sandbox.admin.balance(MCH).balance;

describe('404 NOT_FOUND: no such merchant, packet, order', () => {
  it('answers for an unknown red packet, order, merchant, and a parent merchant that does not exist', async () => {
    expectRefused(
      await admin('POST', '/_sandbox/redpacks/open', { mchid: MCH, mch_billno: '100000982025010199999999' }),
      404,
      'NOT_FOUND',
      /no red packet/,
    );
    expectRefused(
      await admin('POST', '/_sandbox/orders/pay', { mchid: GLOBAL, out_trade_no: 'NO_SUCH_ORDER' }),
      404,
      'NOT_FOUND',
      /no such order/,
    );
    expectRefused(
      await admin('POST', '/_sandbox/merchants/topup', { mchid: NOBODY, amount: 100 }),
      404,
      'NOT_FOUND',
      new RegExp(NOBODY),
    );
    expectRefused(
      await admin('GET', `/_sandbox/merchants/balance?mchid=${NOBODY}`),
      404,
      'NOT_FOUND',
      new RegExp(NOBODY),
    );
    expectRefused(
      await admin('POST', '/_sandbox/coupon-stocks', { mchid: NOBODY, value: 100, total: 10 }),
      404,
      'NOT_FOUND',
      new RegExp(NOBODY),
    );
    expectRefused(
      await admin('POST', '/_sandbox/merchants', { mchid: '10000002', parentMchid: NOBODY }),
      404,
      'NOT_FOUND',
      /parent merchant/,
    );
    expect(world.sandbox.admin.redpacks({ mchid: NOBODY })).toEqual([]);
    expect(() => world.sandbox.merchantConfig('10000002')).toThrow();
  });
});

describe('409 INVALID_STATE: the thing exists, but not in a state that allows this', () => {
  it('refuses to open a packet twice, and keeps it RECEIVED', async () => {
    const billno = await sentPacket();
    const opened = await admin('POST', '/_sandbox/redpacks/open', { mchid: MCH, mch_billno: billno });
    expect(opened.status).toBe(200);
    expectRefused(
      await admin('POST', '/_sandbox/redpacks/open', { mchid: MCH, mch_billno: billno }),
      409,
      'INVALID_STATE',
      /RECEIVED/,
    );
    expect(world.sandbox.admin.redpacks({ mchid: MCH }).find((row) => row.mch_billno === billno)?.status).toBe(
      'RECEIVED',
    );
  });

  it('refuses to pay a paid order, and to create a merchant, a user or a coupon stock that exists', async () => {
    const outTradeNo = await unpaidOrder();
    expect((await admin('POST', '/_sandbox/orders/pay', { mchid: GLOBAL, out_trade_no: outTradeNo })).status).toBe(200);
    expectRefused(
      await admin('POST', '/_sandbox/orders/pay', { mchid: GLOBAL, out_trade_no: outTradeNo }),
      409,
      'INVALID_STATE',
      /SUCCESS/,
    );
    expectRefused(await admin('POST', '/_sandbox/merchants', { mchid: MCH }), 409, 'INVALID_STATE', /already exists/);
    // The seeded 张三 belongs to 10000098.
    expectRefused(
      await admin('POST', '/_sandbox/merchants', {
        mchid: '10000003',
        appids: { redpack: 'wx0303030303030303' },
        users: [{ openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E' }],
      }),
      409,
      'INVALID_STATE',
      /already exists/,
    );
    expect(() => world.sandbox.merchantConfig('10000003')).toThrow();
    expectRefused(
      await admin('POST', '/_sandbox/coupon-stocks', { mchid: MCH, coupon_stock_id: '1757', value: 100, total: 1 }),
      409,
      'INVALID_STATE',
      /already exists/,
    );
  });
});

describe('400 INVALID_REQUEST: bad input', () => {
  it('names the field that is missing, malformed or out of range, and changes nothing', async () => {
    const before = balance();
    const refusals: [AdminReply, RegExp][] = [
      [await admin('POST', '/_sandbox/redpacks/open', { mchid: MCH }), /mch_billno is required/],
      [await admin('GET', '/_sandbox/redpacks?status=OPENED'), /status must be one of/],
      [await admin('POST', '/_sandbox/merchants/topup', { mchid: MCH, amount: 0 }), /amountFen/],
      [await admin('POST', '/_sandbox/merchants/topup', { mchid: MCH, amount: 'lots' }), /amount must be a number/],
      [await admin('POST', '/_sandbox/clock/advance', { seconds: -1 }), /ms must be a whole number/],
      [await admin('POST', '/_sandbox/faults', { systemErrorRate: 2 }), /systemErrorRate/],
      [await admin('POST', '/_sandbox/orders/pay', { mchid: GLOBAL }), /by id or outTradeNo/],
      [await admin('POST', '/_sandbox/orders/pay', { mchid: GLOBAL, id: '1', outcome: 'MAYBE' }), /outcome/],
      [await admin('POST', '/_sandbox/merchants', { mchid: 'abc' }), /mchid must be 6 to 32 digits/],
      [await admin('POST', '/_sandbox/merchants', { mchid: '10000004', kind: 'moon' }), /kind must be/],
      [await admin('POST', '/_sandbox/merchants', { mchid: '10000004', appids: { redpack: 1 } }), /appids/],
      [await admin('POST', '/_sandbox/merchants', { mchid: '10000004', users: 'everyone' }), /users/],
      [await admin('POST', '/_sandbox/merchants', { mchid: '10000004', users: [{ name: 'x' }] }), /openid/],
      [await admin('POST', '/_sandbox/merchants', { mchid: '10000004', balance: -1 }), /balance/],
      [await admin('POST', '/_sandbox/coupon-stocks', { mchid: MCH, value: 0, total: 1 }), /value/],
    ];
    for (const [reply, words] of refusals) expectRefused(reply, 400, 'INVALID_REQUEST', words);
    expect(balance()).toBe(before);
    expect(world.sandbox.admin.faults().systemErrorRate).toBe(0);
    expect(() => world.sandbox.merchantConfig('10000004')).toThrow();
  });
});
