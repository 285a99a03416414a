// Test-only APIv3 key material (merchant, platform certificates, WeChat Pay public key, APIv3 key) and independent
// helpers that sign replies and check request Authorization headers. Written straight from docs/protocol.md
// and deliberately sharing no code with packages/sdk/src: if both sides shared a bug, the tests could not see it.
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  KeyObject,
  randomInt,
  sign,
  verify,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import { promisify } from 'node:util';
import { clientCommonName, createTestPki } from './test-pki.js';
import { dayMs, generateRsaKeyPair, loadX509, rsaAlgorithm } from './x509.js';

/** The id of the test WeChat Pay public key (the `Wechatpay-Serial` of replies it signs). */
export const wechatpayPublicKeyId = 'PUB_KEY_ID_0114232134912410000000000000';

/** One RSA 2048 key pair, as KeyObjects and as PEM. */
export interface TestKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PKCS#8 (`BEGIN PRIVATE KEY`). */
  privateKeyPem: string;
  /** SPKI (`BEGIN PUBLIC KEY`), the form WeChat Pay hands out its public key in. */
  publicKeyPem: string;
}

/** A certificate with its key pair. */
export interface TestCertificate extends TestKeyPair {
  /** Serial number, uppercase hex with leading zero digits kept (the form of `serial_no` and `Wechatpay-Serial`). */
  serial: string;
  pem: string;
  notBefore: Date;
  notAfter: Date;
}

/** Everything an APIv3 test signs or verifies with. */
export interface V3Keys {
  /** The merchant id: the CN of `merchant`. */
  mchid: string;
  /** The merchant API certificate and key: the same pair as createTestPki's client certificate. */
  merchant: TestCertificate;
  /** The CA that issued both platform certificates (not the TLS test CA). */
  platformCaCert: string;
  /**
   * The platform certificate being rotated out: valid now, but issued long ago and expiring in a few days.
   * Its serial starts with a `0` digit on purpose, so that dropping leading zeros breaks the tests.
   */
  platformOld: TestCertificate;
  /** Its successor: `notBefore` later than the old one's, valid for a long time, a different serial. */
  platformNew: TestCertificate;
  /** The WeChat Pay public key ("public key mode"), id `wechatpayPublicKeyId`. */
  publicKey: TestKeyPair & { id: string };
  /** A 32-character APIv3 key (AES-256-GCM key for notifications and downloaded certificates). */
  apiv3Key: string;
}

const alphanumeric = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

let cached: Promise<V3Keys> | undefined;

/** Generates the key material once per process: RSA key generation is slow and tests only need valid keys, not unique ones. */
export function createV3Keys(): Promise<V3Keys> {
  cached ??= generateV3Keys().catch((error: unknown) => {
    cached = undefined; // let a later caller retry instead of inheriting one failure forever
    throw error;
  });
  return cached;
}

/** `length` characters of [0-9A-Za-z] from the CSPRNG (nonces, request ids, keys). */
export function randomAlphanumeric(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphanumeric[randomInt(alphanumeric.length)];
  return text;
}

/** Input of {@link signReply}: the three lines WeChat Pay signs on a reply or notification. */
export interface SignReplyInput {
  /** Unix seconds, the `Wechatpay-Timestamp` value. */
  timestamp: string | number;
  /** The `Wechatpay-Nonce` value. */
  nonce: string;
  /** The body bytes exactly as sent (a string is taken as UTF-8). */
  body: string | Buffer;
  privateKey: KeyObject | string;
}

/** SHA256withRSA (PKCS#1 v1.5) over `timestamp\nnonce\nbody\n`, base64: the `Wechatpay-Signature` value. */
export function signReply(input: SignReplyInput): string {
  const message = Buffer.concat([
    Buffer.from(`${input.timestamp}\n${input.nonce}\n`, 'utf8'),
    typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body,
    Buffer.from('\n', 'utf8'),
  ]);
  const key = typeof input.privateKey === 'string' ? createPrivateKey(input.privateKey) : input.privateKey;
  return sign('sha256', message, { key, padding: constants.RSA_PKCS1_PADDING }).toString('base64');
}

/** What a request's Authorization header must match. */
export interface AuthorizationExpectation {
  /** The method as received, e.g. `POST`. */
  method: string;
  /** Path plus query exactly as received (still percent-encoded). */
  pathAndQuery: string;
  /** The body bytes as received; empty for GET. */
  body: string | Buffer;
  /** The merchant's public key (or certificate PEM). */
  publicKey: KeyObject | string;
  mchid: string;
  /** The merchant certificate serial the header must name, uppercase hex. */
  serial: string;
  /** Server time in unix ms; when given, a timestamp 300 s or more away from it is refused, as WeChat Pay does. */
  now?: number | undefined;
}

export type AuthorizationCheck = { ok: true; timestamp: string; nonce: string } | { ok: false; reason: string };

const authorizationScheme = 'WECHATPAY2-SHA256-RSA2048 ';
const authorizationParameters = ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'] as const;
const maxSkewSeconds = 300;

/**
 * Checks `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",timestamp="..",serial_no="..",signature=".."`
 * against the 5-line message `METHOD\npathAndQuery\ntimestamp\nnonce\nbody\n`. Strict on purpose: exactly these five
 * parameters, each once, quoted; the reason names the first rule broken.
 */
export function checkAuthorization(header: string | undefined, expected: AuthorizationExpectation): AuthorizationCheck {
  if (header === undefined || header === '') return { ok: false, reason: 'missing Authorization header' };
  if (!header.startsWith(authorizationScheme)) return { ok: false, reason: 'scheme is not WECHATPAY2-SHA256-RSA2048' };

  const params = new Map<string, string>();
  for (const part of header.slice(authorizationScheme.length).split(',')) {
    const match = /^\s*([a-z_]+)="([^"]*)"\s*$/.exec(part);
    const name = match?.[1];
    const value = match?.[2];
    if (name === undefined || value === undefined) {
      return { ok: false, reason: `malformed parameter ${JSON.stringify(part.slice(0, 40))}` };
    }
    if (!(authorizationParameters as readonly string[]).includes(name)) {
      return { ok: false, reason: `unexpected parameter ${name}` };
    }
    if (params.has(name)) return { ok: false, reason: `duplicate parameter ${name}` };
    params.set(name, value);
  }
  for (const name of authorizationParameters) {
    if (!params.get(name)) return { ok: false, reason: `missing parameter ${name}` };
  }
  const mchid = params.get('mchid') ?? '';
  const nonce = params.get('nonce_str') ?? '';
  const timestamp = params.get('timestamp') ?? '';
  const serial = params.get('serial_no') ?? '';
  const signature = params.get('signature') ?? '';

  if (mchid !== expected.mchid) return { ok: false, reason: `mchid ${mchid} is not ${expected.mchid}` };
  if (serial !== expected.serial) return { ok: false, reason: `serial_no ${serial} is not ${expected.serial}` };
  if (!/^[0-9]{1,12}$/.test(timestamp)) return { ok: false, reason: 'timestamp is not unix seconds' };
  if (expected.now !== undefined && Math.abs(Number(timestamp) * 1000 - expected.now) >= maxSkewSeconds * 1000) {
    return { ok: false, reason: 'timestamp expired or in the future' };
  }
  // Node's base64 decoder skips what it does not understand; re-encoding shows whether the text was canonical base64.
  const signatureBytes = Buffer.from(signature, 'base64');
  if (signatureBytes.toString('base64') !== signature) return { ok: false, reason: 'signature is not base64' };

  const message = Buffer.concat([
    Buffer.from(`${expected.method}\n${expected.pathAndQuery}\n${timestamp}\n${nonce}\n`, 'utf8'),
    typeof expected.body === 'string' ? Buffer.from(expected.body, 'utf8') : expected.body,
    Buffer.from('\n', 'utf8'),
  ]);
  const key = typeof expected.publicKey === 'string' ? createPublicKey(expected.publicKey) : expected.publicKey;
  if (!verify('sha256', message, { key, padding: constants.RSA_PKCS1_PADDING }, signatureBytes)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true, timestamp, nonce };
}

async function generateV3Keys(): Promise<V3Keys> {
  const [pki, x509] = await Promise.all([createTestPki(), loadX509()]);
  // Key generation runs on libuv's thread pool, so generating all pairs at once is faster than one after another.
  const [caKeys, oldKeys, newKeys, publicKeyPair] = await Promise.all([
    generateRsaKeyPair(),
    generateRsaKeyPair(),
    generateRsaKeyPair(),
    promisify(generateKeyPair)('rsa', { modulusLength: 2048 }),
  ]);
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial({ leadingZeroDigit: false }),
    name: 'CN=wxpay test platform CA,O=wxpay tests',
    notBefore: new Date(now - 1000 * dayMs),
    notAfter: new Date(now + 3000 * dayMs),
    keys: caKeys,
    signingAlgorithm: rsaAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const issuePlatform = async (keys: webcrypto.CryptoKeyPair, serial: string, notBefore: number, notAfter: number) => {
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: 'CN=Tenpay.com,O=wxpay tests,OU=platform certificate',
      issuer: ca.subject,
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: rsaAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    });
    return testCertificate(certificate.toString('pem'), KeyObject.from(keys.privateKey));
  };

  // WeChat Pay issues the successor about ten days before the old certificate expires: both are valid meanwhile.
  const [platformOld, platformNew] = await Promise.all([
    issuePlatform(oldKeys, randomSerial({ leadingZeroDigit: true }), now - 360 * dayMs, now + 5 * dayMs),
    issuePlatform(newKeys, randomSerial({ leadingZeroDigit: false }), now - 5 * dayMs, now + 1800 * dayMs),
  ]);
  return {
    mchid: clientCommonName,
    merchant: testCertificate(pki.clientCert, createPrivateKey(pki.clientKey)),
    platformCaCert: ca.toString('pem'),
    platformOld,
    platformNew,
    publicKey: { id: wechatpayPublicKeyId, ...keyPair(publicKeyPair.privateKey) },
    apiv3Key: randomAlphanumeric(32),
  };
}

function keyPair(privateKey: KeyObject): TestKeyPair {
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function testCertificate(pem: string, privateKey: KeyObject): TestCertificate {
  const certificate = new X509Certificate(pem);
  return {
    ...keyPair(privateKey),
    // OpenSSL prints the serial as whole bytes, so a leading zero digit survives, as in WeChat Pay's serial_no.
    serial: certificate.serialNumber.toUpperCase(),
    pem,
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
  };
}

/**
 * 16 random bytes as uppercase hex. The first byte stays at most 0x7f (a positive DER integer needs no padding byte)
 * and is 0x01..0x0f when `leadingZeroDigit` (hex `0X...`), else 0x10..0x7f.
 */
function randomSerial({ leadingZeroDigit }: { leadingZeroDigit: boolean }): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  const random = bytes[0] ?? 0;
  bytes[0] = leadingZeroDigit ? 0x01 + (random % 0x0f) : 0x10 + (random % 0x70);
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
