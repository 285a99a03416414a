// The APIv3 client end to end through its public API, against a loopback HTTPS server that re-checks every request
// signature independently and signs (or mis-signs) its replies: requests, reply verification, key refresh, retries,
// sensitive-field encryption, client-side pay signs and the official public-key vector.
import { constants, createPrivateKey, type KeyObject, privateDecrypt, publicEncrypt, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CreateNativeOrderRequest,
  type GlobalTransaction,
  SignatureVerificationError,
  UnknownSerialError,
  ValidationError,
  Wxpay,
  WxpayAPIError,
  type WxpayOptions,
} from '../src/index.js';
import { rejectionOfType as rejection } from './support/rejection.js';
import { useV3Server } from './support/v3-harness.js';
import { checkAuthorization } from './support/v3-keys.js';
import {
  certificateListEntry,
  certificatesReply,
  type RecordedV3Request,
  type V3Reply,
  type V3Request,
} from './support/v3-server.js';

const ORDER_ID = '4200000000202408050000000001';
const OUT_TRADE_NO = '20240805100000000001';
const SUB_MCHID = '1900000109';
const APPID = 'wxdace645e0bc2cXXX';

/** The server's business logic for the current test; the certificates endpoints are answered before it. */
let handler: (request: V3Request) => V3Reply | Promise<V3Reply>;
/** How the server answers `/v3/certificates` and `/v3/global/certificates`. */
let certificatesHandler: (request: V3Request) => V3Reply;
/** The server's clock (reply timestamps, request timestamp check); moved only by the vector test. */
let serverNow: () => number;
const v3 = useV3Server({
  now: () => serverNow(),
  handle: (request) => (isCertificates(request) ? certificatesHandler(request) : handler(request)),
});

const certificatePaths = new Set(['/v3/certificates', '/v3/global/certificates']);

function isCertificates(request: { method: string; path: string }): boolean {
  return request.method === 'GET' && certificatePaths.has(request.path.split('?')[0] ?? '');
}

function certificateRequests(): RecordedV3Request[] {
  return v3.server.requests.filter(isCertificates);
}

function businessRequests(): RecordedV3Request[] {
  return v3.server.requests.filter((request) => !isCertificates(request));
}

function transactionBody(): GlobalTransaction {
  return {
    mchid: v3.keys.mchid,
    appid: APPID,
    id: ORDER_ID,
    out_trade_no: OUT_TRADE_NO,
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    success_time: '2024-08-05T17:33:41+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: 100, currency: 'HKD', payer_total: 89, payer_currency: 'CNY' },
  };
}

function nativeOrder(outTradeNo = OUT_TRADE_NO): CreateNativeOrderRequest {
  return {
    mchid: v3.keys.mchid,
    appid: APPID,
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: outTradeNo,
    notify_url: 'https://merchant.example.com/wxpay/notify',
    trade_type: 'NATIVE',
    merchant_category_code: '4111',
    amount: { total: 100, currency: 'HKD' },
  };
}

/** Both platform certificates: the rotation overlap. */
function platformCerts(): Record<string, string> {
  return {
    [v3.keys.platformOld.serial]: v3.keys.platformOld.pem,
    [v3.keys.platformNew.serial]: v3.keys.platformNew.pem,
  };
}

/** A client of the test server; closed after the test. */
function client(overrides: Partial<WxpayOptions> = {}): Wxpay {
  return v3.client({ certs: platformCerts(), apiv3Key: v3.keys.apiv3Key, ...overrides });
}

/** Nonce and timestamp of a recorded request, read by the test's own Authorization checker. */
function authorizationOf(request: RecordedV3Request): { nonce: string; timestamp: string } {
  const check = checkAuthorization(request.headers.authorization, {
    method: request.method,
    pathAndQuery: request.path,
    body: request.body,
    publicKey: v3.keys.merchant.publicKey,
    mchid: v3.keys.mchid,
    serial: v3.keys.merchant.serial,
  });
  if (!check.ok) throw new Error(`authorization did not verify: ${check.reason}`);
  return { nonce: check.nonce, timestamp: check.timestamp };
}

/** An RSA-OAEP (SHA-1) ciphertext opened with a private key, as WeChat Pay opens sensitive fields. */
function oaepDecrypt(ciphertext: string, privateKey: KeyObject): string {
  return privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(ciphertext, 'base64'),
  ).toString('utf8');
}

beforeEach(() => {
  serverNow = Date.now;
  certificatesHandler = () => ({
    body: certificatesReply(v3.keys.apiv3Key, [v3.keys.platformOld, v3.keys.platformNew].map(certificateListEntry)),
  });
  handler = () => ({ body: JSON.stringify(transactionBody()) });
});

describe('requests', () => {
  it('signs a GET with a query and a POST with a JSON body over the exact bytes sent', async () => {
    handler = (request) =>
      request.method === 'POST'
        ? { body: JSON.stringify({ code_url: 'weixin://wxpay/bizpayurl?pr=abc' }) }
        : { body: JSON.stringify(transactionBody()) };
    const wxpay = client();
    const order = nativeOrder();
    const found = await wxpay.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: v3.keys.mchid } });
    const created = await wxpay.v3.global.transactions.native.post({ json: order });

    expect(found.id).toBe(ORDER_ID);
    expect(created.code_url).toBe('weixin://wxpay/bizpayurl?pr=abc');
    const [get, post] = v3.server.requests;
    expect(v3.server.requests).toHaveLength(2);
    expect(get?.authOk).toBe(true);
    expect(get?.method).toBe('GET');
    expect(get?.path).toBe(`/v3/global/transactions/id/${ORDER_ID}?mchid=${v3.keys.mchid}`);
    expect(get?.body).toBe('');
    expect(post?.authOk).toBe(true);
    expect(post?.method).toBe('POST');
    expect(post?.path).toBe('/v3/global/transactions/native');
    expect(post?.body).toBe(JSON.stringify(order));
    expect(post?.headers['content-type']).toBe('application/json');
    // The signed JSON keeps the non-ASCII characters as UTF-8 bytes, and the signature covers those bytes.
    expect(post?.body).toContain('深圳腾大');
  });

  it('sends Accept, User-Agent and a Wechatpay-Serial naming the key replies should be signed with', async () => {
    const platformOnly = client();
    await platformOnly.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: v3.keys.mchid } });
    const withPublicKey = client({
      certs: { ...platformCerts(), [v3.keys.publicKey.id]: v3.keys.publicKey.publicKeyPem },
    });
    handler = () => ({ body: JSON.stringify(transactionBody()), sign: 'pubkey' });
    await withPublicKey.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: v3.keys.mchid } });

    const [first, second] = v3.server.requests;
    for (const request of [first, second]) {
      expect(request?.authOk).toBe(true);
      expect(request?.headers.accept).toBe('application/json');
      expect(request?.headers['user-agent']).toMatch(/^wxpay-node\/\S+ node\/\S+/);
    }
    // Without a public key: the newest valid platform certificate.
    expect(first?.headers['wechatpay-serial']).toBe(v3.keys.platformNew.serial);
    expect(second?.headers['wechatpay-serial']).toBe(v3.keys.publicKey.id);
  });

  it('uses a fresh nonce and timestamp for every request and every retry', async () => {
    // A clock that moves one second per reading, so a timestamp computed once and reused would show.
    let now = Date.now();
    const clock = () => {
      now += 1000;
      return now;
    };
    let attempt = 0;
    handler = () => {
      attempt++;
      return attempt <= 2
        ? {
            status: 500,
            body: '{"code":"SYSTEM_ERROR","message":"busy"}',
            sign: 'none',
            headers: { 'Retry-After': '0' },
          }
        : { body: JSON.stringify(transactionBody()) };
    };
    const wxpay = client({ clock });
    await wxpay.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: v3.keys.mchid } });
    await wxpay.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: v3.keys.mchid } });

    expect(v3.server.requests).toHaveLength(4);
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
    const signed = v3.server.requests.map(authorizationOf);
    expect(new Set(signed.map((s) => s.nonce)).size).toBe(4);
    expect(new Set(signed.map((s) => s.timestamp)).size).toBe(4);
    for (const { nonce } of signed) expect(nonce).toMatch(/^[0-9A-Za-z]{16,32}$/);
  });

  it('resolves the three access styles and camelCase segments to the same paths', async () => {
    const wxpay = client();
    const query = { mchid: v3.keys.mchid };
    const results = await Promise.all([
      wxpay.v3.global.transactions.id._id_.get({ id: ORDER_ID, query }),
      wxpay.chain('v3/global/transactions/id/{id}').get({ id: ORDER_ID, query }),
      wxpay['v3/global/transactions/id/{id}'].get({ id: ORDER_ID, query }),
    ]);
    const byOutTradeNo = await Promise.all([
      wxpay.v3.global.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: OUT_TRADE_NO, query }),
      wxpay.chain('v3/global/transactions/out-trade-no/{out_trade_no}').get({ out_trade_no: OUT_TRADE_NO, query }),
      wxpay['v3/global/transactions/out-trade-no/{out_trade_no}'].get({ out_trade_no: OUT_TRADE_NO, query }),
      wxpay.v3.global.transactions['out-trade-no']._out_trade_no_.get({ out_trade_no: OUT_TRADE_NO, query }),
    ]);

    for (const data of [...results, ...byOutTradeNo]) expect(data.out_trade_no).toBe(OUT_TRADE_NO);
    const paths = v3.server.requests.map((request) => request.path);
    expect(paths.slice(0, 3)).toEqual(Array(3).fill(`/v3/global/transactions/id/${ORDER_ID}?mchid=${v3.keys.mchid}`));
    expect(paths.slice(3)).toEqual(
      Array(4).fill(`/v3/global/transactions/out-trade-no/${OUT_TRADE_NO}?mchid=${v3.keys.mchid}`),
    );
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
  });

  it('percent-encodes a path parameter exactly once and signs the encoded path', async () => {
    const awkward = 'A B/C%2F?x#y';
    const wxpay = client();
    await wxpay.v3.global.transactions.outTradeNo._out_trade_no_.get({
      out_trade_no: awkward,
      query: { mchid: v3.keys.mchid },
    });
    const [request] = v3.server.requests;
    expect(request?.authOk).toBe(true);
    expect(request?.path).toBe(`/v3/global/transactions/out-trade-no/A%20B%2FC%252F%3Fx%23y?mchid=${v3.keys.mchid}`);
    const segment = request?.path.split('?')[0]?.split('/').at(-1) ?? '';
    expect(decodeURIComponent(segment)).toBe(awkward);
  });

  it('sends the query of common and institutional mode in order, covered by the signature', async () => {
    const wxpay = client();
    await wxpay.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: v3.keys.mchid } });
    await wxpay.v3.global.transactions.id._id_.get({
      id: ORDER_ID,
      query: { sp_mchid: v3.keys.mchid, sub_mchid: SUB_MCHID },
    });
    await wxpay.v3.global.refunds.outRefundNo._out_refund_no_.get({
      out_refund_no: 'R20240805000001',
      query: { sp_mchid: v3.keys.mchid, sub_mchid: SUB_MCHID },
    });
    expect(v3.server.requests.map((request) => request.path)).toEqual([
      `/v3/global/transactions/id/${ORDER_ID}?mchid=${v3.keys.mchid}`,
      `/v3/global/transactions/id/${ORDER_ID}?sp_mchid=${v3.keys.mchid}&sub_mchid=${SUB_MCHID}`,
      `/v3/global/refunds/out-refund-no/R20240805000001?sp_mchid=${v3.keys.mchid}&sub_mchid=${SUB_MCHID}`,
    ]);
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
  });

  it('refuses a bad merchant mode with a ValidationError before sending anything', async () => {
    const wxpay = client();
    const halfInstitutional = await rejection(
      // @ts-expect-error an institutional query needs sub_mchid as well
      wxpay.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { sp_mchid: v3.keys.mchid } }),
      ValidationError,
    );
    expect(halfInstitutional.field).toBe('query.sub_mchid');
    const mixed = await rejection(
      wxpay.chain('v3/global/transactions/id/{id}').get({
        id: ORDER_ID,
        // @ts-expect-error common and institutional ids together
        query: { mchid: v3.keys.mchid, sp_mchid: v3.keys.mchid, sub_mchid: SUB_MCHID },
      }),
      ValidationError,
    );
    expect(mixed.field).toBe('query.sp_mchid');
    const badBody = await rejection(
      wxpay.v3.global.transactions.native.post({ json: { ...nativeOrder(), notify_url: 'http://insecure.example' } }),
      ValidationError,
    );
    expect(badBody.field).toBe('/notify_url');
    expect(v3.server.requests).toHaveLength(0);
  });

  it('refuses calls without privateKey, serial or mchid before sending anything', async () => {
    const query = { mchid: v3.keys.mchid };
    const noKey = await rejection(
      client({ privateKey: undefined }).v3.global.transactions.id._id_.get({ id: ORDER_ID, query }),
      ValidationError,
    );
    expect(noKey.field).toBe('options.privateKey');
    const noSerial = await rejection(
      client({ serial: undefined }).v3.global.transactions.id._id_.get({ id: ORDER_ID, query }),
      ValidationError,
    );
    expect(noSerial.field).toBe('options.serial');
    const noMchid = await rejection(
      client({ mchid: undefined }).v3.global.transactions.id._id_.get({ id: ORDER_ID, query }),
      ValidationError,
    );
    expect(noMchid.field).toBe('options.mchid');
    expect(v3.server.requests).toHaveLength(0);
  });

  it('refuses an APIv3 key that is not exactly 32 bytes at construction', () => {
    const make = (apiv3Key: string) => () => new Wxpay({ apiv3Key });
    for (const bad of ['short', 'x'.repeat(31), 'x'.repeat(33), `${'x'.repeat(31)}张`]) {
      expect(make(bad)).toThrow(ValidationError);
      try {
        make(bad)();
      } catch (error) {
        expect((error as ValidationError).field).toBe('options.apiv3Key');
      }
    }
    // 29 ASCII characters and one 3-byte character: 30 characters, 32 bytes.
    expect(make(`${'x'.repeat(29)}张`)).not.toThrow();
    expect(make(v3.keys.apiv3Key)).not.toThrow();
  });

  it('signs with a PKCS#1 and with a PKCS#8 private key', async () => {
    const pkcs8 = v3.keys.merchant.privateKeyPem;
    const pkcs1 = createPrivateKey(pkcs8).export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs8).toContain('BEGIN PRIVATE KEY');
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    for (const privateKey of [pkcs8, pkcs1, Buffer.from(pkcs1, 'utf8')]) {
      const data = await client({ privateKey }).v3.global.transactions.id._id_.get({
        id: ORDER_ID,
        query: { mchid: v3.keys.mchid },
      });
      expect(data.id).toBe(ORDER_ID);
    }
    expect(v3.server.requests).toHaveLength(3);
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
  });
});

describe('reply verification', () => {
  const lookup = (wxpay: Wxpay) =>
    wxpay.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: v3.keys.mchid } });

  it('verifies replies signed by the old and the new platform certificate during rotation', async () => {
    const wxpay = client();
    for (const sign of ['platform-old', 'platform-new'] as const) {
      handler = () => ({ body: JSON.stringify(transactionBody()), sign });
      expect((await lookup(wxpay)).id).toBe(ORDER_ID);
    }
    expect(certificateRequests()).toHaveLength(0);
  });

  it('verifies with the public key and the platform certificates configured together (migration)', async () => {
    const wxpay = client({ certs: { ...platformCerts(), [v3.keys.publicKey.id]: v3.keys.publicKey.publicKeyPem } });
    for (const sign of ['pubkey', 'platform-new', 'platform-old'] as const) {
      handler = () => ({ body: JSON.stringify(transactionBody()), sign });
      expect((await lookup(wxpay)).id).toBe(ORDER_ID);
    }
    expect(certificateRequests()).toHaveLength(0);
  });

  it('rejects a tampered body, nonce or timestamp as a signature mismatch', async () => {
    const wxpay = client();
    for (const tamper of ['body', 'nonce', 'timestamp'] as const) {
      handler = () => ({ body: JSON.stringify(transactionBody()), tamper });
      const error = await rejection(lookup(wxpay), SignatureVerificationError);
      expect(error.reason).toBe('signature mismatch');
    }
    // Not retried: a bad signature on a 200 is not a transient failure.
    expect(v3.server.requests).toHaveLength(3);
  });

  it('rejects expired and future timestamps, within a configurable tolerance', async () => {
    const strict = client();
    for (const timestampOffset of [-400, 400]) {
      handler = () => ({ body: JSON.stringify(transactionBody()), timestampOffset });
      const error = await rejection(lookup(strict), SignatureVerificationError);
      expect(error.reason).toBe('timestamp skew');
    }
    const tolerant = client({ signatureTolerance: 600 });
    for (const timestampOffset of [-400, 400]) {
      handler = () => ({ body: JSON.stringify(transactionBody()), timestampOffset });
      expect((await lookup(tolerant)).id).toBe(ORDER_ID);
    }
  });

  it('refuses an unusable signatureTolerance at construction, before a request goes out', async () => {
    for (const signatureTolerance of [0, -1, Number.NaN]) {
      let wxpay: Wxpay | undefined;
      try {
        wxpay = client({ signatureTolerance });
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        continue;
      }
      // Today: the order is sent, then verification refuses the configuration.
      await rejection(wxpay.v3.global.transactions.native.post({ json: nativeOrder() }), ValidationError);
      expect(v3.server.requests).toHaveLength(0);
    }
  });

  it('rejects an unsigned 2xx reply: a missing signature is not a pass', async () => {
    handler = () => ({ body: JSON.stringify(transactionBody()), sign: 'none' });
    const error = await rejection(lookup(client()), SignatureVerificationError);
    expect(error.reason).toBe('missing header wechatpay-timestamp');
  });

  it('rejects a WECHATPAY/SIGNTEST probe with the typed error', async () => {
    handler = () => ({
      body: JSON.stringify(transactionBody()),
      signature: 'WECHATPAY/SIGNTEST/NbOCJUJsh+OwbmNM1r3zbNfZtoEMHvoSWsvUnpZbvdE=',
    });
    const error = await rejection(lookup(client()), SignatureVerificationError);
    expect(error.reason).toBe('probe signature');
  });

  it('refreshes the certificates once on an unknown serial, then reports UnknownSerialError', async () => {
    const stranger = { serial: '5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A', privateKey: v3.keys.publicKey.privateKey };
    handler = () => ({ body: JSON.stringify(transactionBody()), sign: stranger });
    const wxpay = client();
    const error = await rejection(lookup(wxpay), UnknownSerialError);
    expect(error.serial).toBe(stranger.serial);
    expect(error.reason).toBe('unknown serial');
    const downloads = certificateRequests();
    expect(downloads).toHaveLength(1);
    expect(downloads[0]?.path).toBe('/v3/global/certificates');
    expect(downloads[0]?.authOk).toBe(true);
    // The business request itself is not resent: only the verification is retried after the refresh.
    expect(businessRequests()).toHaveLength(1);
    // A second unknown serial right away does not hammer the certificates endpoint (rate limited).
    await rejection(lookup(wxpay), UnknownSerialError);
    expect(certificateRequests()).toHaveLength(1);
  });

  it('accepts a reply from a new certificate that the unknown-serial refresh brought in', async () => {
    handler = () => ({ body: JSON.stringify(transactionBody()), sign: 'platform-new' });
    const wxpay = client({ certs: { [v3.keys.platformOld.serial]: v3.keys.platformOld.pem } });
    expect((await lookup(wxpay)).id).toBe(ORDER_ID);
    expect(certificateRequests()).toHaveLength(1);
    expect(wxpay.keyStore.serials()).toContain(v3.keys.platformNew.serial);
    expect((await lookup(wxpay)).id).toBe(ORDER_ID);
    expect(certificateRequests()).toHaveLength(1);
  });

  it('does not download certificates for an unknown public key id', async () => {
    handler = () => ({ body: JSON.stringify(transactionBody()), sign: 'pubkey' });
    const error = await rejection(lookup(client()), UnknownSerialError);
    expect(error.serial).toBe(v3.keys.publicKey.id);
    expect(certificateRequests()).toHaveLength(0);
  });

  it('bootstraps trust by downloading the certificates when only the APIv3 key is configured', async () => {
    const wxpay = client({ certs: undefined });
    expect(wxpay.keyStore.serials()).toEqual([]);
    expect((await lookup(wxpay)).id).toBe(ORDER_ID);
    expect(v3.server.requests.map((request) => request.path.split('?')[0])).toEqual([
      `/v3/global/transactions/id/${ORDER_ID}`,
      '/v3/global/certificates',
    ]);
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
    expect(wxpay.keyStore.serials().sort()).toEqual([v3.keys.platformOld.serial, v3.keys.platformNew.serial].sort());
    expect((await lookup(wxpay)).id).toBe(ORDER_ID);
    expect(certificateRequests()).toHaveLength(1);
    // Once downloaded, requests name the newest certificate.
    expect(v3.server.requests.at(-1)?.headers['wechatpay-serial']).toBe(v3.keys.platformNew.serial);
  });

  it('does not trust a downloaded set whose reply none of its certificates signed', async () => {
    const impostor = { serial: v3.keys.platformNew.serial, privateKey: v3.keys.publicKey.privateKey };
    certificatesHandler = () => ({
      body: certificatesReply(v3.keys.apiv3Key, [v3.keys.platformOld, v3.keys.platformNew].map(certificateListEntry)),
      sign: impostor,
    });
    const wxpay = client({ certs: undefined });
    const error = await rejection(lookup(wxpay), SignatureVerificationError);
    expect(error.reason).toBe('signature mismatch');
    expect(wxpay.keyStore.serials()).toEqual([]);
  });

  it('tells to configure the public key when the merchant has no platform certificates', async () => {
    certificatesHandler = () => ({
      status: 404,
      body: JSON.stringify({
        code: 'RESOURCE_NOT_EXISTS',
        message: '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥',
      }),
    });
    const error = await rejection(lookup(client({ certs: undefined })), WxpayAPIError);
    expect(error.status).toBe(404);
    expect(error.code).toBe('RESOURCE_NOT_EXISTS');
    expect(error.message).toMatch(/public key/i);
    expect(error.message).toContain('PUB_KEY_ID_');
    expect(certificateRequests()).toHaveLength(1);
  });

  it('reports an HTML gateway page as WxpayAPIError after retrying the GET', async () => {
    const html = '<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>';
    handler = () => ({
      status: 502,
      body: html,
      sign: 'none',
      headers: { 'Content-Type': 'text/html', 'Request-ID': 'req-502-gateway', 'Retry-After': '0' },
    });
    const error = await rejection(lookup(client({ maxRetries: 2 })), WxpayAPIError);
    expect(error).not.toBeInstanceOf(SignatureVerificationError);
    expect(error.status).toBe(502);
    expect(error.code).toBeUndefined();
    expect(error.body).toBe(html);
    expect(error.requestId).toBe('req-502-gateway');
    expect(v3.server.requests).toHaveLength(3);
  });

  it('reports an unsigned 404 error object with its code, not as a signature failure', async () => {
    handler = () => ({
      status: 404,
      body: JSON.stringify({ code: 'ORDER_NOT_EXIST', message: '订单不存在' }),
      sign: 'none',
      headers: { 'Request-ID': 'req-404' },
    });
    const error = await rejection(lookup(client()), WxpayAPIError);
    expect(error.status).toBe(404);
    expect(error.code).toBe('ORDER_NOT_EXIST');
    expect(error.apiMessage).toBe('订单不存在');
    expect(error.requestId).toBe('req-404');
    expect(error.message).toContain('ORDER_NOT_EXIST');
    expect(v3.server.requests).toHaveLength(1);
  });

  it('exposes the detail of a signed 400 PARAM_ERROR, and rejects a tampered one', async () => {
    const detail = { field: '/amount/currency', value: 'hkd', issue: 'must be uppercase', location: 'body' };
    const body = JSON.stringify({ code: 'PARAM_ERROR', message: '参数错误', detail });
    handler = () => ({ status: 400, body });
    const wxpay = client();
    const error = await rejection(wxpay.v3.global.transactions.native.post({ json: nativeOrder() }), WxpayAPIError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('PARAM_ERROR');
    expect(error.detail).toEqual(detail);
    expect(error.body).toBe(body);

    handler = () => ({ status: 400, body, tamper: 'body' });
    const forged = await rejection(
      wxpay.v3.global.transactions.native.post({ json: nativeOrder() }),
      SignatureVerificationError,
    );
    expect(forged.reason).toBe('signature mismatch');
  });

  it('resolves a signed 204 (close order) to undefined', async () => {
    handler = () => ({ status: 204, body: '' });
    const wxpay = client();
    const result = await wxpay.v3.global.transactions.outTradeNo._out_trade_no_.close.post({
      out_trade_no: OUT_TRADE_NO,
      json: { mchid: v3.keys.mchid },
    });
    expect(result).toBeUndefined();
    const [request] = v3.server.requests;
    expect(request?.path).toBe(`/v3/global/transactions/out-trade-no/${OUT_TRADE_NO}/close`);
    expect(request?.body).toBe(JSON.stringify({ mchid: v3.keys.mchid }));
    expect(request?.authOk).toBe(true);
  });

  it('.withResponse() exposes status, headers and the raw body', async () => {
    const raw = `{ "id" : "${ORDER_ID}",\n  "out_trade_no": "${OUT_TRADE_NO}", "trade_state": "SUCCESS" }`;
    handler = () => ({ body: raw, headers: { 'Request-ID': 'req-with-response' } });
    const { data, response } = await client()
      .v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: v3.keys.mchid } })
      .withResponse();
    expect(data.id).toBe(ORDER_ID);
    expect(response.status).toBe(200);
    expect(response.body).toBe(raw);
    expect(response.headers['request-id']).toBe('req-with-response');
    expect(response.headers['wechatpay-serial']).toBe(v3.keys.platformNew.serial);
  });
});

describe('retries', () => {
  const transient = (status: number): V3Reply => ({
    status,
    body: JSON.stringify({ code: status === 429 ? 'FREQUENCY_LIMITED' : 'SYSTEM_ERROR', message: 'try again' }),
    sign: 'none',
    headers: { 'Retry-After': '0' },
  });

  it('retries a GET on 500 and 429, then succeeds', async () => {
    const script = [transient(500), transient(429)];
    handler = () => script.shift() ?? { body: JSON.stringify(transactionBody()) };
    const data = await client({ maxRetries: 2 }).v3.global.transactions.id._id_.get({
      id: ORDER_ID,
      query: { mchid: v3.keys.mchid },
    });
    expect(data.id).toBe(ORDER_ID);
    expect(v3.server.requests).toHaveLength(3);
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
  });

  it('retries a GET with the default backoff when no Retry-After is given', async () => {
    const script: V3Reply[] = [{ status: 503, body: '{"code":"SYSTEM_ERROR","message":"busy"}', sign: 'none' }];
    handler = () => script.shift() ?? { body: JSON.stringify(transactionBody()) };
    const data = await client({ maxRetries: 1 }).v3.global.transactions.id._id_.get({
      id: ORDER_ID,
      query: { mchid: v3.keys.mchid },
    });
    expect(data.id).toBe(ORDER_ID);
    expect(v3.server.requests).toHaveLength(2);
  });

  it('retries a create order (idempotent by out_trade_no) with a byte-identical body and a new signature', async () => {
    const script = [transient(500), transient(500)];
    handler = () => script.shift() ?? { body: JSON.stringify({ code_url: 'weixin://wxpay/bizpayurl?pr=retry' }) };
    const created = await client().v3.global.transactions.native.post({ json: nativeOrder() });
    expect(created.code_url).toBe('weixin://wxpay/bizpayurl?pr=retry');
    expect(v3.server.requests).toHaveLength(3);
    const [first, ...rest] = v3.server.requests;
    for (const request of rest) expect(request.body).toBe(first?.body);
    expect(first?.body).toBe(JSON.stringify(nativeOrder()));
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
    const nonces = v3.server.requests.map((request) => authorizationOf(request).nonce);
    expect(new Set(nonces).size).toBe(3);
    expect(new Set(v3.server.requests.map((request) => request.headers.authorization)).size).toBe(3);
  });

  it('does not retry a POST to an uncatalogued path', async () => {
    handler = () => transient(500);
    const error = await rejection(
      client()
        .chain('v3/global/merchant/some-operation')
        .post({ json: { mchid: v3.keys.mchid, amount: 1 } }),
      WxpayAPIError,
    );
    expect(error.status).toBe(500);
    expect(error.code).toBe('SYSTEM_ERROR');
    expect(v3.server.requests).toHaveLength(1);
  });

  it('stops after maxRetries, and maxRetries: 0 disables retries', async () => {
    handler = () => transient(500);
    const lookup = (wxpay: Wxpay) =>
      wxpay.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: v3.keys.mchid } });
    const once = await rejection(lookup(client({ maxRetries: 1 })), WxpayAPIError);
    expect(once.status).toBe(500);
    expect(v3.server.requests).toHaveLength(2);

    v3.server.requests.length = 0;
    await rejection(lookup(client({ maxRetries: 3 })), WxpayAPIError);
    expect(v3.server.requests).toHaveLength(4);

    v3.server.requests.length = 0;
    await rejection(lookup(client({ maxRetries: 0 })), WxpayAPIError);
    expect(v3.server.requests).toHaveLength(1);

    v3.server.requests.length = 0;
    await rejection(
      client({ maxRetries: 0 }).v3.global.transactions.native.post({ json: nativeOrder() }),
      WxpayAPIError,
    );
    expect(v3.server.requests).toHaveLength(1);
  });
});

describe('sensitive fields', () => {
  it('encrypts with the configured WeChat Pay public key and names its id', () => {
    const wxpay = client({ certs: { ...platformCerts(), [v3.keys.publicKey.id]: v3.keys.publicKey.publicKeyPem } });
    const { ciphertext, serial } = wxpay.encrypt('张三');
    expect(serial).toBe(v3.keys.publicKey.id);
    expect(oaepDecrypt(ciphertext, v3.keys.publicKey.privateKey)).toBe('张三');
    // OAEP is randomized: the same name never encrypts to the same text twice.
    expect(wxpay.encrypt('张三').ciphertext).not.toBe(ciphertext);
  });

  it('encrypts with the newest platform certificate when there is no public key', () => {
    const { ciphertext, serial } = client().encrypt('张三');
    expect(serial).toBe(v3.keys.platformNew.serial);
    expect(oaepDecrypt(ciphertext, v3.keys.platformNew.privateKey)).toBe('张三');
  });

  it('refuses to encrypt without any WeChat Pay key', () => {
    expect(() => client({ certs: undefined }).encrypt('张三')).toThrow(ValidationError);
  });

  it('decrypts a field encrypted with the merchant public key', () => {
    const ciphertext = publicEncrypt(
      { key: v3.keys.merchant.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from('13800138000 张三', 'utf8'),
    ).toString('base64');
    expect(client().decrypt(ciphertext)).toBe('13800138000 张三');
    expect(() => client({ privateKey: undefined }).decrypt(ciphertext)).toThrow(ValidationError);
  });
});

describe('client-side pay signs', () => {
  const fixedNow = 1_722_850_421_000;
  const verifyLines = (lines: readonly string[], signature: string) =>
    verify(
      'sha256',
      Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8'),
      { key: v3.keys.merchant.publicKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(signature, 'base64'),
    );

  it('signs JSAPI parameters over appId, timeStamp, nonceStr and package', () => {
    const params = client({ clock: () => fixedNow }).jsapiPayParams({
      appId: APPID,
      prepayId: 'wx201410272009395522657a690389285100',
    });
    expect(params.appId).toBe(APPID);
    expect(params.timeStamp).toBe('1722850421');
    expect(params.package).toBe('prepay_id=wx201410272009395522657a690389285100');
    expect(params.signType).toBe('RSA');
    expect(verifyLines([params.appId, params.timeStamp, params.nonceStr, params.package], params.paySign)).toBe(true);
    expect(verifyLines([params.appId, params.timeStamp, params.nonceStr, 'prepay_id=other'], params.paySign)).toBe(
      false,
    );
  });

  it('signs APP parameters over appid, timestamp, noncestr and the bare prepay id', () => {
    const params = client({ clock: () => fixedNow }).appPayParams({
      appid: APPID,
      prepayid: 'wx201410272009395522657a690389285100',
    });
    expect(params.partnerid).toBe(v3.keys.mchid);
    expect(params.package).toBe('Sign=WXPay');
    expect(params.timestamp).toBe('1722850421');
    expect(verifyLines([params.appid, params.timestamp, params.noncestr, params.prepayid], params.sign)).toBe(true);
  });
});

describe('known-answer vector', () => {
  const vector = {
    serial: 'PUB_KEY_ID_0000000000000024101100397200000006',
    timestamp: '1722850421',
    nonce: 'd824f2e086d3c1df967785d13fcd22ef',
    body: '{"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}',
    signature:
      'mfI1CPqvBrgcXfgXMFjdNIhBf27ACE2YyeWsWV9ZI7T7RU0vHvbQpu9Z32ogzc+k8ZC5n3kz7h70eWKjgqNdKQF0eRp8mVKlmfzMLBVHbssB9jEZEDXThOX1XFqX7s7ymia1hoHQxQagPGzkdWxtlZPZ4ZPvr1RiqkgAu6Is8MZgXXrRoBKqjmSdrP1N7uxzJ/cjfSiis9FiLjuADoqmQ1P7p2N876YPAol7Rn0+GswwAwxldbdLrmVSjfytfSBJFqTMHn4itojgxSWWN1byuckQt8hSTEv/Lg97QoeGniYP17T80pJeQyL3b+295FPHSO2AtvCgyIbKMZ0BALilAA==',
  };
  const publicKeyPem = readFileSync(new URL('./fixtures/pub_key_id_example.pem', import.meta.url), 'utf8');

  const vectorClient = (nowMs: number) => {
    // The server checks request timestamps against its own clock: keep it with the client's.
    serverNow = () => nowMs;
    handler = () => ({
      body: vector.body,
      sign: 'none',
      headers: {
        'Wechatpay-Serial': vector.serial,
        'Wechatpay-Timestamp': vector.timestamp,
        'Wechatpay-Nonce': vector.nonce,
        'Wechatpay-Signature': vector.signature,
      },
    });
    return client({ clock: () => nowMs, certs: { [vector.serial]: publicKeyPem }, apiv3Key: undefined });
  };

  it('verifies the official public-key reply through the client, and refuses it 300 s later', async () => {
    const atSigning = vectorClient(1_722_850_421_000);
    const created = await atSigning.v3.global.transactions.native.post({ json: nativeOrder() });
    expect(created).toEqual({ code_url: 'weixin://wxpay/bizpayurl?pr=JyC91EIz1' });
    expect(v3.server.requests[0]?.authOk).toBe(true);
    expect(v3.server.requests[0]?.headers['wechatpay-serial']).toBe(vector.serial);

    const later = vectorClient(1_722_850_721_000);
    const error = await rejection(
      later.v3.global.transactions.native.post({ json: nativeOrder() }),
      SignatureVerificationError,
    );
    expect(error.reason).toBe('timestamp skew');
    expect(v3.server.requests[1]?.authOk).toBe(true);
  });
});
