// AEAD_AES_256_GCM sealing (docs/protocol.md, "APIv3: notifications"): notification resources and downloaded platform
// certificates, keyed with the merchant's 32-byte APIv3 key; the ciphertext travels as base64 of ciphertext ‖ tag.
import { createCipheriv } from 'node:crypto';

export interface AesGcmSealInput {
  /** The APIv3 key: 32 ASCII characters, used as its 32 bytes. */
  key: string;
  /** 12 characters, used as the 12-byte IV; sent alongside as `nonce`. */
  nonce: string;
  associatedData: string;
  plaintext: string;
}

export function encryptAesGcm({ key, nonce, associatedData, plaintext }: AesGcmSealInput): string {
  const keyBytes = Buffer.from(key, 'utf8');
  const iv = Buffer.from(nonce, 'utf8');
  // Fail closed: a wrong-sized key or IV would be the merchant's configuration error surfacing as garbage later.
  if (keyBytes.length !== 32) throw new RangeError('AES-256-GCM wants a 32-byte APIv3 key');
  if (iv.length !== 12) throw new RangeError('AES-256-GCM here uses a 12-byte nonce');
  const cipher = createCipheriv('aes-256-gcm', keyBytes, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return sealed.toString('base64');
}
