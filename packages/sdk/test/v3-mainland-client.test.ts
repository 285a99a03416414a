// The mainland APIv3 catalogue end to end through the public client, against a loopback HTTPS server that re-checks
// every request signature: each endpoint's request (verb, path, query, body, headers) and typed reply, the payee
// name encrypted for WeChat Pay (opened here with the private key), safe retries, and the multipart image upload.
import { constants, createHash, type KeyObject, privateDecrypt } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type DomesticRefund,
  type MainlandTransaction,
  type MediaUploadReply,
  type PartnerTransaction,
  type TransferBill,
  type TransferBillCreated,
  type TransferBillRequest,
  ValidationError,
  type Wxpay,
  WxpayAPIError,
  type WxpayOptions,
} from '../src/index.js';
import { exampleOrder, exampleTransfer } from './support/mainland-examples.js';
import { rejectionOfType as rejection } from './support/rejection.js';
import { useV3Server } from './support/v3-harness.js';
import { checkAuthorization } from './support/v3-keys.js';
import type { RecordedV3Request, V3Reply, V3Request } from './support/v3-server.js';

const MCHID_SUB = '1900000109';
const APPID = 'wxd678efh567hg6787';
const OUT_TRADE_NO = '1217752501201407033233368018';
const TRANSACTION_ID = '4200000000202501010000000001';

let handler: (request: V3Request) => V3Reply | Promise<V3Reply>;
const v3 = useV3Server({ handle: (request) => handler(request) });

/** A client trusting both platform certificates and the public key, with the APIv3 key; closed after the test. */
function client(overrides: Partial<WxpayOptions> = {}): Wxpay {
  return v3.client({
    certs: {
      [v3.keys.platformOld.serial]: v3.keys.platformOld.pem,
      [v3.keys.platformNew.serial]: v3.keys.platformNew.pem,
      [v3.keys.publicKey.id]: v3.keys.publicKey.publicKeyPem,
    },
    apiv3Key: v3.keys.apiv3Key,
    ...overrides,
  });
}

/** The single request the server saw, checked to carry a valid signature. */
function onlyRequest(): RecordedV3Request {
  expect(v3.server.requests).toHaveLength(1);
  const [request] = v3.server.requests;
  if (request === undefined) throw new Error('no request');
  expect(request.authOk).toBe(true);
  return request;
}

function oaepDecrypt(ciphertext: string, privateKey: KeyObject): string {
  return privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(ciphertext, 'base64'),
  ).toString('utf8');
}

const order = { ...exampleOrder, out_trade_no: OUT_TRADE_NO };

function mainlandTransaction(): MainlandTransaction {
  return {
    appid: APPID,
    mchid: v3.keys.mchid,
    out_trade_no: OUT_TRADE_NO,
    transaction_id: TRANSACTION_ID,
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'CMC',
    success_time: '2025-01-01T10:00:00+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
  };
}

function transferRequest(overrides: Partial<TransferBillRequest> = {}): TransferBillRequest {
  return { ...structuredClone(exampleTransfer), appid: APPID, ...overrides };
}

const transferCreated: TransferBillCreated = {
  out_bill_no: 'plfk2020042013',
  transfer_bill_no: '1330000071100999991182020050700019480001',
  create_time: '2025-01-01T10:00:00+08:00',
  state: 'WAIT_USER_CONFIRM',
  package_info: 'affffddafdfafddffda==',
};

beforeEach(() => {
  handler = () => ({ body: JSON.stringify(mainlandTransaction()) });
});

describe('payments', () => {
  it.each([
    [
      'jsapi',
      { payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } },
      { prepay_id: 'wx201410272009395522657a690389285100' },
    ],
    ['native', {}, { code_url: 'weixin://wxpay/bizpayurl?pr=p4lpSuKzz' }],
    ['app', {}, { prepay_id: 'wx201410272009395522657a690389285100' }],
    [
      'h5',
      { scene_info: { payer_client_ip: '14.23.150.211', h5_info: { type: 'Wap' } } },
      { h5_url: 'https://wx.tenpay.com/x' },
    ],
  ] as const)('creates a direct %s order: POST, the JSON body signed, the reply typed', async (kind, extra, reply) => {
    handler = () => ({ body: JSON.stringify(reply) });
    const json = { ...order, appid: APPID, mchid: v3.keys.mchid, ...extra };
    // The loose style: a template built at run time is not one catalogued path to the type checker.
    const data = await client()
      .chain(`v3/pay/transactions/${kind}` as string)
      .post({ json });
    expect(data).toEqual(reply);
    const request = onlyRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/v3/pay/transactions/${kind}`);
    expect(request.body).toBe(JSON.stringify(json));
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
  });

  it('creates partner orders under v3/pay/partner with the service provider and sub-merchant ids', async () => {
    handler = () => ({ body: JSON.stringify({ prepay_id: 'wx2014' }) });
    const json = {
      ...order,
      sp_appid: APPID,
      sp_mchid: v3.keys.mchid,
      sub_mchid: MCHID_SUB,
      sub_appid: 'wx8888888888888888',
      payer: { sub_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    };
    const { prepay_id } = await client().v3.pay.partner.transactions.jsapi.post({ json });
    expect(prepay_id).toBe('wx2014');
    const request = onlyRequest();
    expect(request.path).toBe('/v3/pay/partner/transactions/jsapi');
    expect(JSON.parse(request.body)).toEqual(json);
  });

  it('queries an order by either number in all three styles, mchid in the signed query', async () => {
    const wxpay = client();
    const query = { mchid: v3.keys.mchid };
    const results: MainlandTransaction[] = await Promise.all([
      wxpay.v3.pay.transactions.id._transaction_id_.get({ transaction_id: TRANSACTION_ID, query }),
      wxpay['v3/pay/transactions/id/{transaction_id}'].get({ transaction_id: TRANSACTION_ID, query }),
      wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: OUT_TRADE_NO, query }),
      wxpay.chain('v3/pay/transactions/out-trade-no/{out_trade_no}').get({ out_trade_no: OUT_TRADE_NO, query }),
    ]);
    for (const data of results) expect(data).toEqual(mainlandTransaction());
    expect(v3.server.requests.every((request) => request.authOk && request.method === 'GET')).toBe(true);
    expect(v3.server.requests.map((request) => request.path).sort()).toEqual(
      [
        `/v3/pay/transactions/id/${TRANSACTION_ID}?mchid=${v3.keys.mchid}`,
        `/v3/pay/transactions/id/${TRANSACTION_ID}?mchid=${v3.keys.mchid}`,
        `/v3/pay/transactions/out-trade-no/${OUT_TRADE_NO}?mchid=${v3.keys.mchid}`,
        `/v3/pay/transactions/out-trade-no/${OUT_TRADE_NO}?mchid=${v3.keys.mchid}`,
      ].sort(),
    );
    expect(v3.server.requests.every((request) => request.body === '')).toBe(true);
  });

  it('queries a partner order with sp_mchid and sub_mchid', async () => {
    const partnerOrder: PartnerTransaction = {
      sp_appid: APPID,
      sp_mchid: v3.keys.mchid,
      sub_mchid: MCHID_SUB,
      out_trade_no: OUT_TRADE_NO,
      trade_state: 'NOTPAY',
      trade_state_desc: '未支付',
    };
    handler = () => ({ body: JSON.stringify(partnerOrder) });
    const data = await client().v3.pay.partner.transactions.outTradeNo._out_trade_no_.get({
      out_trade_no: OUT_TRADE_NO,
      query: { sp_mchid: v3.keys.mchid, sub_mchid: MCHID_SUB },
    });
    expect(data).toEqual(partnerOrder);
    expect(onlyRequest().path).toBe(
      `/v3/pay/partner/transactions/out-trade-no/${OUT_TRADE_NO}?sp_mchid=${v3.keys.mchid}&sub_mchid=${MCHID_SUB}`,
    );
  });

  it('closes an order in both modes: the ids in the body, a signed 204 resolving to undefined', async () => {
    handler = () => ({ status: 204, body: '' });
    const wxpay = client();
    expect(
      await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({
        out_trade_no: OUT_TRADE_NO,
        json: { mchid: v3.keys.mchid },
      }),
    ).toBeUndefined();
    expect(
      await wxpay.v3.pay.partner.transactions.outTradeNo._out_trade_no_.close.post({
        out_trade_no: OUT_TRADE_NO,
        json: { sp_mchid: v3.keys.mchid, sub_mchid: MCHID_SUB },
      }),
    ).toBeUndefined();
    const [direct, partner] = v3.server.requests;
    expect(direct?.path).toBe(`/v3/pay/transactions/out-trade-no/${OUT_TRADE_NO}/close`);
    expect(direct?.body).toBe(JSON.stringify({ mchid: v3.keys.mchid }));
    expect(partner?.path).toBe(`/v3/pay/partner/transactions/out-trade-no/${OUT_TRADE_NO}/close`);
    expect(partner?.body).toBe(JSON.stringify({ sp_mchid: v3.keys.mchid, sub_mchid: MCHID_SUB }));
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
  });

  it('retries a create order (idempotent by out_trade_no) byte-identically, but not an invalid one', async () => {
    let attempts = 0;
    handler = () =>
      ++attempts < 3
        ? {
            status: 500,
            body: '{"code":"SYSTEM_ERROR","message":"busy"}',
            sign: 'none',
            headers: { 'Retry-After': '0' },
          }
        : { body: JSON.stringify({ code_url: 'weixin://wxpay/bizpayurl?pr=retry' }) };
    const json = { ...order, appid: APPID, mchid: v3.keys.mchid };
    expect(await client().v3.pay.transactions.native.post({ json })).toEqual({
      code_url: 'weixin://wxpay/bizpayurl?pr=retry',
    });
    expect(v3.server.requests).toHaveLength(3);
    expect(new Set(v3.server.requests.map((request) => request.body)).size).toBe(1);
    expect(new Set(v3.server.requests.map((request) => request.headers.authorization)).size).toBe(3);

    v3.server.requests.length = 0;
    const error = await rejection(
      client().v3.pay.transactions.native.post({ json: { ...json, out_trade_no: 'short' } }),
      ValidationError,
    );
    expect(error).toMatchObject({ field: '/out_trade_no', rule: 'minLength 6' });
    expect(v3.server.requests).toHaveLength(0);
  });

  it('reports a signed 404 ORDER_NOT_EXIST as WxpayAPIError', async () => {
    handler = () => ({ status: 404, body: JSON.stringify({ code: 'ORDER_NOT_EXIST', message: '订单不存在' }) });
    const error = await rejection(
      client().v3.pay.transactions.outTradeNo._out_trade_no_.get({
        out_trade_no: OUT_TRADE_NO,
        query: { mchid: v3.keys.mchid },
      }),
      WxpayAPIError,
    );
    expect(error).toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
  });
});

describe('refunds', () => {
  const refund: DomesticRefund = {
    refund_id: '50000000382019052709732678859',
    out_refund_no: '1217752501201407033233368018',
    transaction_id: TRANSACTION_ID,
    out_trade_no: OUT_TRADE_NO,
    channel: 'ORIGINAL',
    user_received_account: '招商银行信用卡0403',
    create_time: '2025-01-01T10:00:00+08:00',
    status: 'PROCESSING',
    amount: {
      total: 100,
      refund: 100,
      payer_total: 100,
      payer_refund: 100,
      settlement_refund: 100,
      settlement_total: 100,
      discount_refund: 0,
      currency: 'CNY',
    },
  };

  it('requests a refund and queries it (with sub_mchid in partner mode)', async () => {
    handler = () => ({ body: JSON.stringify(refund) });
    const wxpay = client();
    const json = {
      transaction_id: TRANSACTION_ID,
      out_refund_no: refund.out_refund_no,
      reason: '商品已售完',
      amount: { refund: 100, total: 100, currency: 'CNY' as const },
    };
    expect(await wxpay.v3.refund.domestic.refunds.post({ json })).toEqual(refund);
    expect(await wxpay.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: refund.out_refund_no })).toEqual(
      refund,
    );
    await wxpay['v3/refund/domestic/refunds/{out_refund_no}'].get({
      out_refund_no: refund.out_refund_no,
      query: { sub_mchid: MCHID_SUB },
    });
    const [create, query, partnerQuery] = v3.server.requests;
    expect(create).toMatchObject({ method: 'POST', path: '/v3/refund/domestic/refunds', body: JSON.stringify(json) });
    expect(query).toMatchObject({ method: 'GET', path: `/v3/refund/domestic/refunds/${refund.out_refund_no}` });
    expect(partnerQuery?.path).toBe(`/v3/refund/domestic/refunds/${refund.out_refund_no}?sub_mchid=${MCHID_SUB}`);
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
  });

  it('refuses a refund above the order total before sending', async () => {
    const error = await rejection(
      client().v3.refund.domestic.refunds.post({
        json: { out_trade_no: OUT_TRADE_NO, out_refund_no: 'R1', amount: { refund: 2, total: 1, currency: 'CNY' } },
      }),
      ValidationError,
    );
    expect(error).toMatchObject({ field: '/amount/refund', rule: 'integer <= /amount/total' });
    expect(v3.server.requests).toHaveLength(0);
  });
});

describe('bill applications', () => {
  it('applies for both bills with the query signed', async () => {
    const reply = {
      hash_type: 'SHA1',
      hash_value: '79bb0f45fc4c42234a918000b2668d689e2bde04',
      download_url: 'https://api.mch.weixin.qq.com/v3/billdownload/file?token=xxx',
    };
    handler = () => ({ body: JSON.stringify(reply) });
    const wxpay = client();
    expect(
      await wxpay.v3.bill.tradebill.get({ query: { bill_date: '2019-06-11', bill_type: 'ALL', tar_type: 'GZIP' } }),
    ).toEqual(reply);
    expect(await wxpay.v3.bill.fundflowbill.get({ query: { bill_date: '2019-06-11', account_type: 'BASIC' } })).toEqual(
      reply,
    );
    expect(v3.server.requests.map((request) => request.path)).toEqual([
      '/v3/bill/tradebill?bill_date=2019-06-11&bill_type=ALL&tar_type=GZIP',
      '/v3/bill/fundflowbill?bill_date=2019-06-11&account_type=BASIC',
    ]);
  });
});

describe('merchant transfers', () => {
  it('encrypts user_name with the WeChat Pay public key and names it in Wechatpay-Serial', async () => {
    handler = () => ({ body: JSON.stringify(transferCreated) });
    const wxpay = client();
    const data = await wxpay.v3.fundApp.mchTransfer.transferBills.post({ json: transferRequest() });
    expect(data).toEqual(transferCreated);
    expect(data.package_info).toBe('affffddafdfafddffda==');
    const request = onlyRequest();
    expect(request.path).toBe('/v3/fund-app/mch-transfer/transfer-bills');
    expect(request.headers['wechatpay-serial']).toBe(v3.keys.publicKey.id);
    const sent = JSON.parse(request.body) as Record<string, unknown>;
    expect(sent.user_name).not.toBe('张三');
    expect(oaepDecrypt(sent.user_name as string, v3.keys.publicKey.privateKey)).toBe('张三');
    // Everything else goes as given, in the order given.
    const { user_name: _sent, ...rest } = sent;
    const { user_name: _given, ...given } = transferRequest();
    expect(rest).toEqual(given);
    expect(Object.keys(sent)).toEqual(Object.keys(transferRequest()));
  });

  it('encrypts with the newest platform certificate when no public key is configured', async () => {
    handler = () => ({ body: JSON.stringify(transferCreated) });
    const wxpay = client({
      certs: {
        [v3.keys.platformOld.serial]: v3.keys.platformOld.pem,
        [v3.keys.platformNew.serial]: v3.keys.platformNew.pem,
      },
    });
    await wxpay.chain('v3/fund-app/mch-transfer/transfer-bills').post({ json: transferRequest() });
    const request = onlyRequest();
    expect(request.headers['wechatpay-serial']).toBe(v3.keys.platformNew.serial);
    const sent = JSON.parse(request.body) as { user_name: string };
    expect(oaepDecrypt(sent.user_name, v3.keys.platformNew.privateKey)).toBe('张三');
  });

  it('retries a transfer with the same ciphertext: the resend is byte-identical', async () => {
    let attempts = 0;
    handler = () =>
      ++attempts < 2
        ? {
            status: 503,
            body: '{"code":"SYSTEM_ERROR","message":"busy"}',
            sign: 'none',
            headers: { 'Retry-After': '0' },
          }
        : { body: JSON.stringify(transferCreated) };
    await client().v3.fundApp.mchTransfer.transferBills.post({ json: transferRequest() });
    expect(v3.server.requests).toHaveLength(2);
    expect(v3.server.requests[0]?.body).toBe(v3.server.requests[1]?.body);
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
  });

  it('sends a transfer without a name as given', async () => {
    handler = () => ({ body: JSON.stringify(transferCreated) });
    const json = transferRequest({ transfer_amount: 100, user_name: undefined });
    await client().v3.fundApp.mchTransfer.transferBills.post({ json });
    expect(onlyRequest().body).toBe(JSON.stringify(json));
  });

  it('refuses, before sending: no WeChat Pay key, a ciphertext as the name, a Wechatpay-Serial of another key', async () => {
    const noKey = await rejection(
      client({ certs: undefined }).v3.fundApp.mchTransfer.transferBills.post({ json: transferRequest() }),
      ValidationError,
    );
    expect(noKey.field).toBe('options.certs');
    const wxpay = client();
    const doubled = await rejection(
      wxpay.v3.fundApp.mchTransfer.transferBills.post({
        json: transferRequest({ user_name: wxpay.encrypt('张三').ciphertext }),
      }),
      ValidationError,
    );
    expect(doubled.field).toBe('/user_name');
    expect(doubled.rule).toMatch(/^plaintext \(the SDK encrypts it\): at most \d+ bytes/);
    const otherKey = await rejection(
      wxpay.v3.fundApp.mchTransfer.transferBills.post({
        json: transferRequest(),
        headers: { 'Wechatpay-Serial': v3.keys.platformNew.serial },
      }),
      ValidationError,
    );
    expect(otherKey.field).toBe('headers.wechatpay-serial');
    expect(v3.server.requests).toHaveLength(0);
  });

  it('queries a transfer by either number and cancels one (POST without a body)', async () => {
    const bill: TransferBill = {
      mch_id: v3.keys.mchid,
      out_bill_no: 'plfk2020042013',
      transfer_bill_no: transferCreated.transfer_bill_no,
      appid: APPID,
      state: 'SUCCESS',
      transfer_amount: 400000,
      transfer_remark: '新会员开通有礼',
      openid: 'o-MYE42l80oelYMDE34nYD456Xoy',
      create_time: '2025-01-01T10:00:00+08:00',
      update_time: '2025-01-01T10:00:10+08:00',
    };
    const cancelled = {
      out_bill_no: 'plfk2020042013',
      transfer_bill_no: transferCreated.transfer_bill_no,
      state: 'CANCELING',
      update_time: '2025-01-01T10:00:10+08:00',
    };
    handler = (request) => ({ body: JSON.stringify(request.method === 'POST' ? cancelled : bill) });
    const transfers = client().v3.fundApp.mchTransfer.transferBills;
    expect(await transfers.outBillNo._out_bill_no_.get({ out_bill_no: 'plfk2020042013' })).toEqual(bill);
    expect(
      await transfers.transferBillNo._transfer_bill_no_.get({ transfer_bill_no: transferCreated.transfer_bill_no }),
    ).toEqual(bill);
    expect(await transfers.outBillNo._out_bill_no_.cancel.post({ out_bill_no: 'plfk2020042013' })).toEqual(cancelled);
    const [byOut, byNo, cancel] = v3.server.requests;
    expect(byOut).toMatchObject({
      method: 'GET',
      path: '/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/plfk2020042013',
    });
    expect(byNo).toMatchObject({
      method: 'GET',
      path: `/v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/${transferCreated.transfer_bill_no}`,
    });
    expect(cancel).toMatchObject({
      method: 'POST',
      path: '/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/plfk2020042013/cancel',
      body: '',
    });
    expect(cancel?.headers['content-type']).toBeUndefined();
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
  });
});

describe('image upload', () => {
  // A 1x1 PNG.
  const image = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );
  const uploaded: MediaUploadReply = {
    media_id: 'H1ihR9JUtVj-J7CJqBUY5ZOrG_Je75H-rKhaGqz9K9E4K_XZ4ml4HQd8FRj1bkAmlc1xvmSA1sTB9WZeqO3p7xVQ',
  };

  it('sends multipart/form-data: meta JSON (filename, sha256) then the file, signed over the meta JSON', async () => {
    handler = () => ({ body: JSON.stringify(uploaded) });
    const data = await client().uploadImage({ filename: '营业执照.png', data: image });
    expect(data).toEqual(uploaded);
    const request = onlyRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v3/merchant/media/upload');
    expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=\S+$/);
    const [meta, file, ...others] = request.parts ?? [];
    expect(others).toEqual([]);
    expect(meta?.name).toBe('meta');
    expect(meta?.headers['content-type']).toBe('application/json');
    const expectedMeta = JSON.stringify({
      filename: '营业执照.png',
      sha256: createHash('sha256').update(image).digest('hex'),
    });
    expect(meta?.data.toString('utf8')).toBe(expectedMeta);
    expect(file?.name).toBe('file');
    expect(file?.filename).toBe('营业执照.png');
    expect(file?.headers['content-type']).toBe('image/png');
    expect(file?.data.equals(image)).toBe(true);
    // The signature covers the meta JSON: the same check over the whole body fails.
    const overWholeBody = checkAuthorization(request.headers.authorization, {
      method: 'POST',
      pathAndQuery: request.path,
      body: request.rawBody,
      publicKey: v3.keys.merchant.publicKey,
      mchid: v3.keys.mchid,
      serial: v3.keys.merchant.serial,
    });
    expect(overWholeBody).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('takes the same upload through the chain, and refuses json there and upload elsewhere', async () => {
    handler = () => ({ body: JSON.stringify(uploaded) });
    const wxpay = client();
    const data = await wxpay.v3.merchant.media.upload.post({ upload: { filename: 'a.JPG', data: image } });
    expect(data.media_id).toBe(uploaded.media_id);
    expect(onlyRequest().parts?.[1]?.headers['content-type']).toBe('image/jpeg');
    v3.server.requests.length = 0;
    const withJson = await rejection(
      // @ts-expect-error the upload route takes `upload`
      wxpay.chain('v3/merchant/media/upload').post({ json: { filename: 'a.png' } }),
      ValidationError,
    );
    expect(withJson.field).toBe('upload');
    const elsewhere = await rejection(
      wxpay.chain('v3/refund/domestic/refunds/{out_refund_no}').get({
        out_refund_no: 'R1',
        // @ts-expect-error only the upload route takes `upload`
        upload: { filename: 'a.png', data: image },
      }),
      ValidationError,
    );
    expect(elsewhere.field).toBe('upload');
    const tooBig = await rejection(
      wxpay.uploadImage({ filename: 'big.png', data: new Uint8Array(2 * 1024 * 1024 + 1) }),
      ValidationError,
    );
    expect(tooBig.field).toBe('upload.data');
    expect(v3.server.requests).toHaveLength(0);
  });

  it('retries an upload only when it never reached the server', async () => {
    handler = () => ({ status: 500, body: '{"code":"SYSTEM_ERROR","message":"busy"}', sign: 'none' });
    const error = await rejection(client().uploadImage({ filename: 'a.png', data: image }), WxpayAPIError);
    expect(error.status).toBe(500);
    expect(v3.server.requests).toHaveLength(1);
  });
});
