// AES for WeChat Pay payloads: AES-256-GCM (APIv3 notifications and certificates) and AES-256-ECB (APIv2 refund req_info).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ValidationError, WxpayDecryptError } from '../errors.js';
import { md5Hex } from './hash.js';
import { decodeStrictBase64 } from './rsa.js';

const KEY_BYTES = 32;
const GCM_NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;
const AES_BLOCK_BYTES = 16;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An APIv3 `resource` to open: key = the 32-byte APIv3 key, nonce = `resource.nonce`, aad = `associated_data`. */
export interface AesGcmDecryptInput {
  key: string | Buffer;
  nonce: string | Buffer;
  /** `associated_data`; absent and empty mean the same thing to GCM. */
  associatedData?: string | Buffer | undefined;
  /** base64 of ciphertext || 16-byte tag, as in `resource.ciphertext`. */
  ciphertext: string;
}

/** What to seal into an APIv3 `resource` (the sandbox's side of {@link decryptAesGcm}). */
export interface AesGcmEncryptInput {
  key: string | Buffer;
  /** 12 bytes, unique per key: reusing a nonce with the same key breaks GCM. */
  nonce: string | Buffer;
  associatedData?: string | Buffer | undefined;
  plaintext: string | Buffer;
}

/**
 * Opens an AEAD_AES_256_GCM resource and returns the UTF-8 plaintext. Every failure (wrong key length, nonce not
 * 12 bytes, ciphertext not strict base64 or shorter than the tag, tag mismatch, non-UTF-8 result) is a WxpayDecryptError.
 */
export function decryptAesGcm(input: AesGcmDecryptInput): string {
  const key = toBytes(input.key, 'key');
  const nonce = toBytes(input.nonce, 'nonce');
  if (key.length !== KEY_BYTES) throw new WxpayDecryptError('invalid key length');
  if (nonce.length !== GCM_NONCE_BYTES) throw new WxpayDecryptError('invalid nonce length');
  const sealed = decodeStrictBase64(input.ciphertext);
  if (sealed === undefined) throw new WxpayDecryptError('invalid base64');
  if (sealed.length < GCM_TAG_BYTES) throw new WxpayDecryptError('ciphertext too short');

  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
  decipher.setAAD(toBytes(input.associatedData ?? '', 'associatedData'));
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)), decipher.final()]);
  } catch {
    throw new WxpayDecryptError('authentication failed');
  }
  return decodeUtf8(plaintext);
}

/** Seals plaintext as AEAD_AES_256_GCM: base64 of ciphertext || 16-byte tag. Bad key or nonce length is a ValidationError. */
export function encryptAesGcm(input: AesGcmEncryptInput): string {
  const key = toBytes(input.key, 'key');
  const nonce = toBytes(input.nonce, 'nonce');
  if (key.length !== KEY_BYTES) throw new ValidationError('key', `must be ${KEY_BYTES} bytes`);
  if (nonce.length !== GCM_NONCE_BYTES) throw new ValidationError('nonce', `must be ${GCM_NONCE_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(toBytes(input.associatedData ?? '', 'associatedData'));
  const ciphertext = Buffer.concat([cipher.update(toBytes(input.plaintext, 'plaintext')), cipher.final()]);
  return Buffer.concat([ciphertext, cipher.getAuthTag()]).toString('base64');
}

/**
 * AES-256-ECB with PKCS#7 padding, base64 in, UTF-8 out. ECB has no authentication: a wrong key is usually caught as
 * `bad padding`, but not always, so the caller must still treat the plaintext as untrusted until it parses.
 */
export function decryptAesEcb(ciphertextB64: string, key: string | Buffer): string {
  const keyBytes = toBytes(key, 'key');
  if (keyBytes.length !== KEY_BYTES) throw new WxpayDecryptError('invalid key length');
  const ciphertext = decodeStrictBase64(ciphertextB64);
  if (ciphertext === undefined) throw new WxpayDecryptError('invalid base64');
  if (ciphertext.length % AES_BLOCK_BYTES !== 0) throw new WxpayDecryptError('invalid ciphertext length');

  const decipher = createDecipheriv('aes-256-ecb', keyBytes, null);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new WxpayDecryptError('bad padding');
  }
  return decodeUtf8(plaintext);
}

/** AES-256-ECB with PKCS#7 padding, base64 out (the sandbox's side of {@link decryptAesEcb}). */
export function encryptAesEcb(plaintext: string | Buffer, key: string | Buffer): string {
  const keyBytes = toBytes(key, 'key');
  if (keyBytes.length !== KEY_BYTES) throw new ValidationError('key', `must be ${KEY_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-ecb', keyBytes, null);
  return Buffer.concat([cipher.update(toBytes(plaintext, 'plaintext')), cipher.final()]).toString('base64');
}

/** Decrypts an APIv2 refund notification's `req_info` (key = lowercase hex MD5 of the APIv2 key) to its XML text. */
export function decryptRefundReqInfo(reqInfoB64: string, apiv2Key: string): string {
  return decryptAesEcb(reqInfoB64, refundReqInfoKey(apiv2Key));
}

/** Encrypts refund notification XML into `req_info` (the sandbox's side of {@link decryptRefundReqInfo}). */
export function encryptRefundReqInfo(xml: string, apiv2Key: string): string {
  return encryptAesEcb(xml, refundReqInfoKey(apiv2Key));
}

function refundReqInfoKey(apiv2Key: string): string {
  if (typeof apiv2Key !== 'string' || apiv2Key.length === 0) throw new ValidationError('apiv2Key', 'required');
  // The 32 hex characters themselves (not the 16 digest bytes) are the AES-256 key.
  return md5Hex(apiv2Key);
}

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new WxpayDecryptError('invalid utf-8');
  }
}

/** A string (as UTF-8) or bytes; anything else is the caller's mistake, named by `field`. */
function toBytes(data: string | Buffer, field: string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new ValidationError(field, 'string or Buffer');
}
