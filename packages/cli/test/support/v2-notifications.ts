// Test-only: APIv2 notifications as WeChat Pay sends them, made with the test's own code on node:crypto (MD5 `sign`;
// refund `req_info` sealed with AES-256-ECB under the MD5 of the APIv2 key), so the command is checked against an
// independent implementation rather than the SDK's.
import { createCipheriv, createHash } from 'node:crypto';

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** The MD5 `sign` of flat fields: non-empty values by name, then `key`, uppercase hex. */
export function v2Sign(fields: Readonly<Record<string, string>>, apiv2Key: string): string {
  const pairs = Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== '')
    .sort()
    .map((name) => `${name}=${fields[name]}`);
  return md5(`${pairs.join('&')}&key=${apiv2Key}`).toUpperCase();
}

export function xmlOf(fields: Readonly<Record<string, string>>, root = 'xml'): string {
  const body = Object.entries(fields)
    .map(([name, value]) => `<${name}><![CDATA[${value}]]></${name}>`)
    .join('');
  return `<${root}>${body}</${root}>`;
}

/** A signed payment notification. */
export function signedNotification(fields: Readonly<Record<string, string>>, apiv2Key: string): string {
  return xmlOf({ ...fields, sign: v2Sign(fields, apiv2Key) });
}

/** A refund notification: the refund's fields sealed into `req_info`. */
export function refundNotification(
  outer: Readonly<Record<string, string>>,
  refund: Readonly<Record<string, string>>,
  apiv2Key: string,
): string {
  const cipher = createCipheriv('aes-256-ecb', Buffer.from(md5(apiv2Key), 'utf8'), null);
  const sealed = Buffer.concat([cipher.update(xmlOf(refund, 'root'), 'utf8'), cipher.final()]).toString('base64');
  return xmlOf({ ...outer, req_info: sealed });
}
