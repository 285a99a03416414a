// RSA-OAEP (SHA-1, MGF1-SHA-1) as WeChat Pay uses it for sensitive fields (a payee's name): the merchant encrypts
// under a WeChat Pay key, WeChat Pay encrypts what it returns under the merchant's API certificate. Base64 on the wire.
import { constants, type KeyObject, privateDecrypt, publicEncrypt } from 'node:crypto';

const padding = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' } as const;

/** The base64 ciphertext of `plaintext` (UTF-8) under `publicKey`. */
export function encryptOaep(plaintext: string, publicKey: KeyObject): string {
  return publicEncrypt({ key: publicKey, ...padding }, Buffer.from(plaintext, 'utf8')).toString('base64');
}

/** The UTF-8 plaintext of a base64 ciphertext, or undefined when it does not decrypt under `privateKey`. */
export function decryptOaep(ciphertext: string, privateKey: KeyObject): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(ciphertext)) return undefined;
  try {
    const plaintext = privateDecrypt({ key: privateKey, ...padding }, Buffer.from(ciphertext, 'base64'));
    const text = plaintext.toString('utf8');
    // Bytes that are not UTF-8 are not a name.
    return Buffer.from(text, 'utf8').equals(plaintext) ? text : undefined;
  } catch {
    return undefined;
  }
}
