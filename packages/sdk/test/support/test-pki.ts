// Test-only PKI: a throwaway CA, a loopback server certificate and merchant API (client) certificates for mutual-TLS tests.
import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { dayMs, generateRsaKeyPair, loadX509, rsaAlgorithm, type X509Module } from './x509.js';

/** Every certificate and key a mutual-TLS test needs, all PEM. */
export interface TestPki {
  /** Root of trust for both the server certificate and `clientCert`. */
  caCert: string;
  /** Server certificate for IP 127.0.0.1 and DNS localhost, signed by `caCert`. */
  serverCert: string;
  serverKey: string;
  /** The "merchant API certificate" (apiclient_cert.pem): CN = `clientCommonName`, clientAuth, signed by `caCert`. */
  clientCert: string;
  /** PKCS#8 key of `clientCert` (apiclient_key.pem). */
  clientKey: string;
  /** Serial number of `clientCert`, uppercase hex (the form WeChat Pay prints). */
  clientSerial: string;
  /** A client certificate with the same CN but signed by an unrelated CA: the server must treat it as "no certificate". */
  otherClientCert: string;
  otherClientKey: string;
}

/** Merchant id written as CN into the client certificates (WeChat Pay puts the mchid there). */
export const clientCommonName = '10000098';

let cached: Promise<TestPki> | undefined;

/**
 * Generates the PKI once per process: five RSA 2048 key pairs take noticeable time,
 * and every test file only needs certificates that are valid, not unique.
 */
export function createTestPki(): Promise<TestPki> {
  cached ??= generateTestPki().catch((error: unknown) => {
    cached = undefined; // let a later caller retry instead of inheriting one failure forever
    throw error;
  });
  return cached;
}

async function generateTestPki(): Promise<TestPki> {
  const x509 = await loadX509();
  // Key generation runs on libuv's thread pool, so generating all pairs at once is faster than one after another.
  const [caKeys, otherCaKeys, serverKeys, clientKeys, otherClientKeys] = await Promise.all([
    generateRsaKeyPair(),
    generateRsaKeyPair(),
    generateRsaKeyPair(),
    generateRsaKeyPair(),
    generateRsaKeyPair(),
  ]);
  const notBefore = new Date(Date.now() - dayMs); // tolerate small clock differences between test processes
  const notAfter = new Date(Date.now() + 30 * dayMs);

  const ca = await createCa(x509, 'CN=wxpay test CA,O=wxpay tests', caKeys, notBefore, notAfter);
  const otherCa = await createCa(x509, 'CN=wxpay unrelated test CA,O=somebody else', otherCaKeys, notBefore, notAfter);

  const server = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: rsaAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const client = await createClientCert(x509, ca, caKeys, clientKeys, notBefore, notAfter);
  const otherClient = await createClientCert(x509, otherCa, otherCaKeys, otherClientKeys, notBefore, notAfter);

  return {
    caCert: ca.toString('pem'),
    serverCert: server.toString('pem'),
    serverKey: await exportPrivateKey(x509, serverKeys.privateKey),
    clientCert: client.toString('pem'),
    clientKey: await exportPrivateKey(x509, clientKeys.privateKey),
    clientSerial: client.serialNumber.toUpperCase(),
    otherClientCert: otherClient.toString('pem'),
    otherClientKey: await exportPrivateKey(x509, otherClientKeys.privateKey),
  };
}

async function createCa(
  x509: X509Module,
  name: string,
  keys: webcrypto.CryptoKeyPair,
  notBefore: Date,
  notAfter: Date,
): Promise<X509.X509Certificate> {
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: rsaAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

async function createClientCert(
  x509: X509Module,
  issuer: X509.X509Certificate,
  issuerKeys: webcrypto.CryptoKeyPair,
  keys: webcrypto.CryptoKeyPair,
  notBefore: Date,
  notAfter: Date,
): Promise<X509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    // Real merchant certificates carry the mchid as CN plus the company name; the SDK only ever needs the CN.
    subject: `CN=${clientCommonName},O=wxpay test merchant,OU=${clientCommonName}`,
    issuer: issuer.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: issuerKeys.privateKey,
    signingAlgorithm: rsaAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuerKeys.publicKey),
    ],
  });
}

/**
 * 16 random bytes with the top byte in 0x10..0x7f: a positive DER integer with no leading zero byte,
 * so the hex shown by every tool is exactly these 32 characters.
 */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = 0x10 + ((bytes[0] ?? 0) % 0x70);
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

async function exportPrivateKey(x509: X509Module, key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}
