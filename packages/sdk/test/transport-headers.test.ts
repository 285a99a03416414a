// A caller's bad header is a local mistake: a ValidationError before anything is sent, never a network failure that a
// GET retries or that sends the request to the backup host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, Wxpay, WxpayConnectionError } from '../src/index.js';
import { Transport } from '../src/transport.js';
import { timedRejection } from './support/rejection.js';
import { createTestPki, type TestPki } from './support/test-pki.js';
import { startV2Server, type V2Server } from './support/v2-server.js';
import { createV3Keys, type V3Keys } from './support/v3-keys.js';
import { startV3Server, type V3Server } from './support/v3-server.js';

const KEY = 'transportHeadersKey0000000000000';
const MCHID = '10000098';
const ORDER_ID = '4200000000202408050000000001';

let pki: TestPki;
let keys: V3Keys;
let v2: V2Server;
let v3: V3Server;
let v2Client: Wxpay;
let v3Client: Wxpay;

beforeAll(async () => {
  [pki, keys] = await Promise.all([createTestPki(), createV3Keys()]);
  v2 = await startV2Server({ pki, key: KEY, mchid: MCHID });
  v3 = await startV3Server({
    pki,
    keys,
    handle: () => ({ status: 200, body: JSON.stringify({ id: ORDER_ID }) }),
  });
  v2Client = new Wxpay({ mchid: MCHID, secret: KEY, baseURL: v2.url, ca: pki.caCert });
  v3Client = new Wxpay({
    mchid: keys.mchid,
    serial: keys.merchant.serial,
    privateKey: keys.merchant.privateKeyPem,
    certs: { [keys.platformNew.serial]: keys.platformNew.pem },
    baseURL: v3.url,
    ca: pki.caCert,
  });
});

afterAll(async () => {
  await Promise.all([v2Client.close(), v3Client.close(), v2.close(), v3.close()]);
});

/** Bad headers, and the `field` of the ValidationError each must give. */
const BAD_HEADERS: ReadonlyArray<[Record<string, string>, string]> = [
  [{ 'x-a': 'b\r\nc' }, 'headers.x-a'],
  [{ 'x-a': 'b\nx-injected: 1' }, 'headers.x-a'],
  [{ 'x-a': 'nul\u0000byte' }, 'headers.x-a'],
  [{ 'x-a': 'bell\u0007' }, 'headers.x-a'],
  [{ 'x-a': 'wide \u4e2d' }, 'headers.x-a'],
  [{ 'bad name': 'x' }, 'headers["bad name"]'],
  [{ 'x-a\r\nx-b': 'x' }, 'headers["x-a\\r\\nx-b"]'],
  [{ '': 'x' }, 'headers[""]'],
  [{ 'content-length': '5' }, 'headers.content-length'],
  [{ 'Transfer-Encoding': 'chunked' }, 'headers.Transfer-Encoding'],
  [{ expect: '100-continue' }, 'headers.expect'],
];

describe('bad headers are a ValidationError, and nothing is sent', () => {
  it.each(BAD_HEADERS)('APIv2 %j', async (headers, field) => {
    const before = v2.requests.length;
    const handshakes = v2.handshakes();
    const { error } = await timedRejection(
      v2Client.v2.mmpaymkttransfers.query_coupon_stock.post({
        xml: { coupon_stock_id: '1757', appid: 'wx5edab3bdfba3dc1c', mch_id: MCHID },
        headers,
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field });
    expect(v2.requests.length).toBe(before);
    expect(v2.handshakes()).toBe(handshakes);
  });

  it.each(BAD_HEADERS)('APIv3 GET %j, at once (no retries)', async (headers, field) => {
    // v3 sends header names lowercase, so the field names the lowercase form.
    const expected = field.startsWith('headers.') ? field.toLowerCase() : field;
    const before = v3.requests.length;
    const { error, ms } = await timedRejection(
      v3Client.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: keys.mchid }, headers }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: expected });
    expect(v3.requests.length).toBe(before);
    expect(ms).toBeLessThan(200); // retries would wait 250 ms or more
  });

  it('cuts a long hostile header name short in the field', async () => {
    const name = `bad name ${'x'.repeat(10_000)}`;
    const { error } = await timedRejection(
      v2Client.v2.mmpaymkttransfers.query_coupon_stock.post({
        xml: { coupon_stock_id: '1757', appid: 'wx5edab3bdfba3dc1c', mch_id: MCHID },
        headers: { [name]: 'x' },
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field.length).toBeLessThan(100);
    expect((error as ValidationError).message.length).toBeLessThan(300);
  });

  it('still sends good headers, the caller overriding a default whatever its case', async () => {
    // Only what reached the server matters here, not how the test server's reply reads.
    const before = v2.requests.length;
    await v2Client.v2.mmpaymkttransfers.query_coupon_stock
      .post({
        xml: { coupon_stock_id: '1757', appid: 'wx5edab3bdfba3dc1c', mch_id: MCHID },
        headers: { 'X-Trace': 'a\tb obs-text \u00e9', 'User-Agent': 'merchant-app/1.0' },
      })
      .catch(() => undefined);
    expect(v2.requests.length).toBe(before + 1);
    const seen = v2.requests.at(-1)?.headers;
    expect(seen?.['x-trace']).toBe('a\tb obs-text \u00e9'); // sent and read as Latin-1
    expect(seen?.['user-agent']).toBe('merchant-app/1.0');
  });
});

describe("undici's own argument errors", () => {
  it('are not network failures: a ValidationError, nothing sent, no backup host', async () => {
    const transport = new Transport({ ca: pki.caCert, timeout: 2000, maxBodyBytes: 1024 });
    const before = v2.requests.length;
    for (const request of [
      { method: 'POST', path: 'no-leading-slash' },
      { method: 'BAD METHOD', path: '/mmpaymkttransfers/query_coupon_stock' },
    ]) {
      const { error } = await timedRejection(
        transport.send({ ...request, origins: [v2.url, v2.url], headers: {}, body: '<xml/>', security: false }),
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).not.toBeInstanceOf(WxpayConnectionError);
    }
    expect(v2.requests.length).toBe(before);
    await transport.close();
  });
});
