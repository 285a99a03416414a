// Forged notifications must not make the merchant call WeChat Pay: through the public client and a real loopback
// APIv3 server that counts GET /v3/certificates, every certificate download is single-flight and at most once a minute
// (by the injected clock), whatever triggers it; only an explicit refreshCertificates() skips the interval.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SignatureVerificationError,
  UnknownSerialError,
  Wxpay,
  WxpayAPIError,
  type WxpayOptions,
} from '../src/index.js';
import { rejection } from './support/rejection.js';
import { createTestPki, type TestPki } from './support/test-pki.js';
import { createV3Keys, randomAlphanumeric, signReply, type V3Keys } from './support/v3-keys.js';
import {
  certificateListEntry,
  certificatesReply,
  startV3Server,
  type V3Reply,
  type V3Server,
} from './support/v3-server.js';

const second = 1_000;

let pki: TestPki;
let keys: V3Keys;
let server: V3Server;
/** The one clock of a test: the client signs and verifies with it, and the server checks request timestamps with it. */
let now: number;
/** How the server answers the certificates endpoints in the current test. */
let certificates: () => V3Reply;
let clients: Wxpay[] = [];

const failing = (): V3Reply => ({
  status: 500,
  body: JSON.stringify({ code: 'SYSTEM_ERROR', message: 'certificates unavailable' }),
  sign: 'none',
  // Retries (if any) would not wait: this test counts requests, not time.
  headers: { 'Retry-After': '0' },
});

const working = (): V3Reply => ({
  body: certificatesReply(keys.apiv3Key, [keys.platformOld, keys.platformNew].map(certificateListEntry)),
});

beforeAll(async () => {
  [pki, keys] = await Promise.all([createTestPki(), createV3Keys()]);
  server = await startV3Server({
    pki,
    keys,
    now: () => now,
    handle: (request) =>
      request.path.split('?')[0] === '/v3/certificates'
        ? certificates()
        : { status: 404, body: '{"code":"NOT_FOUND","message":"not a certificates request"}' },
  });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await server.close();
});

beforeEach(async () => {
  server.requests.length = 0;
  now = Date.now();
  certificates = failing;
  await Promise.all(clients.map((client) => client.close()));
  clients = [];
});

function client(overrides: Partial<WxpayOptions> = {}): Wxpay {
  const wxpay = new Wxpay({
    mchid: keys.mchid,
    serial: keys.merchant.serial,
    privateKey: keys.merchant.privateKeyPem,
    apiv3Key: keys.apiv3Key,
    baseURL: server.url,
    ca: pki.caCert,
    clock: () => now,
    ...overrides,
  });
  clients.push(wxpay);
  return wxpay;
}

/** GET /v3/certificates requests the server received (each one signed by the merchant). */
function certificateGets(): number {
  return server.requests.filter((request) => request.method === 'GET' && request.path === '/v3/certificates').length;
}

/**
 * A notification anybody can make: well-formed, current timestamp, a random platform-certificate-like serial, signed
 * with a key that is not WeChat Pay's.
 */
function forgery(): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify({ id: `EV-${randomAlphanumeric(12)}`, event_type: 'TRANSACTION.SUCCESS', resource: {} });
  const timestamp = String(Math.floor(now / 1000));
  const nonce = randomAlphanumeric(32);
  return {
    body,
    headers: {
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Serial': randomAlphanumeric(40).toUpperCase().replace(/[G-Z]/g, 'A'),
      'Wechatpay-Signature': signReply({ timestamp, nonce, body, privateKey: keys.merchant.privateKey }),
    },
  };
}

describe('forged notifications with no platform key and failing downloads', () => {
  it('send at most one GET /v3/certificates a minute, retries included, and fail closed meanwhile', async () => {
    const wxpay = client();
    const errors: unknown[] = [];
    for (let i = 0; i < 30; i++) errors.push(await rejection(wxpay.parseNotification(forgery())));

    expect(certificateGets()).toBe(1);
    // The first forgery waited for the one download and saw it fail; the others never reached the network.
    expect(errors[0]).toBeInstanceOf(WxpayAPIError);
    for (const error of errors.slice(1)) {
      expect(error).toBeInstanceOf(SignatureVerificationError);
      expect((error as SignatureVerificationError).reason).toBe('no platform key');
    }

    now += 59 * second;
    await rejection(wxpay.parseNotification(forgery()));
    expect(certificateGets()).toBe(1);

    now += 2 * second; // 61 s after the first download
    for (let i = 0; i < 5; i++) await rejection(wxpay.parseNotification(forgery()));
    expect(certificateGets()).toBe(2);
  });

  it('share one download when they arrive together, with an explicit refresh too', async () => {
    const wxpay = client();
    const pending = Array.from({ length: 30 }, () => rejection(wxpay.parseNotification(forgery())));
    pending.push(rejection(wxpay.refreshCertificates()));
    const errors = await Promise.all(pending);
    expect(certificateGets()).toBe(1);
    for (const error of errors) expect(error).toBeInstanceOf(WxpayAPIError);
  });

  it('let only an explicit refreshCertificates() skip the interval', async () => {
    const wxpay = client();
    await rejection(wxpay.parseNotification(forgery()));
    expect(certificateGets()).toBe(1);

    await expect(wxpay.refreshCertificates()).rejects.toBeInstanceOf(WxpayAPIError);
    expect(certificateGets()).toBe(2);

    // The explicit download counts as an attempt: forgeries right after it wait a whole interval again.
    now += 59 * second;
    for (let i = 0; i < 5; i++) await rejection(wxpay.parseNotification(forgery()));
    expect(certificateGets()).toBe(2);
  });
});

describe('forged notifications with a configured platform certificate and failing downloads', () => {
  it('send at most one GET /v3/certificates a minute, retries included, and report the unknown serial', async () => {
    const wxpay = client({ certs: { [keys.platformOld.serial]: keys.platformOld.pem } });
    const errors: unknown[] = [];
    for (let i = 0; i < 30; i++) errors.push(await rejection(wxpay.parseNotification(forgery())));
    expect(certificateGets()).toBe(1);
    expect(errors[0]).toBeInstanceOf(WxpayAPIError);
    for (const error of errors.slice(1)) expect(error).toBeInstanceOf(UnknownSerialError);

    now += 61 * second;
    for (let i = 0; i < 5; i++) await rejection(wxpay.parseNotification(forgery()));
    expect(certificateGets()).toBe(2);
  });
});

describe('forged notifications with working downloads', () => {
  it('download once, then are refused as unknown serials without further downloads', async () => {
    certificates = working;
    const wxpay = client();
    for (let i = 0; i < 30; i++) {
      expect(await rejection(wxpay.parseNotification(forgery()))).toBeInstanceOf(UnknownSerialError);
    }
    expect(certificateGets()).toBe(1);
    expect(wxpay.keyStore.serials()).toHaveLength(2);
  });

  it('that are malformed never cause a download', async () => {
    certificates = working;
    const wxpay = client();
    const missingNonce = forgery();
    delete missingNonce.headers['Wechatpay-Nonce'];
    const expired = forgery();
    expired.headers['Wechatpay-Timestamp'] = String(Math.floor(now / 1000) - 3600);
    for (const input of [missingNonce, expired, { headers: {}, body: '{}' }]) {
      expect(await rejection(wxpay.parseNotification(input))).toBeInstanceOf(SignatureVerificationError);
    }
    expect(certificateGets()).toBe(0);
  });
});
