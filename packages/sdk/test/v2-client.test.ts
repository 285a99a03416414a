// The APIv2 client end to end against a loopback HTTPS server that demands client certificates and re-checks signatures.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignatureVerificationError, ValidationError, Wxpay, WxpayParseError, WxpayResultError } from '../src/index.js';
import { createTestPki, type TestPki } from './support/test-pki.js';
import { startV2Server, type V2Reply, type V2Request, type V2Server } from './support/v2-server.js';
import { replyXml, withV2Sign, workwxSign } from './support/v2-sign.js';

const KEY = 'wxpaySandboxApiV2Key0000000000AB';
const WORKWX_SECRET = 'workwxPaymentSecret0000000000000';
const MCHID = '10000098';

let pki: TestPki;
let server: V2Server;
let handler: (request: V2Request) => V2Reply;
let wxpay: Wxpay;

const sendFields = {
  mch_billno: '100000982026112500000001',
  wxappid: 'wx8888888888888888',
  send_name: 'wxpay',
  re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
  total_amount: 1000,
  total_num: 1,
  wishing: '恭喜发财 & <good> luck',
  client_ip: '192.168.0.1',
  act_name: 'launch',
  remark: 'thanks',
};

const signedSuccess = (fields: Record<string, string>) =>
  replyXml(withV2Sign({ return_code: 'SUCCESS', return_msg: 'OK', result_code: 'SUCCESS', ...fields }, KEY));

beforeAll(async () => {
  pki = await createTestPki();
  server = await startV2Server({ pki, key: KEY, mchid: MCHID, handle: (request) => handler(request) });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.requests.length = 0;
  handler = (request) => ({
    body: replyXml({
      return_code: 'SUCCESS',
      return_msg: 'OK',
      result_code: 'SUCCESS',
      mch_billno: request.fields.mch_billno ?? '',
      send_listid: '1000041701201811253000000000001',
    }),
  });
  wxpay = new Wxpay({
    mchid: MCHID,
    secret: KEY,
    workwxSecret: WORKWX_SECRET,
    merchant: { cert: pki.clientCert, key: pki.clientKey },
    baseURL: server.url,
    ca: pki.caCert,
  });
});

describe('requests', () => {
  it('sends a signed XML request with the client certificate through all three access styles', async () => {
    const a = await wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml: sendFields, security: true });
    const b = await wxpay.chain('v2/mmpaymkttransfers/sendredpack').post({ xml: sendFields, security: true });
    const c = await wxpay['v2/mmpaymkttransfers/sendredpack'].post({ xml: sendFields, security: true });
    for (const data of [a, b, c]) expect(data.send_listid).toBe('1000041701201811253000000000001');
    expect(server.requests).toHaveLength(3);
    for (const request of server.requests) {
      expect(request.path).toBe('/mmpaymkttransfers/sendredpack');
      expect(request.signValid).toBe(true);
      expect(request.clientCertCN).toBe(MCHID);
      expect(request.fields.nonce_str).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(request.fields.wishing).toBe(sendFields.wishing);
      expect(request.fields.total_amount).toBe('1000');
      expect(request.fields.mch_id).toBe(MCHID); // filled from the mchid option
    }
    const nonces = new Set(server.requests.map((request) => request.fields.nonce_str));
    expect(nonces.size).toBe(3);
  });

  it('uses HMAC-SHA256 when an endpoint allows it and sign_type asks for it', async () => {
    // The reply is signed with the algorithm of the request.
    handler = () => ({
      body: replyXml(withV2Sign({ return_code: 'SUCCESS', result_code: 'SUCCESS', detail: 'x' }, KEY, 'HMAC-SHA256')),
    });
    await wxpay.chain('v2/pay/orderquery').post({ xml: { appid: 'wx1', sign_type: 'HMAC-SHA256' }, security: true });
    const request = server.requests[0];
    expect(request?.fields.sign).toMatch(/^[0-9A-F]{64}$/);
    expect(request?.signValid).toBe(true);
  });

  it('computes workwx_sign before sign for WeCom red packets', async () => {
    handler = () => ({ body: signedSuccess({ mch_billno: 'x', send_listid: '1' }) });
    await wxpay.v2.mmpaymkttransfers.sendworkwxredpack.post({
      xml: {
        mch_billno: '100000982026112500000002',
        wxappid: 'wxe062425f740d30d8',
        sender_name: 'HR',
        re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
        total_amount: 1000,
        wishing: 'thanks',
        act_name: 'welcome',
        remark: 'r',
      },
    });
    const request = server.requests[0]!;
    const subset = ['act_name', 'mch_billno', 'mch_id', 'nonce_str', 're_openid', 'total_amount', 'wxappid'];
    expect(request.fields.workwx_sign).toBe(workwxSign(request.fields, subset, WORKWX_SECRET));
    expect(request.signValid).toBe(true); // sign covers workwx_sign: the server's check includes it
  });

  it('refuses a WeCom call without workwxSecret before sending', async () => {
    const bare = new Wxpay({
      mchid: MCHID,
      secret: KEY,
      baseURL: server.url,
      ca: pki.caCert,
      merchant: { cert: pki.clientCert, key: pki.clientKey },
    });
    const error = await bare.v2.mmpaymkttransfers.sendworkwxredpack
      .post({
        xml: {
          mch_billno: 'b1',
          wxappid: 'w',
          re_openid: 'o',
          total_amount: 1000,
          wishing: 'w',
          act_name: 'a',
          remark: 'r',
        },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'workwx_sign' });
    expect(server.requests.every((request) => request.path !== '/mmpaymkttransfers/sendworkwxredpack')).toBe(true);
  });

  it('reuses one TLS connection for 50 sequential certificate calls', async () => {
    const before = server.handshakes();
    for (let i = 0; i < 50; i++) {
      await wxpay.v2.mmpaymkttransfers.gethbinfo.post({
        xml: {
          mch_billno: `10000098202611250000${String(i).padStart(4, '0')}`,
          appid: 'wx8888888888888888',
          bill_type: 'MCHT',
        },
        security: true,
      });
    }
    expect(server.requests).toHaveLength(50);
    expect(server.handshakes() - before).toBe(1);
  });

  it('is answered CA_ERROR without the certificate, or with one from another CA', async () => {
    // An uncatalogued path: the caller decides whether to present the certificate.
    const noCert = wxpay.chain('v2/mmpaymkttransfers/gettransferinfo').post({
      xml: { partner_trade_no: 'b1', appid: 'wx8888888888888888' },
      security: false,
    });
    await expect(noCert).rejects.toMatchObject({ name: 'WxpayResultError', errCode: 'CA_ERROR', outcome: 'fix' });
    const stranger = new Wxpay({
      mchid: MCHID,
      secret: KEY,
      merchant: { cert: pki.otherClientCert, key: pki.otherClientKey },
      baseURL: server.url,
      ca: pki.caCert,
    });
    await expect(
      stranger.v2.mmpaymkttransfers.gethbinfo.post({ xml: { mch_billno: 'b1', appid: 'wx1', bill_type: 'MCHT' } }),
    ).rejects.toMatchObject({ errCode: 'CA_ERROR' });
    await stranger.close();
  });

  it('refuses certificate calls when no merchant certificate is configured, without connecting', async () => {
    const bare = new Wxpay({ mchid: MCHID, secret: KEY, baseURL: server.url, ca: pki.caCert });
    const error = await bare.v2.mmpaymkttransfers.gethbinfo
      .post({ xml: { mch_billno: 'b1', appid: 'wx1', bill_type: 'MCHT' } })
      .catch((caught: unknown) => caught);
    // A configuration error, not a network failure (which would send the call on to the backup host).
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'options.merchant' });
    expect(server.requests).toHaveLength(0);
  });

  it('throws ValidationError naming field and rule before anything is sent', async () => {
    const error = await wxpay.v2.mmpaymkttransfers.sendredpack
      .post({ xml: { ...sendFields, mch_billno: 'has-dash-001' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('mch_billno');
    const secretless = new Wxpay({ baseURL: server.url, ca: pki.caCert });
    await expect(secretless.v2.mmpaymkttransfers.sendredpack.post({ xml: sendFields })).rejects.toMatchObject({
      field: 'options.secret',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('is not thenable and encodes path parameters once', async () => {
    const node: unknown = await wxpay.v2; // must not send a request to /then
    expect(node).toBeDefined();
    handler = () => ({ body: signedSuccess({}) });
    await wxpay.chain('v2/some/{id}/thing').post({ xml: { a: 'b' }, id: 'a/b?c', security: true });
    expect(server.requests.map((request) => request.path)).toEqual(['/some/a%2Fb%3Fc/thing']);
  });
});

describe('replies', () => {
  it('keeps 17+ digit ids as exact strings and exposes the raw response', async () => {
    const detailId = '1000041701201809213000000000000001';
    handler = () => ({
      body: replyXml({
        return_code: 'SUCCESS',
        result_code: 'SUCCESS',
        mch_billno: '100000982026112500000001',
        detail_id: detailId,
        status: 'SENT',
        total_amount: '1000',
      }),
    });
    const { data, response } = await wxpay.v2.mmpaymkttransfers.gethbinfo
      .post({ xml: { mch_billno: '100000982026112500000001', appid: 'wx8888888888888888', bill_type: 'MCHT' } })
      .withResponse();
    expect(data.detail_id).toBe(detailId);
    expect(data.total_amount).toBe('1000');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/xml');
    expect(response.body).toContain(detailId);
  });

  it('accepts an unsigned reply on an endpoint that does not sign', async () => {
    await expect(wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml: sendFields })).resolves.toMatchObject({
      result_code: 'SUCCESS',
    });
  });

  it('verifies signed replies and rejects tampering or a missing sign', async () => {
    const reply = { mch_billno: 'b1', status: 'RECEIVED', amount: '1000' };
    handler = () => ({ body: signedSuccess(reply) });
    const xml = { mch_billno: 'b1', appid: 'wxe062425f740d30d8' };
    await expect(wxpay.v2.mmpaymkttransfers.queryworkwxredpack.post({ xml })).resolves.toMatchObject(reply);
    handler = () => ({ body: signedSuccess(reply).replace('<amount><![CDATA[1000]]>', '<amount><![CDATA[9000]]>') });
    await expect(wxpay.v2.mmpaymkttransfers.queryworkwxredpack.post({ xml })).rejects.toMatchObject({
      name: 'SignatureVerificationError',
      reason: 'sign mismatch',
    });
    handler = () => ({ body: replyXml({ return_code: 'SUCCESS', result_code: 'SUCCESS', ...reply }) });
    await expect(wxpay.v2.mmpaymkttransfers.queryworkwxredpack.post({ xml })).rejects.toBeInstanceOf(
      SignatureVerificationError,
    );
  });

  it('verifies a sign when an uncatalogued endpoint sends one', async () => {
    handler = () => ({
      body: replyXml({ return_code: 'SUCCESS', result_code: 'SUCCESS', sign: 'ABCDEF0123456789ABCDEF0123456789' }),
    });
    await expect(wxpay.chain('v2/pay/unknownthing').post({ xml: { a: '1' }, security: true })).rejects.toBeInstanceOf(
      SignatureVerificationError,
    );
  });

  const hostile: Array<[string, V2Reply]> = [
    [
      'a DOCTYPE',
      { body: '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><a>&x;</a></xml>' },
    ],
    [
      'a billion-laughs payload',
      {
        body: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><return_code>&lol3;</return_code></xml>`,
      },
    ],
    [
      'an HTML error page',
      {
        status: 502,
        body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
        headers: { 'content-type': 'text/html' },
      },
    ],
    ['an HTML page with status 200', { body: '<html><body>maintenance</body></html>' }],
    ['an empty body', { body: '' }],
  ];
  it.each(hostile)('turns %s into WxpayParseError carrying the raw body', async (_, reply) => {
    handler = () => reply;
    const error = await wxpay.v2.mmpaymkttransfers.sendredpack
      .post({ xml: sendFields })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WxpayParseError);
    expect((error as WxpayParseError).body).toBe(reply.body);
  });

  it('surfaces an unknown err_code as WxpayResultError with outcome unknown', async () => {
    handler = () => ({
      body: replyXml({
        return_code: 'SUCCESS',
        result_code: 'FAIL',
        err_code: 'BRAND_NEW_CODE_2026',
        err_code_des: '新的错误',
        mch_billno: sendFields.mch_billno,
      }),
    });
    const error = await wxpay.v2.mmpaymkttransfers.sendredpack
      .post({ xml: sendFields })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WxpayResultError);
    expect(error).toMatchObject({
      returnCode: 'SUCCESS',
      resultCode: 'FAIL',
      errCode: 'BRAND_NEW_CODE_2026',
      errCodeDes: '新的错误',
      outcome: 'unknown',
    });
    expect((error as WxpayResultError).data.mch_billno).toBe(sendFields.mch_billno);
  });

  it('classifies known codes: NOTENOUGH retry, FATAL_ERROR final, SYSTEMERROR unknown', async () => {
    for (const [code, outcome] of [
      ['NOTENOUGH', 'retry'],
      ['FATAL_ERROR', 'final'],
      ['SYSTEMERROR', 'unknown'],
    ]) {
      handler = () => ({ body: replyXml({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: code as string }) });
      await expect(wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml: sendFields })).rejects.toMatchObject({
        errCode: code,
        outcome,
      });
    }
  });

  it('never puts the APIv2 key in error messages', async () => {
    handler = () => ({ body: replyXml({ return_code: 'FAIL', return_msg: '签名错误' }) });
    const error = (await wxpay.v2.mmpaymkttransfers.sendredpack
      .post({ xml: sendFields })
      .catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(WxpayResultError);
    expect(`${error.message} ${error.stack}`).not.toContain(KEY);
  });
});
