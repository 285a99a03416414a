// APIv3 reply and notification signatures (docs/protocol.md, "APIv3: verifying replies and notifications"): the
// three-line message `timestamp\nnonce\nbody\n`, signed SHA256withRSA with WeChat Pay's key, base64.
import { type KeyObject, sign } from 'node:crypto';

export function replySignMessage(timestamp: string, nonce: string, body: string): Buffer {
  return Buffer.from(`${timestamp}\n${nonce}\n${body}\n`, 'utf8');
}

/** The `Wechatpay-Signature` of `message`. */
export function signReplyMessage(message: Buffer, privateKey: KeyObject): string {
  return sign('sha256', message, privateKey).toString('base64');
}
