// APIv2 `sign` (docs/protocol.md, "APIv2: signatures"): the non-empty fields but `sign`, sorted by name, joined as
// name=value pairs with `&`, then `&key=` and the APIv2 key; MD5, or HMAC-SHA256 keyed with the APIv2 key; upper hex.
import { createHmac, hash } from 'node:crypto';

export type V2SignAlgorithm = 'MD5' | 'HMAC-SHA256';

/** Characters from U+D800 up, where the order of UTF-16 code units stops following the order of UTF-8 bytes. */
const beyondPlainOrder = /[\uD800-\uFFFF]/;

/**
 * `name=value&...` over `names` whose values are present and non-empty, sorted by the bytes of the name (so upper
 * case sorts before lower case). Values go in raw: no URL encoding, no trimming, since spaces are signed too.
 */
export function sortedPairs(fields: Readonly<Record<string, string>>, names: Iterable<string>): string {
  return joinSorted(fields, [...new Set(names)]);
}

/** `sortedPairs` over names known to be distinct (`present` is sorted in place). */
function joinSorted(fields: Readonly<Record<string, string>>, names: string[]): string {
  const present = names.filter((name) => Object.hasOwn(fields, name) && fields[name] !== '');
  // This runs twice on every APIv2 request. Below U+D800, JavaScript's string order (by UTF-16 code unit) is the UTF-8
  // byte order, and names are ASCII in practice; only other names are compared as bytes.
  if (present.some((name) => beyondPlainOrder.test(name))) present.sort(compareUtf8);
  else present.sort();
  let joined = '';
  for (const name of present) joined += `${joined === '' ? '' : '&'}${name}=${fields[name]}`;
  return joined;
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The `sign` of `fields` with the merchant's APIv2 key. */
export function signV2(fields: Readonly<Record<string, string>>, key: string, algorithm: V2SignAlgorithm): string {
  // Own keys are distinct already.
  const signed = Object.keys(fields).filter((name) => name !== 'sign');
  const message = `${joinSorted(fields, signed)}&key=${key}`;
  const digest =
    algorithm === 'MD5' ? hash('md5', message, 'hex') : createHmac('sha256', key).update(message, 'utf8').digest('hex');
  return digest.toUpperCase();
}
