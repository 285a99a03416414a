// APIv3 crypto building blocks: official vectors, RSA sign/verify/OAEP, AES-GCM/ECB and the request Authorization header.
import {
  createCipheriv,
  createHash,
  generateKeyPairSync,
  type KeyObject,
  createPublicKey as nodeCreatePublicKey,
  verify as nodeVerify,
  webcrypto,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decryptAesEcb,
  decryptAesGcm,
  decryptRefundReqInfo,
  encryptAesEcb,
  encryptAesGcm,
  encryptRefundReqInfo,
} from '../src/crypto/aes.js';
import {
  certificateSerial,
  decryptOaep,
  encryptOaep,
  isStrictBase64,
  loadPrivateKey,
  loadPublicKey,
  signSha256Rsa,
  verifySha256Rsa,
} from '../src/crypto/rsa.js';
import {
  SignatureVerificationError,
  UnknownSerialError,
  ValidationError,
  WxpayDecryptError,
  WxpayError,
} from '../src/errors.js';
import { buildAuthorization, buildRequestMessage } from '../src/v3/authorization.js';
import { buildVerifyMessage, verifyWechatpaySignature } from '../src/v3/verifier.js';

// @peculiar/x509 needs a Reflect metadata polyfill at load time, so it is imported only after one is in place.
await import('reflect-metadata');
const x509 = await import('@peculiar/x509');
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Asserts that `fn` throws an instance of `type` and returns it for further checks. */
function catchError<T extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => T): T {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error('expected an error, none was thrown');
}

// --- the official public-key-mode vector (docs/vectors.md) ---
const vector = {
  serial: 'PUB_KEY_ID_0000000000000024101100397200000006',
  timestamp: '1722850421',
  nonce: 'd824f2e086d3c1df967785d13fcd22ef',
  body: '{"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}',
  signature:
    'mfI1CPqvBrgcXfgXMFjdNIhBf27ACE2YyeWsWV9ZI7T7RU0vHvbQpu9Z32ogzc+k8ZC5n3kz7h70eWKjgqNdKQF0eRp8mVKlmfzMLBVHbssB9jEZEDXThOX1XFqX7s7ymia1hoHQxQagPGzkdWxtlZPZ4ZPvr1RiqkgAu6Is8MZgXXrRoBKqjmSdrP1N7uxzJ/cjfSiis9FiLjuADoqmQ1P7p2N876YPAol7Rn0+GswwAwxldbdLrmVSjfytfSBJFqTMHn4itojgxSWWN1byuckQt8hSTEv/Lg97QoeGniYP17T80pJeQyL3b+295FPHSO2AtvCgyIbKMZ0BALilAA==',
};
const vectorKey = loadPublicKey(readFileSync(new URL('./fixtures/pub_key_id_example.pem', import.meta.url)));
const vectorNowMs = 1722850421 * 1000;

function vectorHeaders(): Record<string, string> {
  // Mixed case on purpose: lookup must be case-insensitive.
  return {
    'Wechatpay-Serial': vector.serial,
    'wechatpay-timestamp': vector.timestamp,
    'WECHATPAY-NONCE': vector.nonce,
    'Wechatpay-Signature': vector.signature,
    'Request-ID': '08F78BB5AF0610D302102F9B6A0F5E1A00',
  };
}

function verifyVector(overrides: {
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  nowMs?: number;
  findKey?: (serial: string) => KeyObject | undefined;
}): string {
  return verifyWechatpaySignature({
    headers: overrides.headers ?? vectorHeaders(),
    body: overrides.body ?? vector.body,
    now: () => overrides.nowMs ?? vectorNowMs,
    findKey: overrides.findKey ?? ((serial) => (serial === vector.serial ? vectorKey : undefined)),
  });
}

function verifyReason(overrides: Parameters<typeof verifyVector>[0]): string {
  return catchError(() => verifyVector(overrides), SignatureVerificationError).reason;
}

describe('verifyWechatpaySignature with the official public-key vector', () => {
  it('passes with the clock pinned at the vector timestamp and returns the serial', () => {
    expect(verifyVector({})).toBe(vector.serial);
  });

  it('verifies the raw body bytes and accepts a fetch Headers object', () => {
    expect(verifyVector({ body: Buffer.from(vector.body, 'utf8') })).toBe(vector.serial);
    const headers = new Headers(vectorHeaders());
    const serial = verifyWechatpaySignature({
      headers,
      body: vector.body,
      now: () => vectorNowMs,
      findKey: () => vectorKey,
    });
    expect(serial).toBe(vector.serial);
  });

  it('accepts up to 299 s of skew either way and rejects 300 s', () => {
    expect(verifyVector({ nowMs: vectorNowMs + 299_999 })).toBe(vector.serial);
    expect(verifyVector({ nowMs: vectorNowMs - 299_999 })).toBe(vector.serial);
    expect(verifyReason({ nowMs: vectorNowMs + 300_000 })).toBe('timestamp skew');
    expect(verifyReason({ nowMs: vectorNowMs - 300_000 })).toBe('timestamp skew');
  });

  it('honours a custom tolerance', () => {
    const verify = (toleranceSeconds: number) =>
      verifyWechatpaySignature({
        headers: vectorHeaders(),
        body: vector.body,
        now: () => vectorNowMs + 60_000,
        toleranceSeconds,
        findKey: () => vectorKey,
      });
    expect(verify(61)).toBe(vector.serial);
    expect(catchError(() => verify(60), SignatureVerificationError).reason).toBe('timestamp skew');
    expect(catchError(() => verify(Number.NaN), ValidationError).field).toBe('toleranceSeconds');
  });

  it('fails closed when the clock answers NaN', () => {
    expect(catchError(() => verifyVector({ nowMs: Number.NaN }), ValidationError).field).toBe('now');
  });

  it('rejects a tampered body with signature mismatch', () => {
    expect(verifyReason({ body: vector.body.replace('JyC91EIz1', 'JyC91EIz2') })).toBe('signature mismatch');
    expect(verifyReason({ body: `${vector.body} ` })).toBe('signature mismatch');
    expect(verifyReason({ body: '' })).toBe('signature mismatch');
  });

  it('rejects a changed nonce or timestamp with signature mismatch', () => {
    expect(verifyReason({ headers: { ...vectorHeaders(), 'WECHATPAY-NONCE': `${vector.nonce}0` } })).toBe(
      'signature mismatch',
    );
    expect(
      verifyReason({ headers: { ...vectorHeaders(), 'wechatpay-timestamp': '1722850422' }, nowMs: vectorNowMs }),
    ).toBe('signature mismatch');
  });

  it('rejects a probe signature with the typed error', () => {
    const headers = { ...vectorHeaders(), 'Wechatpay-Signature': `WECHATPAY/SIGNTEST/${vector.signature}` };
    expect(verifyReason({ headers })).toBe('probe signature');
  });

  it('rejects an unknown serial and carries the serial', () => {
    const error = catchError(() => verifyVector({ findKey: () => undefined }), UnknownSerialError);
    expect(error).toBeInstanceOf(SignatureVerificationError);
    expect(error).toBeInstanceOf(WxpayError);
    expect(error.reason).toBe('unknown serial');
    expect(error.serial).toBe(vector.serial);
    expect(error.message).toContain(vector.serial);
  });

  it.each([
    ['Wechatpay-Timestamp', 'wechatpay-timestamp'],
    ['Wechatpay-Nonce', 'wechatpay-nonce'],
    ['Wechatpay-Signature', 'wechatpay-signature'],
    ['Wechatpay-Serial', 'wechatpay-serial'],
  ])('rejects a missing %s', (_name, lower) => {
    const without = Object.fromEntries(Object.entries(vectorHeaders()).filter(([k]) => k.toLowerCase() !== lower));
    expect(verifyReason({ headers: without })).toBe(`missing header ${lower}`);
    const empty = Object.fromEntries(
      Object.entries(vectorHeaders()).map(([k, v]) => [k, k.toLowerCase() === lower ? '' : v]),
    );
    expect(verifyReason({ headers: empty })).toBe(`missing header ${lower}`);
  });

  it.each(['1722850421.5', 'abc', '-1722850421', '+1722850421', ' 1722850421', '1.722850421e9', '0x66B0'])(
    'rejects the non-integer timestamp %j',
    (timestamp) => {
      expect(verifyReason({ headers: { ...vectorHeaders(), 'wechatpay-timestamp': timestamp } })).toBe(
        'invalid timestamp',
      );
    },
  );

  it.each([
    ['not base64 at all', '!!!!'],
    ['URL-safe alphabet', vector.signature.replaceAll('+', '-').replaceAll('/', '_')],
    ['missing padding', vector.signature.replace(/=+$/, '')],
    ['embedded whitespace', `${vector.signature.slice(0, 40)} ${vector.signature.slice(40)}`],
  ])('rejects a signature with %s', (_case, signature) => {
    expect(verifyReason({ headers: { ...vectorHeaders(), 'Wechatpay-Signature': signature } })).toBe(
      'invalid signature encoding',
    );
  });

  it('fails closed on duplicated headers', () => {
    const headers = { ...vectorHeaders(), 'wechatpay-timestamp': [vector.timestamp, vector.timestamp] };
    expect(verifyReason({ headers })).toBe('invalid timestamp');
    const twice = { ...vectorHeaders(), 'wechatpay-signature': vector.signature };
    expect(verifyReason({ headers: twice })).toBe('invalid signature encoding');
  });

  it('treats a non-RSA or private key from findKey as a configuration error, not a forgery', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecPublic = nodeCreatePublicKey(privateKey);
    expect(catchError(() => verifyVector({ findKey: () => ecPublic }), ValidationError).field).toBe('publicKey');
  });

  it('builds the 3-line message over raw bytes', () => {
    const body = Buffer.from([0xff, 0x00, 0x41]);
    expect(buildVerifyMessage('1', 'n', body)).toEqual(Buffer.from([0x31, 0x0a, 0x6e, 0x0a, 0xff, 0x00, 0x41, 0x0a]));
    expect(buildVerifyMessage('1722850421', 'abc', '{}').toString('utf8')).toBe('1722850421\nabc\n{}\n');
  });
});

// --- AES-256-GCM vector (docs/vectors.md) ---
const gcm = {
  key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
  nonce: 'uluk4a9R25RW',
  associatedData: 'associatedData',
  ciphertext: 'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=',
};

function gcmReason(input: Partial<typeof gcm>): string {
  return catchError(() => decryptAesGcm({ ...gcm, ...input }), WxpayDecryptError).reason;
}

function flipByte(b64: string, index: number): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('AES-256-GCM', () => {
  it('decrypts the official vector', () => {
    expect(decryptAesGcm(gcm)).toBe('message');
    expect(decryptAesGcm({ ...gcm, key: Buffer.from(gcm.key), nonce: Buffer.from(gcm.nonce) })).toBe('message');
  });

  it('encrypts to the official vector and round-trips', () => {
    expect(encryptAesGcm({ ...gcm, plaintext: 'message' })).toBe(gcm.ciphertext);
    const sealed = encryptAesGcm({ key: gcm.key, nonce: gcm.nonce, plaintext: '{"中文":"✓"}' });
    expect(decryptAesGcm({ key: gcm.key, nonce: gcm.nonce, ciphertext: sealed })).toBe('{"中文":"✓"}');
    expect(decryptAesGcm({ key: gcm.key, nonce: gcm.nonce, associatedData: '', ciphertext: sealed })).toBe(
      '{"中文":"✓"}',
    );
  });

  it('rejects tampered ciphertext, tag, associated data, nonce and a wrong key', () => {
    expect(gcmReason({ ciphertext: flipByte(gcm.ciphertext, 0) })).toBe('authentication failed');
    expect(gcmReason({ ciphertext: flipByte(gcm.ciphertext, 20) })).toBe('authentication failed');
    expect(gcmReason({ associatedData: 'associatedDatA' })).toBe('authentication failed');
    expect(gcmReason({ associatedData: '' })).toBe('authentication failed');
    expect(gcmReason({ nonce: 'uluk4a9R25RX' })).toBe('authentication failed');
    expect(gcmReason({ key: 'b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb' })).toBe('authentication failed');
  });

  it('rejects malformed input', () => {
    expect(gcmReason({ key: gcm.key.slice(1) })).toBe('invalid key length');
    expect(gcmReason({ nonce: `${gcm.nonce}0000` })).toBe('invalid nonce length');
    expect(gcmReason({ ciphertext: 'ulwSiIajGClcvcOYvOQ7-l-0PAbzzwI=' })).toBe('invalid base64');
    expect(gcmReason({ ciphertext: '' })).toBe('invalid base64');
    expect(gcmReason({ ciphertext: 'AAAAAAAAAAAAAAAAAAAA' })).toBe('ciphertext too short');
  });

  it('never puts the key in the error message', () => {
    const error = catchError(() => decryptAesGcm({ ...gcm, associatedData: 'x' }), WxpayDecryptError);
    expect(error.message).not.toContain(gcm.key);
  });

  it('refuses to encrypt with a bad key or nonce length', () => {
    expect(catchError(() => encryptAesGcm({ ...gcm, key: 'short', plaintext: 'x' }), ValidationError).field).toBe(
      'key',
    );
    expect(catchError(() => encryptAesGcm({ ...gcm, nonce: 'short', plaintext: 'x' }), ValidationError).field).toBe(
      'nonce',
    );
  });
});

describe('AES-256-ECB and refund req_info', () => {
  const apiv2Key = '192006250b4c09247ec02edce69f6a2d';
  const xml = '<root><out_refund_no><![CDATA[R20240805001]]></out_refund_no><refund_fee>100</refund_fee></root>';

  it('round-trips', () => {
    const key = 'k'.repeat(32);
    expect(decryptAesEcb(encryptAesEcb(xml, key), key)).toBe(xml);
    expect(decryptAesEcb(encryptAesEcb('', key), key)).toBe('');
    expect(Buffer.from(encryptAesEcb('x'.repeat(16), key), 'base64')).toHaveLength(32); // full PKCS#7 padding block
  });

  it('decrypts req_info made independently with key = lowercase hex md5 of the APIv2 key', () => {
    const md5 = createHash('md5').update(apiv2Key).digest('hex');
    const cipher = createCipheriv('aes-256-ecb', Buffer.from(md5, 'utf8'), null);
    const reqInfo = Buffer.concat([cipher.update(xml, 'utf8'), cipher.final()]).toString('base64');
    expect(decryptRefundReqInfo(reqInfo, apiv2Key)).toBe(xml);
    expect(encryptRefundReqInfo(xml, apiv2Key)).toBe(reqInfo);
  });

  it('rejects a wrong key and malformed input', () => {
    const reqInfo = encryptRefundReqInfo(xml, apiv2Key);
    expect(catchError(() => decryptRefundReqInfo(reqInfo, `${apiv2Key.slice(1)}0`), WxpayDecryptError).reason).toBe(
      'bad padding',
    );
    expect(catchError(() => decryptAesEcb('AAAA', 'k'.repeat(32)), WxpayDecryptError).reason).toBe(
      'invalid ciphertext length',
    );
    expect(catchError(() => decryptAesEcb(reqInfo, 'short'), WxpayDecryptError).reason).toBe('invalid key length');
    expect(catchError(() => decryptAesEcb(`${reqInfo}\n`, 'k'.repeat(32)), WxpayDecryptError).reason).toBe(
      'invalid base64',
    );
    expect(catchError(() => decryptRefundReqInfo(reqInfo, ''), ValidationError).field).toBe('apiv2Key');
  });
});

// --- RSA with a generated merchant key pair ---
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1Pem = merchant.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const pkcs8Pem = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const spkiPem = merchant.publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** The first line of a PEM body (or the whole text if it is no PEM): if it shows up in an error message, input leaked. */
function pemBodyLine(pem: string): string {
  const line = pem.split('\n').find((l) => l.length > 0 && !l.startsWith('-----') && !l.includes(':'));
  if (line === undefined) throw new Error('test input has no body line');
  return line;
}

describe('RSA keys', () => {
  it('loads PKCS#1 and PKCS#8 private keys and both sign verifiably', () => {
    expect(pkcs1Pem).toContain('BEGIN RSA PRIVATE KEY');
    expect(pkcs8Pem).toContain('BEGIN PRIVATE KEY');
    for (const pem of [pkcs1Pem, pkcs8Pem, Buffer.from(pkcs1Pem), merchant.privateKey]) {
      const key = loadPrivateKey(pem);
      expect(key.type).toBe('private');
      expect(verifySha256Rsa('hello', signSha256Rsa('hello', key), spkiPem)).toBe(true);
    }
  });

  it('loads a key whose line breaks arrived as literal \\n escapes (environment variables)', () => {
    expect(loadPrivateKey(pkcs8Pem.replaceAll('\n', '\\n')).type).toBe('private');
  });

  it('refuses anything that is not an RSA private key, without echoing the input', () => {
    const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const smallPem = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const encryptedPem = merchant.privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' })
      .toString();
    const truncated = pkcs8Pem.slice(0, 400);
    for (const bad of [spkiPem, ecPem, smallPem, encryptedPem, truncated, 'not a key', merchant.publicKey]) {
      const error = catchError(() => loadPrivateKey(bad), ValidationError);
      expect(error.field).toBe('privateKey');
      if (typeof bad === 'string') expect(error.message).not.toContain(pemBodyLine(bad));
    }
    expect(catchError(() => loadPrivateKey(pkcs8Pem.slice(0, 400)), ValidationError).message).not.toContain(
      pemBodyLine(pkcs8Pem),
    );
  });

  it('loads public keys from SPKI, PKCS#1 public and KeyObject, and refuses private keys', () => {
    const pkcs1Public = merchant.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    for (const input of [spkiPem, pkcs1Public, Buffer.from(spkiPem), merchant.publicKey]) {
      expect(loadPublicKey(input).type).toBe('public');
    }
    for (const bad of [pkcs8Pem, pkcs1Pem, merchant.privateKey, 'garbage']) {
      const error = catchError(() => loadPublicKey(bad), ValidationError);
      expect(error.field).toBe('publicKey');
      if (typeof bad === 'string') expect(error.message).not.toContain(pemBodyLine(bad));
    }
  });
});

describe('SHA256withRSA', () => {
  it('round-trips and is standard PKCS#1 v1.5 (checked with node:crypto directly)', () => {
    const message = 'GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n';
    const signature = signSha256Rsa(message, pkcs8Pem);
    expect(isStrictBase64(signature)).toBe(true);
    expect(Buffer.from(signature, 'base64')).toHaveLength(256);
    expect(nodeVerify('sha256', Buffer.from(message), merchant.publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(verifySha256Rsa(message, signature, spkiPem)).toBe(true);
    expect(verifySha256Rsa(Buffer.from(message), signature, merchant.publicKey)).toBe(true);
  });

  it('rejects a changed message, another key and malformed signatures', () => {
    const signature = signSha256Rsa('hello', merchant.privateKey);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(verifySha256Rsa('hellO', signature, merchant.publicKey)).toBe(false);
    expect(verifySha256Rsa('hello', signature, other.publicKey)).toBe(false);
    expect(verifySha256Rsa('hello', signature.slice(4), merchant.publicKey)).toBe(false);
    expect(verifySha256Rsa('hello', `${signature}\n`, merchant.publicKey)).toBe(false);
    expect(verifySha256Rsa('hello', '', merchant.publicKey)).toBe(false);
  });
});

describe('RSA-OAEP (SHA-1)', () => {
  it('round-trips, randomised, and decrypts with plain node:crypto parameters', () => {
    const a = encryptOaep('张三', spkiPem);
    const b = encryptOaep('张三', merchant.publicKey);
    expect(a).not.toBe(b);
    expect(decryptOaep(a, pkcs1Pem)).toBe('张三');
    expect(decryptOaep(b, merchant.privateKey)).toBe('张三');
  });

  it('rejects the wrong key and malformed ciphertext with WxpayDecryptError', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ciphertext = encryptOaep('13800138000', merchant.publicKey);
    expect(catchError(() => decryptOaep(ciphertext, other.privateKey), WxpayDecryptError).reason).toBe(
      'rsa decryption failed',
    );
    expect(catchError(() => decryptOaep('%%%%', merchant.privateKey), WxpayDecryptError).reason).toBe('invalid base64');
  });

  it('refuses plaintext longer than the key allows (214 bytes for 2048 bits)', () => {
    expect(decryptOaep(encryptOaep('a'.repeat(214), merchant.publicKey), merchant.privateKey)).toHaveLength(214);
    expect(catchError(() => encryptOaep('a'.repeat(215), merchant.publicKey), ValidationError).field).toBe('plaintext');
  });
});

describe('isStrictBase64', () => {
  it.each(['QQ==', 'QUI=', 'QUJD', 'ab+/', vector.signature])('accepts %j', (s) => {
    expect(isStrictBase64(s)).toBe(true);
  });
  it.each(['', 'QQ', 'QQ=', 'QR==', 'QUI', 'Q===', '====', 'ab-_', 'QU JD', 'QUJD\n', '=QUJ', 'QQ==QQ=='])(
    'rejects %j',
    (s) => {
      expect(isStrictBase64(s)).toBe(false);
    },
  );
});

describe('certificateSerial', () => {
  const rsaAlgorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };

  async function makeCertificate(serialNumber: string): Promise<{ pem: string; keys: webcrypto.CryptoKeyPair }> {
    const keys = (await webcrypto.subtle.generateKey(rsaAlgorithm, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber,
      name: 'CN=Tenpay.com Root CA test',
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2029-01-01T00:00:00Z'),
      keys,
      signingAlgorithm: rsaAlgorithm,
    });
    return { pem: certificate.toString('pem'), keys };
  }

  it('keeps a leading zero digit and prints uppercase hex', async () => {
    const { pem } = await makeCertificate('0abc5157f09efdc096de15ebe81a47057a7232f1');
    expect(certificateSerial(pem)).toBe('0ABC5157F09EFDC096DE15EBE81A47057A7232F1');
    expect(certificateSerial(Buffer.from(pem))).toBe('0ABC5157F09EFDC096DE15EBE81A47057A7232F1');
  });

  it('prints whole bytes and drops only the DER sign byte, like openssl x509 -serial', async () => {
    // 0x9F has its high bit set, so DER stores 00 9F 01 23; the 00 is sign padding, not part of the serial.
    expect(certificateSerial((await makeCertificate('9f0123')).pem)).toBe('9F0123');
    expect(certificateSerial((await makeCertificate('05')).pem)).toBe('05');
  });

  it('loads the certificate as a public key that verifies signatures of its private key', async () => {
    const { pem, keys } = await makeCertificate('5157f09efdc096de15ebe81a47057a7232f1b8e1');
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const privateKey = loadPrivateKey(
      `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`,
    );
    expect(verifySha256Rsa('payload', signSha256Rsa('payload', privateKey), pem)).toBe(true);
    expect(verifySha256Rsa('payload', signSha256Rsa('payload', merchant.privateKey), pem)).toBe(false);
  });

  it('refuses what is not a certificate', () => {
    expect(catchError(() => certificateSerial(spkiPem), ValidationError).field).toBe('certificate');
  });
});

describe('APIv3 request Authorization', () => {
  const base = {
    mchid: '1900009191',
    serial: '408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB',
    privateKey: pkcs8Pem,
    method: 'POST',
    pathAndQuery: '/v3/pay/transactions/native',
    body: '{"appid":"wxd678efh567hg6787","description":"Image形象店"}',
    timestamp: 1554208460,
    nonce: '593BEC0C930BF1AFEB40B4A08C8FB242',
  };

  it('builds the 5-line message, each line ending in \\n', () => {
    expect(buildRequestMessage('GET', '/v3/certificates', 1554208460, '593BEC0C930BF1AFEB40B4A08C8FB242', '')).toBe(
      'GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n',
    );
    expect(buildRequestMessage('POST', '/v3/x?a=%2F', '1', 'n', '{"a":"\\n"}')).toBe(
      'POST\n/v3/x?a=%2F\n1\nn\n{"a":"\\n"}\n',
    );
    expect(catchError(() => buildRequestMessage('GET', '/v3/a\n/v3/b', 1, 'n', ''), ValidationError).field).toBe(
      'pathAndQuery',
    );
  });

  it('produces the header with fields in the documented order and a signature over the 5-line message', () => {
    const header = buildAuthorization(base);
    const match =
      /^WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",timestamp="1554208460",serial_no="408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",signature="([A-Za-z0-9+/=]+)"$/.exec(
        header,
      );
    expect(match).not.toBeNull();
    const signature = match?.[1] ?? '';
    const message = buildRequestMessage(base.method, base.pathAndQuery, base.timestamp, base.nonce, base.body);
    expect(verifySha256Rsa(message, signature, merchant.publicKey)).toBe(true);
    expect(verifySha256Rsa(`${message} `, signature, merchant.publicKey)).toBe(false);
  });

  it('signs an empty body for GET and fills in timestamp and nonce', () => {
    const before = Math.floor(Date.now() / 1000);
    const header = buildAuthorization({
      mchid: base.mchid,
      serial: base.serial.toLowerCase(),
      privateKey: merchant.privateKey,
      method: 'GET',
      pathAndQuery: '/v3/certificates',
    });
    const fields = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    expect(fields.serial_no).toBe(base.serial);
    expect(fields.nonce_str).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(Number(fields.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(fields.timestamp)).toBeLessThanOrEqual(before + 5);
    const message = `GET\n/v3/certificates\n${fields.timestamp}\n${fields.nonce_str}\n\n`;
    expect(verifySha256Rsa(message, fields.signature ?? '', spkiPem)).toBe(true);
  });

  it.each([
    ['mchid', { mchid: '19000"09191' }],
    ['mchid', { mchid: '' }],
    ['serial', { serial: '408B07E7,9B82' }],
    ['method', { method: 'post' }],
    ['pathAndQuery', { pathAndQuery: 'v3/pay' }],
    ['pathAndQuery', { pathAndQuery: '/v3/pay transactions' }],
    ['timestamp', { timestamp: '1554208460.5' }],
    ['nonce', { nonce: 'abc",signature="x' }],
  ])('refuses a bad %s before signing', (field, override) => {
    expect(catchError(() => buildAuthorization({ ...base, ...override }), ValidationError).field).toBe(field);
  });

  it('refuses an unusable private key without echoing it', () => {
    const error = catchError(() => buildAuthorization({ ...base, privateKey: spkiPem }), ValidationError);
    expect(error.field).toBe('privateKey');
    expect(error.message).not.toContain(pemBodyLine(spkiPem));
  });
});
