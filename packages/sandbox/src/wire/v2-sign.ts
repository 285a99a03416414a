// APIv2 `sign` (docs/protocol.md, "APIv2: signatures"): the non-empty fields but `sign`, sorted by name, joined as
// name=value pairs with `&`, then `&key=` and the APIv2 key; MD5, or HMAC-SHA256 keyed with the APIv2 key; upper hex.
import { createHash, createHmac } from 'node:crypto';

export type V2SignAlgorithm = 'MD5' | 'HMAC-SHA256';

/**
 * `name=value&...` over `names` whose values are present and non-empty, sorted by the bytes of the name (so upper
 * case sorts before lower case). Values go in raw: no URL encoding, no trimming, since spaces are signed too.
 */
export function sortedPairs(fields: Readonly<Record<string, string>>, names: Iterable<string>): string {
  // Each name's bytes are made once, not twice per comparison: this runs on every APIv2 request.
  return [...new Set(names)]
    .filter((name) => Object.hasOwn(fields, name) && fields[name] !== '')
    .map((name) => ({ name, bytes: Buffer.from(name, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ name }) => `${name}=${fields[name]}`)
    .join('&');
}

/** The `sign` of `fields` with the merchant's APIv2 key. */
export function signV2(fields: Readonly<Record<string, string>>, key: string, algorithm: V2SignAlgorithm): string {
  const signed = Object.keys(fields).filter((name) => name !== 'sign');
  const message = `${sortedPairs(fields, signed)}&key=${key}`;
  const digest =
    algorithm === 'MD5'
      ? createHash('md5').update(message, 'utf8').digest('hex')
      : createHmac('sha256', key).update(message, 'utf8').digest('hex');
  return digest.toUpperCase();
}
