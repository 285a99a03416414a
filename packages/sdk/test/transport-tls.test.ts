// Transport TLS and credentials: server verification cannot be switched off (environment or `merchant` extras), a
// missing merchant certificate is a configuration error, and printing a transport never shows certificate material.
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, Wxpay, WxpayConnectionError } from '../src/index.js';
import { type MerchantCredentials, Transport } from '../src/transport.js';
import { createTestPki, type TestPki } from './support/test-pki.js';
import { startV2Server, type V2Server } from './support/v2-server.js';

const KEY = 'transportTlsTestKey0000000000000';
const MCHID = '10000098';
let pki: TestPki;
let server: V2Server;

beforeAll(async () => {
  pki = await createTestPki();
  server = await startV2Server({ pki, key: KEY, mchid: MCHID });
});
afterAll(() => server.close());

/** Runs `action` with NODE_TLS_REJECT_UNAUTHORIZED set to '0', restoring the previous value afterwards. */
async function withVerificationDisabledByEnvironment<T>(action: () => Promise<T>): Promise<T> {
  const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  try {
    return await action();
  } finally {
    if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
  }
}

// OpenSSL's verdicts for a certificate that does not chain to a trusted root.
const CERTIFICATE_ERROR = /CERT|SIGNATURE|ISSUER/;

describe('server certificate verification', () => {
  it('stays on when NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
    const wxpay = new Wxpay({ secret: KEY, baseURL: server.url }); // no `ca`: the test CA is not trusted
    const before = server.requests.length;
    const error = await withVerificationDisabledByEnvironment(() =>
      wxpay.v2.mmpaymkttransfers.query_coupon_stock
        .post({ xml: { coupon_stock_id: '1757', appid: 'wx5edab3bdfba3dc1c', mch_id: MCHID } })
        .catch((caught: unknown) => caught),
    );
    expect(error).toBeInstanceOf(WxpayConnectionError);
    expect(error).toMatchObject({ sent: false, code: expect.stringMatching(CERTIFICATE_ERROR) });
    expect(server.requests.length).toBe(before);
    await wxpay.close();
  });

  it('stays on for the merchant-certificate connection when extra `merchant` properties reach the transport', async () => {
    // The client refuses such options (below); the transport must not depend on that check.
    const merchant = { cert: pki.clientCert, key: pki.clientKey, rejectUnauthorized: false } as MerchantCredentials;
    const transport = new Transport({ merchant, timeout: 2000, maxBodyBytes: 64 * 1024 });
    const before = server.requests.length;
    const error = await transport
      .send({
        method: 'POST',
        origins: [server.url],
        path: '/mmpaymkttransfers/gethbinfo',
        headers: {},
        body: '<xml></xml>',
        security: true,
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WxpayConnectionError);
    expect(error).toMatchObject({ sent: false, code: expect.stringMatching(CERTIFICATE_ERROR) });
    expect(server.requests.length).toBe(before);
    await transport.close();
  });
});

describe('the merchant option', () => {
  it('refuses keys other than cert, key, pfx and passphrase at construction', () => {
    const merchant = { cert: pki.clientCert, key: pki.clientKey, rejectUnauthorized: false };
    const error = (() => {
      try {
        new Wxpay({ secret: KEY, merchant: merchant as MerchantCredentials });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      field: 'options.merchant.rejectUnauthorized',
      rule: 'unknown key: only cert, key, pfx, passphrase',
    });
    expect(() => new Wxpay({ merchant: { pfx: Buffer.from('x'), passphrase: 'p', ca: 'x' } as never })).toThrow(
      expect.objectContaining({ field: 'options.merchant.ca' }),
    );
  });

  it('refuses a merchant that is not a plain object', () => {
    class Credentials {
      cert = pki.clientCert;
      key = pki.clientKey;
    }
    for (const merchant of [new Credentials(), 'cert.pem', [pki.clientCert, pki.clientKey], null]) {
      expect(() => new Wxpay({ merchant: merchant as never }), String(merchant)).toThrow(
        expect.objectContaining({ name: 'ValidationError', field: 'options.merchant' }),
      );
    }
  });

  it('still accepts { cert, key } and { pfx, passphrase }', () => {
    expect(() => new Wxpay({ merchant: { cert: pki.clientCert, key: pki.clientKey } })).not.toThrow();
    expect(() => new Wxpay({ merchant: { pfx: Buffer.from('x'), passphrase: 'p' } })).not.toThrow();
    expect(() => new Wxpay({ merchant: Object.assign(Object.create(null), { pfx: Buffer.from('x') }) })).not.toThrow();
  });
});

describe('a call that needs the merchant certificate when none is configured', () => {
  it('is a ValidationError naming options.merchant, and no host (the backup neither) is tried', async () => {
    const wxpay = new Wxpay({ mchid: MCHID, secret: KEY, baseURL: server.url, ca: pki.caCert });
    const before = server.requests.length;
    const error = await wxpay.v2.mmpaymkttransfers.gethbinfo
      .post({ xml: { mch_billno: 'b1', appid: 'wx1', bill_type: 'MCHT' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'options.merchant' });
    expect((error as ValidationError).rule).toMatch(/^required: this call presents the merchant API certificate/);
    expect(server.requests.length).toBe(before);

    const transport = new Transport({ ca: pki.caCert, timeout: 2000, maxBodyBytes: 1024 });
    const handshakes = server.handshakes();
    await expect(
      transport.send({
        method: 'POST',
        origins: [server.url, server.url],
        path: '/mmpaymkttransfers/gethbinfo',
        headers: {},
        body: '<xml></xml>',
        security: true,
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(server.handshakes()).toBe(handshakes);
    await Promise.all([transport.close(), wxpay.close()]);
  });
});

describe('certificate material that does not load', () => {
  it('is a ValidationError naming the option, never a raw TLS error, and nothing is sent', async () => {
    const before = server.requests.length;
    const badKey = new Wxpay({
      mchid: MCHID,
      secret: KEY,
      baseURL: server.url,
      ca: pki.caCert,
      merchant: { cert: pki.clientCert, key: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' },
    });
    await expect(
      badKey.v2.mmpaymkttransfers.gethbinfo.post({ xml: { mch_billno: 'b1', appid: 'wx1', bill_type: 'MCHT' } }),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'options.merchant' });
    const wrongPassphrase = new Wxpay({
      mchid: MCHID,
      secret: KEY,
      baseURL: server.url,
      ca: pki.caCert,
      merchant: { pfx: Buffer.from('not a PKCS#12 bundle'), passphrase: 'x' },
    });
    await expect(
      wrongPassphrase.v2.mmpaymkttransfers.gethbinfo.post({
        xml: { mch_billno: 'b1', appid: 'wx1', bill_type: 'MCHT' },
      }),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'options.merchant' });
    // A CA that is no certificate would be skipped silently by TLS: refused when the client is built.
    expect(() => new Wxpay({ baseURL: server.url, ca: 'not a certificate' })).toThrow(
      expect.objectContaining({ name: 'ValidationError', field: 'options.ca' }),
    );
    const brokenBlock = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(() => new Wxpay({ ca: [pki.caCert, brokenBlock] })).toThrow(
      expect.objectContaining({ field: 'options.ca' }),
    );
    expect(() => new Wxpay({ ca: `${pki.caCert}\n${pki.caCert}` })).not.toThrow();
    expect(server.requests.length).toBe(before);
  });
});

describe('printing a transport', () => {
  const pem = () => [pki.clientCert, pki.clientKey];

  it('shows settings and booleans, never certificate, key or passphrase', () => {
    const transport = new Transport({
      merchant: { cert: pki.clientCert, key: pki.clientKey },
      ca: pki.caCert,
      timeout: 1234,
      maxBodyBytes: 4096,
    });
    const views = [
      inspect(transport, { depth: 10, showHidden: true }),
      JSON.stringify(transport),
      JSON.stringify({ ...transport }),
      inspect({ ...transport }, { depth: 10, showHidden: true }),
      String(Object.keys(transport)),
    ];
    for (const view of views) {
      expect(view).not.toContain('BEGIN');
      for (const secret of pem()) expect(view).not.toContain(secret.slice(40, 80));
    }
    expect(JSON.parse(JSON.stringify(transport))).toEqual({
      timeout: 1234,
      maxBodyBytes: 4096,
      merchantCertificate: true,
      extraCa: true,
    });
    expect(inspect(transport)).toContain('merchantCertificate: true');
    expect(inspect(transport)).toMatch(/^Transport /);
  });

  it('never shows a PKCS#12 passphrase', () => {
    const passphrase = 'pfx-passphrase-do-not-print';
    const transport = new Transport({
      merchant: { pfx: Buffer.from('not really pkcs12'), passphrase },
      timeout: 1000,
      maxBodyBytes: 1024,
    });
    for (const view of [
      inspect(transport, { showHidden: true }),
      JSON.stringify(transport),
      JSON.stringify({ ...transport }),
    ]) {
      expect(view).not.toContain(passphrase);
    }
    expect(transport.toJSON()).toEqual({
      timeout: 1000,
      maxBodyBytes: 1024,
      merchantCertificate: true,
      extraCa: false,
    });
  });
});
