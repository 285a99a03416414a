// APIv2 replies as an adversary or a broken network shapes them: a damaged reply never says "did not happen", a signed
// reply carries nothing its signature does not cover, and the algorithm is the one the exchange was signed with.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignatureVerificationError, ValidationError, Wxpay, WxpayParseError, WxpayResultError } from '../src/index.js';
import { rejection } from './support/rejection.js';
import { createTestPki, type TestPki } from './support/test-pki.js';
import { startV2Server, type V2Reply, type V2Request, type V2Server } from './support/v2-server.js';
import { replyXml, withV2Sign } from './support/v2-sign.js';

const KEY = 'v2RepliesTestKey0000000000000000';
const MCHID = '10000098';

let pki: TestPki;
let server: V2Server;
let handler: (request: V2Request) => V2Reply;
let wxpay: Wxpay;

const sendFields = {
  mch_billno: '100000982026113000000001',
  wxappid: 'wx8888888888888888',
  send_name: 'wxpay',
  re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
  total_amount: 1000,
  total_num: 1,
  wishing: 'happy new year',
  client_ip: '192.168.0.1',
  act_name: 'launch',
  remark: 'thanks',
};
const stockFields = { coupon_stock_id: '1757', appid: 'wx5edab3bdfba3dc1c', mch_id: MCHID };

const sendRedpack = () => wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml: sendFields });

beforeAll(async () => {
  pki = await createTestPki();
  server = await startV2Server({ pki, key: KEY, mchid: MCHID, handle: (request) => handler(request) });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  wxpay = new Wxpay({
    mchid: MCHID,
    secret: KEY,
    merchant: { cert: pki.clientCert, key: pki.clientKey },
    baseURL: server.url,
    ca: pki.caCert,
  });
});

describe('a damaged result layer is outcome unknown, never "did not happen"', () => {
  const damaged: Record<string, string> = {
    'return_code missing': '<xml><return_msg>OK</return_msg><result_code>SUCCESS</result_code></xml>',
    'return_code with a trailing space': replyXml({ return_code: 'SUCCESS ', result_code: 'SUCCESS' }),
    'return_code in lower case': replyXml({ return_code: 'success', result_code: 'SUCCESS' }),
    'return_code repeated': '<xml><return_code>SUCCESS</return_code><return_code>SUCCESS</return_code></xml>',
    'return_code nested': '<xml><return_code><a>SUCCESS</a></return_code></xml>',
    'a bare <xml/>': '<xml/>',
    'result_code missing on SUCCESS': replyXml({ return_code: 'SUCCESS', send_listid: '1' }),
    'result_code in lower case': replyXml({ return_code: 'SUCCESS', result_code: 'fail', err_code: 'NOTENOUGH' }),
    'result_code repeated':
      '<xml><return_code>SUCCESS</return_code><result_code>FAIL</result_code><result_code>FAIL</result_code></xml>',
  };

  it.each(Object.keys(damaged))('%s', async (name) => {
    handler = () => ({ body: damaged[name] as string });
    const error = await rejection(sendRedpack());
    expect(error).toBeInstanceOf(WxpayParseError);
    expect(error).toMatchObject({ outcome: 'unknown' });
    expect((error as Error).message).toMatch(/damaged reply/);
  });

  it('still reads an exact FAIL as a result', async () => {
    handler = () => ({ body: replyXml({ return_code: 'FAIL', return_msg: 'bad sign' }) });
    await expect(sendRedpack()).rejects.toMatchObject({ name: 'WxpayResultError', outcome: 'fix' });
    handler = () => ({
      body: replyXml({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: 'busy' }),
    });
    const error = await rejection(sendRedpack());
    expect(error).toBeInstanceOf(WxpayResultError);
    expect(error).toMatchObject({ errCode: 'SYSTEMERROR', outcome: 'unknown' });
  });

  it('cuts text from the network in messages, keeping it whole in data', async () => {
    const forged = `busy\nERROR forged log line ${'x'.repeat(10_000)}`;
    handler = () => ({
      body: replyXml({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: forged }),
    });
    const error = (await rejection(sendRedpack())) as WxpayResultError;
    expect(error.message).not.toContain('\n');
    expect(error.message.length).toBeLessThan(400);
    expect(error.errCodeDes).toBe(forged);
  });

  it('lets an uncatalogued path answer without result_code, but not with a damaged one', async () => {
    handler = () => ({ body: replyXml(withV2Sign({ return_code: 'SUCCESS', sandbox_signkey: 'x' }, KEY)) });
    await expect(
      wxpay.chain('v2/pay/getsignkey').post({ xml: { mch_id: MCHID }, security: true }),
    ).resolves.toMatchObject({
      sandbox_signkey: 'x',
    });
    handler = () => ({ body: replyXml(withV2Sign({ return_code: 'SUCCESS', result_code: 'OK' }, KEY)) });
    await expect(
      wxpay.chain('v2/pay/getsignkey').post({ xml: { mch_id: MCHID }, security: true }),
    ).rejects.toBeInstanceOf(WxpayParseError);
  });
});

describe('signed replies carry only signed data', () => {
  const stockReply = {
    return_code: 'SUCCESS',
    result_code: 'SUCCESS',
    coupon_stock_id: '1757',
    coupon_value: '500',
  };

  it('refuses an element the signature does not cover', async () => {
    const signed = replyXml(withV2Sign(stockReply, KEY));
    // The sign is valid for the flat fields; the nested element rides along unsigned.
    handler = () => ({ body: signed.replace('</xml>', '<extra><is_paid>1</is_paid></extra></xml>') });
    const error = await rejection(wxpay.v2.mmpaymkttransfers.query_coupon_stock.post({ xml: stockFields }));
    expect(error).toBeInstanceOf(SignatureVerificationError);
    expect(error).toMatchObject({ reason: 'unsigned element' });
    expect((error as Error).message).toContain('<extra>');
  });

  it('refuses a repeated signed field (it parses as a list the signature does not cover)', async () => {
    const signed = replyXml(withV2Sign(stockReply, KEY));
    handler = () => ({ body: signed.replace('</xml>', '<coupon_value>1</coupon_value></xml>') });
    await expect(wxpay.v2.mmpaymkttransfers.query_coupon_stock.post({ xml: stockFields })).rejects.toMatchObject({
      reason: 'unsigned element',
    });
  });

  it('refuses an MD5 sign on an HMAC-SHA256 exchange, and the other way round', async () => {
    handler = () => ({ body: replyXml(withV2Sign({ return_code: 'SUCCESS', result_code: 'SUCCESS' }, KEY, 'MD5')) });
    await expect(
      wxpay.chain('v2/pay/orderquery').post({ xml: { appid: 'wx1', sign_type: 'HMAC-SHA256' }, security: true }),
    ).rejects.toMatchObject({ name: 'SignatureVerificationError', reason: 'sign mismatch' });
    handler = () => ({
      body: replyXml(withV2Sign({ return_code: 'SUCCESS', result_code: 'SUCCESS' }, KEY, 'HMAC-SHA256')),
    });
    await expect(
      wxpay.chain('v2/pay/orderquery').post({ xml: { appid: 'wx1' }, security: true }),
    ).rejects.toMatchObject({
      reason: 'sign mismatch',
    });
  });
});

describe('uncatalogued paths verify sign like catalogued ones', () => {
  const success = { return_code: 'SUCCESS', result_code: 'SUCCESS', trade_state: 'SUCCESS' };

  it('refuses a SUCCESS reply without a sign, or with a wrong one', async () => {
    handler = () => ({ body: replyXml(success) });
    await expect(
      wxpay.chain('v2/pay/orderquery').post({ xml: { appid: 'wx1' }, security: true }),
    ).rejects.toMatchObject({
      name: 'SignatureVerificationError',
      reason: 'missing sign',
    });
    handler = () => ({ body: replyXml(withV2Sign(success, 'another key')) });
    await expect(
      wxpay.chain('v2/pay/orderquery').post({ xml: { appid: 'wx1' }, security: true }),
    ).rejects.toMatchObject({
      reason: 'sign mismatch',
    });
    handler = () => ({ body: replyXml(withV2Sign(success, KEY)) });
    await expect(
      wxpay.chain('v2/pay/orderquery').post({ xml: { appid: 'wx1' }, security: true }),
    ).resolves.toMatchObject(success);
  });

  it('accepts an unsigned reply from a path the official docs show unsigned', async () => {
    const transfer = { return_code: 'SUCCESS', result_code: 'SUCCESS', partner_trade_no: 't1', status: 'SUCCESS' };
    handler = () => ({ body: replyXml(transfer) });
    await expect(
      wxpay
        .chain('v2/mmpaymkttransfers/gettransferinfo')
        .post({ xml: { partner_trade_no: 't1', appid: 'wx1' }, security: true }),
    ).resolves.toMatchObject(transfer);
  });

  it('accepts an unsigned reply only when the call opts out explicitly, and only off the catalogue', async () => {
    handler = () => ({ body: replyXml(success) });
    await expect(
      wxpay.chain('v2/pay/orderquery').post({ xml: { appid: 'wx1' }, unsignedReply: true, security: true }),
    ).resolves.toMatchObject(success);
    const refused = await rejection(
      // @ts-expect-error: catalogued paths do not take the option (and refuse it at run time too).
      wxpay.chain('v2/mmpaymkttransfers/query_coupon_stock').post({ xml: stockFields, unsignedReply: true }),
    );
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ field: 'unsignedReply' });
    // @ts-expect-error: APIv3 calls do not take the option (and refuse it at run time too).
    await expect(wxpay.chain('v3/global/certificates').get({ unsignedReply: true })).rejects.toMatchObject({
      field: 'unsignedReply',
    });
  });
});

describe('request options', () => {
  it('refuses security: false on an endpoint that needs the merchant certificate, before sending', async () => {
    const error = await rejection(
      wxpay.v2.mmpaymkttransfers.gethbinfo.post({
        xml: { mch_billno: 'b1', appid: 'wx8888888888888888', bill_type: 'MCHT' },
        security: false,
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'security' });
    expect(server.requests).toHaveLength(0);
  });

  it('sends the package version in the User-Agent', async () => {
    handler = () => ({ body: replyXml(withV2Sign({ return_code: 'SUCCESS', result_code: 'SUCCESS' }, KEY)) });
    await wxpay.v2.mmpaymkttransfers.query_coupon_stock.post({ xml: stockFields });
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(server.requests[0]?.headers['user-agent']).toMatch(
      new RegExp(`^wxpay-node/${version.replaceAll('.', '\\.')} `),
    );
  });
});
