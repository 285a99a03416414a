// End-to-end test of the sandbox with a client that is not the wxpay SDK: plain node:https and node:crypto, the
// test-only APIv2 MD5 signing and XML of support/raw-v2-client.ts, its own APIv3 Authorization and reply verification,
// keys read from the sandbox's files on disk (sandbox.json + PEM). It must get the same answers the SDK gets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wxpay } from 'wxpay';
import type { Sandbox } from '../src/sandbox.js';
import {
  CORPID,
  COUPON_APPID,
  GLOBAL,
  GLOBAL_APPID,
  MCH,
  REDPACK_APPID,
  startTestSandbox,
  type TestSandbox,
  ZHANG,
} from './support/fixtures.js';
import { md5Signature, readReply, toXml } from './support/raw-v2-client.js';
import {
  expectV3Signed,
  type Merchant,
  nonce,
  type RawConfig,
  rawClient,
  readDiskConfig,
  type V3Reply,
} from './support/raw-v3-client.js';

// ---- The raw client (support/raw-v3-client.ts), bound to the sandbox's files once they exist. ----

let send: RawClient['send'];
let callV3: RawClient['callV3'];
type RawClient = ReturnType<typeof rawClient>;

// ---- APIv2: MD5 sign and XML ----

type Fields = Record<string, string>;

/** POSTs an APIv2 request: adds `mch_id`, `nonce_str` and `sign` (with `key`, default the merchant's APIv2 key). */
async function postV2(
  path: string,
  fields: Fields,
  options: { merchant: Merchant; clientCert?: boolean; key?: string; rawBody?: string },
): Promise<{ fields: Fields; body: string }> {
  const { merchant } = options;
  const signed: Fields = { mch_id: merchant.mchid, nonce_str: nonce(), ...fields };
  signed.sign = md5Signature(signed, `key=${options.key ?? merchant.secret}`);
  const reply = await send(path, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: options.rawBody ?? toXml(signed),
    ...(options.clientCert ? { clientCert: merchant } : {}),
  });
  expect(reply.status).toBe(200);
  return { fields: readReply(reply.body), body: reply.body };
}

/** Checks a signed APIv2 reply's `sign` (MD5 with the APIv2 key) the client's own way. */
function expectV2Signed(fields: Fields, merchant: Merchant): void {
  expect(fields.sign).toMatch(/^[0-9A-F]{32}$/);
  expect(md5Signature(fields, `key=${merchant.secret}`)).toBe(fields.sign);
}

function errorOf(reply: V3Reply): { code: string; message: string; detail?: Record<string, unknown> } {
  return reply.json as { code: string; message: string; detail?: Record<string, unknown> };
}

// ---- Fixtures ----

let dataDir: string;
let world: TestSandbox;
let sandbox: Sandbox;
let config: RawConfig;
let sdk: Wxpay;
let sdkGlobal: Wxpay;

function merchant(mchid: string): Merchant {
  const found = config.merchants[mchid];
  if (found === undefined) throw new Error(`merchant ${mchid} is not in sandbox.json`);
  return found;
}

let billnoSequence = 0;
/** A fresh `mch_billno`: mch_id + yyyymmdd + 10 digits. */
function newBillno(): string {
  billnoSequence += 1;
  const digits = `${Date.now()}${billnoSequence}`.slice(-10);
  return `${MCH}20250101${digits}`;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wxpay-e2e-raw-'));
  world = await startTestSandbox({ dataDir, rateLimitPerSecond: null });
  sandbox = world.sandbox;
  config = readDiskConfig(dataDir);
  ({ send, callV3 } = rawClient(config));
  sdk = world.client(MCH);
  sdkGlobal = world.client(GLOBAL);
});

afterAll(async () => {
  await world?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the raw client', () => {
  it('reads the same endpoint and merchants from disk as the sandbox reports', () => {
    expect(config.url).toBe(sandbox.url);
    expect(merchant(MCH).serial).toBe(sandbox.merchantConfig(MCH).serial);
    expect(merchant(GLOBAL).platformSerial).toMatch(/^[0-9A-F]+$/);
  });
});

describe('APIv2 with its own MD5 and XML', () => {
  const redpack = (billno: string) =>
    ({
      mch_billno: billno,
      wxappid: REDPACK_APPID,
      send_name: '天虹百货',
      re_openid: ZHANG,
      total_amount: '1000',
      total_num: '1',
      wishing: '感谢您参加猜灯谜活动，祝您元宵节快乐！',
      client_ip: '192.168.0.1',
      act_name: '猜灯谜抢红包活动',
      remark: '猜越多得越多，快来抢！',
      scene_id: 'PRODUCT_8',
    }) as const;

  it('sends and queries a red packet, and the SDK sees the same packet', async () => {
    const mainland = merchant(MCH);
    const billno = newBillno();
    const sent = await postV2('/mmpaymkttransfers/sendredpack', redpack(billno), {
      merchant: mainland,
      clientCert: true,
    });
    expect(sent.fields).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_billno: billno });
    expect(sent.fields.send_listid).toMatch(/^\d{20,32}$/);
    // sendredpack replies carry no sign.
    expect(sent.fields.sign).toBeUndefined();

    const query = { mch_billno: billno, appid: REDPACK_APPID, bill_type: 'MCHT' } as const;
    const raw = await postV2('/mmpaymkttransfers/gethbinfo', query, { merchant: mainland, clientCert: true });
    expect(raw.fields).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', status: 'SENT' });

    const viaSdk = await sdk.v2.mmpaymkttransfers.gethbinfo.post({ xml: { ...query, mch_id: MCH } });
    expect(viaSdk.status).toBe(raw.fields.status);
    expect(viaSdk.detail_id).toBe(raw.fields.detail_id);
    expect(viaSdk.total_amount).toBe('1000');
    // The SDK resending the same billno with the same fields is a re-entry: the same packet, the same send_listid.
    const resent = await sdk.v2.mmpaymkttransfers.sendredpack.post({
      xml: { ...redpack(billno), mch_id: MCH, total_amount: 1000, total_num: 1 },
    });
    expect(resent.send_listid).toBe(sent.fields.send_listid);
    expect(sandbox.admin.redpacks({ mchid: MCH }).filter((p) => p.mch_billno === billno)).toHaveLength(1);
  });

  it('gethbinfo names the packet by the send_listid its send returned (detail_id)', async () => {
    const mainland = merchant(MCH);
    const billno = newBillno();
    const sent = await postV2('/mmpaymkttransfers/sendredpack', redpack(billno), {
      merchant: mainland,
      clientCert: true,
    });
    const viaSdk = await sdk['v2/mmpaymkttransfers/gethbinfo'].post({
      xml: { mch_billno: billno, mch_id: MCH, appid: REDPACK_APPID, bill_type: 'MCHT' },
    });
    expect(viaSdk.detail_id).toBe(sent.fields.send_listid);
  });

  it('queries coupon stock 1757 (signed reply, verified here) with the same answer as the SDK', async () => {
    const mainland = merchant(MCH);
    const query = {
      coupon_stock_id: '1757',
      appid: COUPON_APPID,
      op_user_id: MCH,
      version: '1.0',
      type: 'XML',
    } as const;
    const raw = await postV2('/mmpaymkttransfers/query_coupon_stock', query, { merchant: mainland });
    expect(raw.fields).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      coupon_stock_id: '1757',
      coupon_value: '500',
      coupon_mininumn: '1000',
      coupon_stock_status: '4',
    });
    expectV2Signed(raw.fields, mainland);

    const viaSdk = await sdk['v2/mmpaymkttransfers/query_coupon_stock'].post({ xml: { ...query, mch_id: MCH } });
    for (const name of ['coupon_stock_id', 'coupon_value', 'coupon_total', 'is_send_num', 'begin_time', 'end_time']) {
      expect(viaSdk[name as keyof typeof viaSdk]).toBe(raw.fields[name]);
    }
  });

  it('sends a WeCom red packet with its own workwx_sign and verifies the signed queryworkwxredpack reply', async () => {
    const mainland = merchant(MCH);
    const billno = newBillno();
    const send: Fields = {
      mch_id: MCH,
      nonce_str: nonce(),
      mch_billno: billno,
      wxappid: CORPID,
      sender_name: 'XX活动',
      re_openid: ZHANG,
      total_amount: '1000',
      wishing: '感谢您参加猜灯谜活动，祝您元宵节快乐！',
      act_name: '猜灯谜抢红包活动',
      remark: '猜越多得越多，快来抢！',
    };
    const subset = ['act_name', 'mch_billno', 'mch_id', 'nonce_str', 're_openid', 'total_amount', 'wxappid'];
    send.workwx_sign = md5Signature(send, `secret=${mainland.workwxSecret ?? ''}`, subset);
    const sent = await postV2('/mmpaymkttransfers/sendworkwxredpack', send, { merchant: mainland, clientCert: true });
    expect(sent.fields).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_billno: billno });
    expectV2Signed(sent.fields, mainland);

    const query = { mch_billno: billno, appid: CORPID };
    const raw = await postV2('/mmpaymkttransfers/queryworkwxredpack', query, { merchant: mainland, clientCert: true });
    expect(raw.fields).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      status: 'SENT',
      total_amount: '1000',
      sender_name: 'XX活动',
    });
    expectV2Signed(raw.fields, mainland);
    // A changed value no longer matches the sign: the check covers the fields.
    expect(md5Signature({ ...raw.fields, total_amount: '1001' }, `key=${mainland.secret}`)).not.toBe(raw.fields.sign);

    const viaSdk = await sdk.chain('v2/mmpaymkttransfers/queryworkwxredpack').post({ xml: { ...query, mch_id: MCH } });
    expect(viaSdk.detail_id).toBe(raw.fields.detail_id);
    expect(viaSdk.status).toBe(raw.fields.status);
  });

  it('a request signed with the wrong key gets SIGN_ERROR', async () => {
    const query = { coupon_stock_id: '1757', appid: COUPON_APPID };
    const { fields } = await postV2('/mmpaymkttransfers/query_coupon_stock', query, {
      merchant: merchant(MCH),
      key: 'x'.repeat(32),
    });
    expect(fields).toMatchObject({ return_code: 'FAIL', err_code: 'SIGN_ERROR' });
  });

  it('a body with a DOCTYPE gets XML_ERROR', async () => {
    const mainland = merchant(MCH);
    const evil = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY id SYSTEM "file:///etc/passwd">]>${toXml({
      mch_id: MCH,
      nonce_str: nonce(),
      mch_billno: '&id;',
    })}`;
    const { fields } = await postV2(
      '/mmpaymkttransfers/sendredpack',
      {},
      { merchant: mainland, clientCert: true, rawBody: evil },
    );
    expect(fields).toMatchObject({ return_code: 'FAIL', err_code: 'XML_ERROR' });
    expect(fields.return_msg).not.toMatch(/root:/);
  });

  it('sendredpack without the client certificate gets CA_ERROR and sends nothing', async () => {
    const billno = newBillno();
    const { fields } = await postV2('/mmpaymkttransfers/sendredpack', redpack(billno), {
      merchant: merchant(MCH),
    });
    expect(fields).toMatchObject({ return_code: 'FAIL', err_code: 'CA_ERROR' });
    expect(sandbox.admin.redpacks({ mchid: MCH }).some((p) => p.mch_billno === billno)).toBe(false);
  });
});

describe('APIv3 with its own Authorization and verification', () => {
  const order = (outTradeNo: string) => ({
    mchid: GLOBAL,
    appid: GLOBAL_APPID,
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: outTradeNo,
    notify_url: 'https://127.0.0.1/wxpay/notify',
    trade_type: 'NATIVE',
    merchant_category_code: '4111',
    amount: { total: 100, currency: 'HKD' },
  });

  it('creates and queries a global order, verifying each reply with the platform certificate from disk', async () => {
    const merchant109 = merchant(GLOBAL);
    const outTradeNo = `RAW${Date.now()}`;
    const created = await callV3(merchant109, 'POST', '/v3/global/transactions/native', order(outTradeNo));
    expect(created.status).toBe(200);
    expectV3Signed(created, merchant109);
    expect(created.json).toEqual({ code_url: expect.stringMatching(/^weixin:\/\/wxpay\/bizpayurl\?pr=/) });

    const path = `/v3/global/transactions/out-trade-no/${outTradeNo}?mchid=${GLOBAL}`;
    const queried = await callV3(merchant109, 'GET', path);
    expect(queried.status).toBe(200);
    expectV3Signed(queried, merchant109);
    const raw = queried.json as { id: string; trade_state: string; out_trade_no: string };
    expect(raw).toMatchObject({ out_trade_no: outTradeNo, trade_state: 'NOTPAY' });

    const viaSdk = await sdkGlobal.v3.global.transactions.id._id_.get({ id: raw.id, query: { mchid: GLOBAL } });
    expect(viaSdk).toEqual(queried.json);
  });

  it('a bad signature gets a 401 SIGN_ERROR JSON reply, itself signed', async () => {
    const merchant109 = merchant(GLOBAL);
    const reply = await callV3(
      merchant109,
      'GET',
      `/v3/global/transactions/out-trade-no/X1?mchid=${GLOBAL}`,
      undefined,
      {
        tamper: true,
      },
    );
    expect(reply.status).toBe(401);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(errorOf(reply).code).toBe('SIGN_ERROR');
    expect(reply.headers['request-id']).toMatch(/^[0-9A-F]{32}$/);
    expectV3Signed(reply, merchant109);
  });

  it('amount.total as a string gets PARAM_ERROR naming /amount/total', async () => {
    const merchant109 = merchant(GLOBAL);
    const body = { ...order(`RAWP${Date.now()}`), amount: { total: '100', currency: 'HKD' } };
    const reply = await callV3(merchant109, 'POST', '/v3/global/transactions/native', body);
    expect(reply.status).toBe(400);
    expectV3Signed(reply, merchant109);
    expect(errorOf(reply)).toMatchObject({
      code: 'PARAM_ERROR',
      detail: { field: '/amount/total', value: '100', location: 'body' },
    });
  });
});
