// Test-only APIv3 notification builder, straight from docs/protocol.md (independent of packages/sdk/src): the JSON
// envelope with the resource sealed by AES-256-GCM under the APIv3 key, and the Wechatpay-* signature headers.
import { createCipheriv, type KeyObject } from 'node:crypto';
import { randomAlphanumeric, signReply } from './v3-keys.js';

export interface NotificationDelivery {
  headers: Record<string, string>;
  body: string;
}

export interface NotificationSpec {
  eventType: string;
  resource: unknown;
  /** `original_type` and associated data, e.g. `transaction`, `refund`, `mch_payment`. */
  originalType: string;
  /** Associated data other than `originalType`, e.g. to seal under the wrong one. */
  associatedData?: string;
  /** Default: a fresh `EV-...` id. */
  id?: string;
  createTime?: string;
  summary?: string;
  apiv3Key: string;
  signer: { serial: string; privateKey: KeyObject };
  /** Seconds added to the signed timestamp. */
  timestampOffset?: number;
}

export function notificationDelivery(spec: NotificationSpec): NotificationDelivery {
  const nonce = randomAlphanumeric(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(spec.apiv3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  const associatedData = spec.associatedData ?? spec.originalType;
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const sealed = Buffer.concat([
    cipher.update(JSON.stringify(spec.resource), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  const body = JSON.stringify({
    id: spec.id ?? `EV-${randomAlphanumeric(20)}`,
    create_time: spec.createTime ?? '2025-01-01T10:00:00+08:00',
    resource_type: 'encrypt-resource',
    event_type: spec.eventType,
    summary: spec.summary ?? 'notification',
    resource: {
      original_type: spec.originalType,
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: sealed.toString('base64'),
      associated_data: associatedData,
      nonce,
    },
  });
  const timestamp = String(Math.floor(Date.now() / 1000) + (spec.timestampOffset ?? 0));
  const signatureNonce = randomAlphanumeric(32);
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': signatureNonce,
      'Wechatpay-Serial': spec.signer.serial,
      'Wechatpay-Signature': signReply({ timestamp, nonce: signatureNonce, body, privateKey: spec.signer.privateKey }),
    },
  };
}
