// The sandbox's public key infrastructure: its CA, the HTTPS server certificate, merchant API certificates,
// platform certificates, WeChat Pay public keys, random secrets, and the check that maps a TLS client cert to a merchant.
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API before the library loads.
import 'reflect-metadata';
import { createPrivateKey, KeyObject, randomBytes, randomInt, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createNonce } from './wire/nonce.js';

// Node's webcrypto is a complete WebCrypto; the library's parameter type is the DOM one, hence the cast.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** A certificate with its private key, both PEM (the key as PKCS#8), and its serial number as uppercase hex. */
export interface Pem {
  certPem: string;
  keyPem: string;
  serial: string;
}

/** A WeChat Pay public key (the successor of platform certificates) and the private half the sandbox signs with. */
export interface PublicKeyPair {
  /** SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`), what a merchant downloads from the merchant platform. */
  publicKeyPem: string;
  /** PKCS#8 PEM; only the sandbox holds this. */
  privateKeyPem: string;
  /** `PUB_KEY_ID_` + 32 digits; sent as `Wechatpay-Serial` when replies are signed with this key. */
  id: string;
}

export type ClientCertificateCheck = { ok: true; mchid: string; serial: string } | { ok: false; reason: string };

const signingAlgorithm: webcrypto.RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

const dayMs = 24 * 60 * 60 * 1000;
const yearMs = 365 * dayMs;
/** Certificates start a day early so a client whose clock lags the sandbox's a little still accepts them. */
const backdateMs = dayMs;
const clientAuthOid = '1.3.6.1.5.5.7.3.2';

/** Creates the self-signed sandbox root CA (10 years) that issues every other certificate here. */
export async function createCa(now: number = Date.now()): Promise<Pem> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(),
    name: 'CN=wxpay sandbox CA,O=wxpay sandbox',
    notBefore: new Date(now - backdateMs),
    notAfter: new Date(now + 10 * yearMs),
    keys,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return toPem(cert, keys.privateKey);
}

/** Issues the HTTPS server certificate for 127.0.0.1 and localhost (2 years). */
export function issueServerCert(ca: Pem, now: number = Date.now()): Promise<Pem> {
  return issue(ca, {
    subject: 'CN=localhost,O=wxpay sandbox',
    now,
    validityMs: 2 * yearMs,
    keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    extendedKeyUsage: x509.ExtendedKeyUsage.serverAuth,
    altNames: [
      { type: 'ip', value: '127.0.0.1' },
      { type: 'dns', value: 'localhost' },
    ],
  });
}

/**
 * Issues a merchant API certificate (apiclient_cert.pem): CN is the mchid, which is how the server knows
 * who is calling; its serial is what the merchant sends as the APIv3 `serial`. Valid 5 years, as WeChat's are.
 */
export function issueMerchantCert(ca: Pem, mchid: string, now: number = Date.now()): Promise<Pem> {
  return issue(ca, {
    subject: `CN=${mchid}`,
    now,
    validityMs: 5 * yearMs,
    keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    extendedKeyUsage: x509.ExtendedKeyUsage.clientAuth,
  });
}

/**
 * Issues a platform certificate: the key WeChat Pay signs APIv3 replies and notifications with, and merchants
 * encrypt sensitive fields to. Keeps key encipherment for that RSA-OAEP use.
 */
export function issuePlatformCert(ca: Pem, mchid: string, now: number = Date.now()): Promise<Pem> {
  return issue(ca, {
    subject: `CN=Tenpay.com sandbox platform,OU=${mchid}`,
    now,
    validityMs: 5 * yearMs,
    keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
  });
}

/** Creates a WeChat Pay public key pair with a fresh `PUB_KEY_ID_...` identifier. */
export async function createPublicKey(): Promise<PublicKeyPair> {
  const keys = await generateKeyPair();
  let digits = '';
  for (let i = 0; i < 32; i++) digits += String(randomInt(10));
  return {
    publicKeyPem: KeyObject.from(keys.publicKey).export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: exportPrivateKey(keys.privateKey),
    id: `PUB_KEY_ID_${digits}`,
  };
}

/**
 * 32 random ASCII letters and digits: one length fits an APIv2 key, an APIv3 key (AES-256 wants exactly
 * 32 bytes, and ASCII keeps characters and bytes equal) and a WeCom payment secret.
 */
export function randomSecret32(): string {
  return createNonce(32);
}

/**
 * Maps a TLS peer certificate (DER as `socket.getPeerCertificate().raw`, or PEM) to the merchant it was issued to.
 * Synchronous, so it can run inside a request handler without awaiting WebCrypto. Fails closed on anything odd.
 */
export function verifyClientCertificate(
  ca: Pick<Pem, 'certPem'>,
  peerCertDerOrPem: string | Uint8Array,
  atMs: number = Date.now(),
): ClientCertificateCheck {
  return checkClientCertificateAt(readClientCertificate(ca, peerCertDerOrPem), atMs);
}

/**
 * A client certificate checked once: the verdict on everything that cannot change (chain, signature, kind, CN) and
 * the validity period, which depends on sandbox time and so is checked at every use (`checkClientCertificateAt`).
 */
export interface ClientCertificateReading {
  readonly verdict: ClientCertificateCheck;
  /** Unix ms; absent when the certificate is unreadable or not the sandbox CA's (then time does not matter). */
  readonly validity?: { readonly fromMs: number; readonly toMs: number };
}

/** Parses and checks a client certificate against the sandbox CA: the costly part, done once per TLS connection. */
export function readClientCertificate(
  ca: Pick<Pem, 'certPem'>,
  peerCertDerOrPem: string | Uint8Array,
): ClientCertificateReading {
  const refuse = (reason: string): ClientCertificateReading => ({ verdict: { ok: false, reason } });
  let peer: X509Certificate;
  try {
    peer = new X509Certificate(peerCertDerOrPem);
  } catch {
    return refuse('not an X.509 certificate');
  }
  const authority = new X509Certificate(ca.certPem);
  if (!peer.checkIssued(authority)) return refuse('not issued by the sandbox CA');
  if (!peer.verify(authority.publicKey)) return refuse('signature does not verify against the sandbox CA');
  const validity = { fromMs: Date.parse(peer.validFrom), toMs: Date.parse(peer.validTo) };
  // An unreadable date fails closed: NaN compares false, so the period is treated as never valid.
  if (Number.isNaN(validity.fromMs) || Number.isNaN(validity.toMs)) return refuse('certificate dates are unreadable');
  const rest = (verdict: ClientCertificateCheck): ClientCertificateReading => ({ verdict, validity });
  if (peer.ca) return rest({ ok: false, reason: 'a CA certificate is not a merchant certificate' });
  // Node reports extended key usages as `keyUsage`; certificates without the extension are not ours.
  if (!peer.keyUsage?.includes(clientAuthOid)) {
    return rest({ ok: false, reason: 'certificate is not for client authentication' });
  }
  const mchid = commonName(peer.subject);
  if (mchid === undefined || !/^[0-9]{1,32}$/.test(mchid)) {
    return rest({ ok: false, reason: 'certificate subject CN is not a merchant id' });
  }
  return rest({ ok: true, mchid, serial: peer.serialNumber.toUpperCase() });
}

/** The verdict on a certificate read earlier, at `atMs` (sandbox time): validity first, as a fresh check would. */
export function checkClientCertificateAt(reading: ClientCertificateReading, atMs: number): ClientCertificateCheck {
  const { validity } = reading;
  if (validity !== undefined) {
    if (atMs < validity.fromMs) return { ok: false, reason: 'certificate is not yet valid' };
    if (atMs > validity.toMs) return { ok: false, reason: 'certificate has expired' };
  }
  return reading.verdict;
}

interface IssueOptions {
  subject: string;
  now: number;
  validityMs: number;
  keyUsage: x509.KeyUsageFlags;
  extendedKeyUsage?: x509.ExtendedKeyUsage;
  altNames?: x509.JsonGeneralName[];
}

/** The one place an end-entity certificate is made, so every kind shares the CA linkage and serial rules. */
async function issue(ca: Pem, options: IssueOptions): Promise<Pem> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const keys = await generateKeyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(options.keyUsage, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (options.extendedKeyUsage !== undefined) {
    extensions.push(new x509.ExtendedKeyUsageExtension([options.extendedKeyUsage]));
  }
  if (options.altNames !== undefined) extensions.push(new x509.SubjectAlternativeNameExtension(options.altNames));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: options.subject,
    issuer: caCert.subject,
    notBefore: new Date(options.now - backdateMs),
    notAfter: new Date(options.now + options.validityMs),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm,
    extensions,
  });
  return toPem(cert, keys.privateKey);
}

/**
 * 20 random bytes as 40 uppercase hex digits, the shape of real WeChat merchant serials. The first byte is kept
 * in 0x40..0x7f so the DER INTEGER stays positive without a padding byte and never loses a leading zero,
 * which would change the printed length.
 */
function randomSerialHex(): string {
  const bytes = randomBytes(20);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex').toUpperCase();
}

async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(signingAlgorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

function importPrivateKey(keyPem: string): Promise<webcrypto.CryptoKey> {
  const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, signingAlgorithm, false, ['sign']);
}

function exportPrivateKey(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

function toPem(cert: x509.X509Certificate, privateKey: webcrypto.CryptoKey): Pem {
  return {
    certPem: cert.toString('pem'),
    keyPem: exportPrivateKey(privateKey),
    serial: cert.serialNumber.toUpperCase(),
  };
}

/** The last CN in Node's one-attribute-per-line subject rendering. */
function commonName(subject: string): string | undefined {
  const line = subject
    .split('\n')
    .reverse()
    .find((entry) => entry.startsWith('CN='));
  return line?.slice('CN='.length);
}
