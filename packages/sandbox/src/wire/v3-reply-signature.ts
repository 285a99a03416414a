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

/**
 * The same signature computed on libuv's thread pool: an RSA signature is most of an APIv3 reply's CPU, and off the
 * event loop it runs on another core while the sandbox serves other requests.
 */
export function signReplyMessageOffLoop(message: Buffer, privateKey: KeyObject): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha256', message, privateKey, (error, signature) => {
      if (error === null) resolve(signature.toString('base64'));
      else reject(error);
    });
  });
}
