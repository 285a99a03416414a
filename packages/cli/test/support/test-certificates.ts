// Test-only: self-signed RSA certificates with the validity a test needs (expired, expiring soon, long-lived).
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const DAY_MS = 86_400_000;
type SelfSignedParams = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0];

export interface TestCertificate {
  certPem: string;
  /** Uppercase hex, as WeChat Pay writes serials. */
  serial: string;
}

/** A certificate valid from `fromDays` to `toDays` days from now (negative: in the past). */
export async function testCertificate(
  name: string,
  serial: string,
  fromDays: number,
  toDays: number,
): Promise<TestCertificate> {
  const algorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name,
    notBefore: new Date(now + fromDays * DAY_MS),
    notAfter: new Date(now + toDays * DAY_MS),
    keys: keys as unknown as SelfSignedParams['keys'],
    signingAlgorithm: algorithm,
  });
  return { certPem: certificate.toString('pem'), serial: serial.toUpperCase() };
}
