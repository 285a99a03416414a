// RSA for APIv3: loading merchant and WeChat Pay keys, SHA256withRSA signatures and RSA-OAEP for sensitive fields.
import {
  constants,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  privateDecrypt,
  publicEncrypt,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { ValidationError, WxpayDecryptError } from '../errors.js';

/** A private key as configured: PEM text (PKCS#1 or PKCS#8), the PEM file's bytes, or an already loaded key. */
export type PrivateKeyInput = string | Buffer | KeyObject;

/** A public key as configured: `BEGIN PUBLIC KEY` PEM, an X.509 certificate PEM, their bytes, or a loaded key. */
export type PublicKeyInput = string | Buffer | KeyObject;

/** WeChat Pay only issues and accepts RSA 2048 keys; anything shorter is a configuration mistake. */
const MIN_MODULUS_BITS = 2048;

/** RSA-OAEP with SHA-1 spends 2 * 20 + 2 bytes of the modulus on padding. */
const OAEP_SHA1_OVERHEAD = 42;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Loads the merchant private key (`apiclient_key.pem`). Accepts PKCS#1 (`BEGIN RSA PRIVATE KEY`) and PKCS#8
 * (`BEGIN PRIVATE KEY`) PEM. Anything else (a certificate, a public key, an encrypted key, another algorithm) is a
 * ValidationError on `privateKey` whose message never contains any of the input.
 */
export function loadPrivateKey(input: PrivateKeyInput): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== 'private') throw new ValidationError('privateKey', 'must be a private key, not a public key');
    return requireRsa2048(input, 'privateKey');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: normalizePem(input), format: 'pem' });
  } catch {
    // The underlying error is dropped on purpose: it adds nothing actionable and must not risk quoting the key.
    throw new ValidationError(
      'privateKey',
      'must be an unencrypted RSA private key in PEM (PKCS#1 "BEGIN RSA PRIVATE KEY" or PKCS#8 "BEGIN PRIVATE KEY")',
    );
  }
  return requireRsa2048(key, 'privateKey');
}

/**
 * Loads a key that verifies WeChat Pay signatures or encrypts sensitive fields: a WeChat Pay public key
 * (`BEGIN PUBLIC KEY`, also PKCS#1 `BEGIN RSA PUBLIC KEY`) or a platform certificate (`BEGIN CERTIFICATE`).
 * A private key is refused: in this slot it is almost always the merchant's own key put in the wrong place.
 */
export function loadPublicKey(input: PublicKeyInput): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== 'public') throw new ValidationError('publicKey', 'must be a public key, not a private key');
    return requireRsa2048(input, 'publicKey');
  }
  const pem = normalizePem(input);
  if (pem.includes('PRIVATE KEY-----')) {
    throw new ValidationError('publicKey', 'must be a public key or certificate, not a private key');
  }
  let key: KeyObject;
  try {
    key = pem.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(pem).publicKey
      : createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ValidationError('publicKey', 'must be an RSA public key ("BEGIN PUBLIC KEY") or certificate PEM');
  }
  return requireRsa2048(key, 'publicKey');
}

/**
 * The serial number of a certificate as WeChat Pay writes it (`serial_no`, `Wechatpay-Serial`): uppercase hex of the
 * certificate's serial bytes, leading zero digits kept (`0ABC...` stays `0ABC...`).
 */
export function certificateSerial(certPem: string | Buffer): string {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(normalizePem(certPem));
  } catch {
    throw new ValidationError('certificate', 'must be an X.509 certificate in PEM ("BEGIN CERTIFICATE")');
  }
  // OpenSSL prints whole bytes (so a leading zero digit survives) and drops only the DER sign byte, like `openssl x509 -serial`.
  return certificate.serialNumber.toUpperCase();
}

/** SHA256withRSA (PKCS#1 v1.5) signature of `message`, base64. */
export function signSha256Rsa(message: string | Buffer, privateKey: PrivateKeyInput): string {
  const key = loadPrivateKey(privateKey);
  return sign('sha256', toBytes(message), { key, padding: constants.RSA_PKCS1_PADDING }).toString('base64');
}

/**
 * Checks a SHA256withRSA (PKCS#1 v1.5) signature. A signature that is not strict base64 is simply invalid (`false`);
 * an unusable key is a ValidationError, because that is a configuration problem, not a bad signature.
 */
export function verifySha256Rsa(message: string | Buffer, signatureB64: string, publicKey: PublicKeyInput): boolean {
  const key = loadPublicKey(publicKey);
  const signature = decodeStrictBase64(signatureB64);
  if (signature === undefined) return false;
  return verifySha256RsaBytes(message, signature, key);
}

/** {@link verifySha256Rsa} for a signature its caller has already decoded (and checked) with decodeStrictBase64. */
export function verifySha256RsaBytes(message: string | Buffer, signature: Buffer, publicKey: PublicKeyInput): boolean {
  return verify(
    'sha256',
    toBytes(message),
    { key: loadPublicKey(publicKey), padding: constants.RSA_PKCS1_PADDING },
    signature,
  );
}

/** Encrypts a sensitive field (name, id number, phone...) with RSA-OAEP (SHA-1, MGF1-SHA-1), base64. */
export function encryptOaep(plaintext: string | Buffer, publicKey: PublicKeyInput): string {
  const key = loadPublicKey(publicKey);
  const data = toBytes(plaintext);
  const maxBytes = (key.asymmetricKeyDetails?.modulusLength ?? MIN_MODULUS_BITS) / 8 - OAEP_SHA1_OVERHEAD;
  if (data.length > maxBytes) {
    throw new ValidationError('plaintext', `at most ${maxBytes} bytes for RSA-OAEP with this key`);
  }
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, data).toString('base64');
}

/** Decrypts an RSA-OAEP (SHA-1) field encrypted for the merchant key; WxpayDecryptError when it cannot. */
export function decryptOaep(ciphertextB64: string, privateKey: PrivateKeyInput): string {
  const key = loadPrivateKey(privateKey);
  const ciphertext = decodeStrictBase64(ciphertextB64);
  if (ciphertext === undefined) throw new WxpayDecryptError('invalid base64');
  let plaintext: Buffer;
  try {
    plaintext = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, ciphertext);
  } catch {
    throw new WxpayDecryptError('rsa decryption failed');
  }
  try {
    return utf8.decode(plaintext);
  } catch {
    throw new WxpayDecryptError('invalid utf-8');
  }
}

/**
 * The bytes of non-empty, canonical, padded standard base64 (`A-Z a-z 0-9 + /`, `=` padding, no whitespace, no
 * URL-safe alphabet, unused trailing bits zero), or undefined for anything else. Node's decoder silently skips what it
 * does not understand, which would let a malformed signature or ciphertext reach the crypto layer as different bytes
 * than were sent; checking and decoding in one step also means callers never decode twice.
 */
export function decodeStrictBase64(s: string): Buffer | undefined {
  if (typeof s !== 'string' || s.length === 0 || s.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(s, 'base64');
  // The encoder writes only canonical base64, so a string that is not exactly its decoding re-encoded is refused:
  // a skipped character, whitespace, the URL-safe alphabet, misplaced `=` or non-zero unused bits (`QR==` decodes
  // to the same byte as `QQ==`). One check for all of them, cheaper than a pattern over a long signature.
  return bytes.toString('base64') === s ? bytes : undefined;
}

/** True when {@link decodeStrictBase64} accepts `s`. */
export function isStrictBase64(s: string): boolean {
  return decodeStrictBase64(s) !== undefined;
}

function requireRsa2048(key: KeyObject, field: string): KeyObject {
  // `rsa-pss` keys cannot make PKCS#1 v1.5 signatures, so only plain `rsa` qualifies.
  if (key.asymmetricKeyType !== 'rsa') throw new ValidationError(field, 'must be an RSA key');
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS)
    throw new ValidationError(field, `must be an RSA key of at least ${MIN_MODULUS_BITS} bits`);
  return key;
}

/**
 * PEM text from a string or file bytes. Keys kept in environment variables often arrive with literal `\n` escapes
 * instead of line breaks; those are turned back into line breaks so such a key loads.
 */
function normalizePem(input: string | Buffer): string {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  return !text.includes('\n') && text.includes('\\n') ? text.replaceAll('\\n', '\n') : text;
}

function toBytes(data: string | Buffer): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
