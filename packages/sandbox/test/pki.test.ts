// Tests for the sandbox PKI: chains, serial shapes, key pairs, and mapping a TLS client certificate to a merchant.
import { createPrivateKey, createPublicKey as nodeCreatePublicKey, sign, verify, X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createCa,
  createPublicKey,
  issueMerchantCert,
  issuePlatformCert,
  issueServerCert,
  type Pem,
  randomSecret32,
  verifyClientCertificate,
} from '../src/pki.js';

const yearMs = 365 * 24 * 60 * 60 * 1000;

interface Fixture {
  ca: Pem;
  server: Pem;
  merchant: Pem;
  platform: Pem;
  otherCa: Pem;
  foreignMerchant: Pem;
  expiredMerchant: Pem;
}

let pki: Fixture;

beforeAll(async () => {
  const [ca, otherCa] = await Promise.all([createCa(), createCa()]);
  const [server, merchant, platform, foreignMerchant, expiredMerchant] = await Promise.all([
    issueServerCert(ca),
    issueMerchantCert(ca, '10000098'),
    issuePlatformCert(ca, '10000098'),
    issueMerchantCert(otherCa, '10000098'),
    // Issued "six years ago" with a five-year life: genuinely expired, no clock tricks needed.
    issueMerchantCert(ca, '10000098', Date.now() - 6 * yearMs),
  ]);
  pki = { ca, server, merchant, platform, otherCa, foreignMerchant, expiredMerchant };
});

/** The private key really belongs to the certificate: what one signs, the other verifies. */
function expectMatchingKeyPair(pem: Pem): void {
  expect(pem.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  const data = Buffer.from('key pair check');
  const signature = sign('sha256', data, createPrivateKey(pem.keyPem));
  expect(verify('sha256', data, new X509Certificate(pem.certPem).publicKey, signature)).toBe(true);
}

describe('certificates', () => {
  it('makes a self-signed CA', () => {
    const ca = new X509Certificate(pki.ca.certPem);
    expect(ca.ca).toBe(true);
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expectMatchingKeyPair(pki.ca);
  });

  it.each(['server', 'merchant', 'platform'] as const)('chains the %s certificate to the CA', (kind) => {
    const ca = new X509Certificate(pki.ca.certPem);
    const cert = new X509Certificate(pki[kind].certPem);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.serialNumber.toUpperCase()).toBe(pki[kind].serial);
    expectMatchingKeyPair(pki[kind]);
  });

  it('does not chain a certificate from another CA', () => {
    const ca = new X509Certificate(pki.ca.certPem);
    const foreign = new X509Certificate(pki.foreignMerchant.certPem);
    expect(foreign.verify(ca.publicKey)).toBe(false);
  });

  it('gives merchant certificates WeChat-shaped serials, the mchid as CN and a five-year life', () => {
    const cert = new X509Certificate(pki.merchant.certPem);
    expect(pki.merchant.serial).toMatch(/^[0-9A-F]{40}$/);
    expect(cert.subject).toBe('CN=10000098');
    const lifeMs = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
    expect(lifeMs).toBeGreaterThanOrEqual(5 * yearMs);
    expect(lifeMs).toBeLessThan(5 * yearMs + 2 * 24 * 60 * 60 * 1000);
  });

  it('uses fresh serials and keys for every certificate', async () => {
    const again = await issueMerchantCert(pki.ca, '10000098');
    expect(again.serial).not.toBe(pki.merchant.serial);
    expect(again.keyPem).not.toBe(pki.merchant.keyPem);
  });

  it('names 127.0.0.1 and localhost in the server certificate', () => {
    const cert = new X509Certificate(pki.server.certPem);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
  });
});

describe('createPublicKey', () => {
  it('makes a PUB_KEY_ID_ identified key pair', async () => {
    const key = await createPublicKey();
    expect(key.id).toMatch(/^PUB_KEY_ID_[0-9]{32}$/);
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const data = Buffer.from('reply body');
    const signature = sign('sha256', data, createPrivateKey(key.privateKeyPem));
    expect(verify('sha256', data, nodeCreatePublicKey(key.publicKeyPem), signature)).toBe(true);
    expect(nodeCreatePublicKey(key.publicKeyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

describe('randomSecret32', () => {
  it('is 32 alphanumeric characters, 32 bytes, and different each time', () => {
    const secrets = new Set(Array.from({ length: 20 }, () => randomSecret32()));
    expect(secrets.size).toBe(20);
    for (const secret of secrets) {
      expect(secret).toMatch(/^[0-9A-Za-z]{32}$/);
      expect(Buffer.byteLength(secret, 'utf8')).toBe(32);
    }
  });
});

describe('verifyClientCertificate', () => {
  it('maps our merchant certificate, PEM or DER, to its mchid and serial', () => {
    const expected = { ok: true, mchid: '10000098', serial: pki.merchant.serial };
    expect(verifyClientCertificate(pki.ca, pki.merchant.certPem)).toEqual(expected);
    expect(verifyClientCertificate(pki.ca, new X509Certificate(pki.merchant.certPem).raw)).toEqual(expected);
  });

  it('rejects a certificate from another CA', () => {
    expect(verifyClientCertificate(pki.ca, pki.foreignMerchant.certPem)).toEqual({
      ok: false,
      reason: 'not issued by the sandbox CA',
    });
  });

  it('rejects an expired certificate, and ours outside its validity window', () => {
    expect(verifyClientCertificate(pki.ca, pki.expiredMerchant.certPem)).toEqual({
      ok: false,
      reason: 'certificate has expired',
    });
    const validFrom = Date.parse(new X509Certificate(pki.merchant.certPem).validFrom);
    expect(verifyClientCertificate(pki.ca, pki.merchant.certPem, validFrom - 1000)).toMatchObject({ ok: false });
    expect(verifyClientCertificate(pki.ca, pki.merchant.certPem, Date.now() + 6 * yearMs)).toMatchObject({ ok: false });
  });

  it('rejects certificates that are ours but not merchant client certificates', () => {
    expect(verifyClientCertificate(pki.ca, pki.server.certPem)).toMatchObject({ ok: false });
    expect(verifyClientCertificate(pki.ca, pki.platform.certPem)).toMatchObject({ ok: false });
    expect(verifyClientCertificate(pki.ca, pki.ca.certPem)).toMatchObject({ ok: false });
  });

  it('rejects bytes that are not a certificate', () => {
    expect(verifyClientCertificate(pki.ca, 'hello')).toEqual({ ok: false, reason: 'not an X.509 certificate' });
    expect(verifyClientCertificate(pki.ca, new Uint8Array([0x30, 0x03, 0x02, 0x01]))).toMatchObject({ ok: false });
  });

  it('works on the certificate a real mutual-TLS handshake delivers', async () => {
    const server = createServer({
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const seen: Promise<ReturnType<typeof verifyClientCertificate>> = new Promise((resolve) => {
      server.once('secureConnection', (socket: TLSSocket) => {
        resolve(verifyClientCertificate(pki.ca, socket.getPeerCertificate().raw));
        socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = connect({
        host: '127.0.0.1',
        port,
        ca: pki.ca.certPem,
        cert: pki.merchant.certPem,
        key: pki.merchant.keyPem,
      });
      await new Promise<void>((resolve, reject) => {
        client.once('secureConnect', resolve);
        client.once('error', reject);
      });
      expect(client.authorized).toBe(true);
      expect(await seen).toEqual({ ok: true, mchid: '10000098', serial: pki.merchant.serial });
      client.destroy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
