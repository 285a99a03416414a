// Test-only: opening AEAD_AES_256_GCM ciphertext as WeChat Pay sends it (base64 of ciphertext followed by the tag).
import { createDecipheriv } from 'node:crypto';

const tagBytes = 16;

export interface AesGcmSealed {
  key: string;
  nonce: string;
  associatedData: string;
  ciphertext: string;
}

export function decryptAesGcm(sealed: AesGcmSealed): string {
  const bytes = Buffer.from(sealed.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(sealed.key), Buffer.from(sealed.nonce));
  decipher.setAAD(Buffer.from(sealed.associatedData));
  decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
  const plaintext = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - tagBytes)), decipher.final()]);
  return plaintext.toString('utf8');
}
