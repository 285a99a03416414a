// APIv2 signatures: `sign` (MD5 or HMAC-SHA256) and WeCom's `workwx_sign`, both over sorted `k=v` pairs.

import type { V2SignType } from '../catalog/types.js';
import { hmacSha256Hex, md5Hex } from '../crypto/hash.js';
import { timingSafeEqualString } from '../crypto/timing-safe.js';

type Fields = Readonly<Record<string, unknown>>;

/** `k=v&k=v...` over the named fields (or all but `sign`), empties dropped, names in byte order, raw values. */
function joinSorted(fields: Fields, names: readonly string[], skip?: string): string {
  const signed: string[] = [];
  for (const name of names) {
    const value = fields[name];
    if (name !== skip && typeof value === 'string' && value !== '') signed.push(name);
  }
  // The default sort compares UTF-16 code units, as `<` does, without calling back into JavaScript per comparison.
  signed.sort();
  let joined = '';
  for (const name of signed) joined += `${joined === '' ? '' : '&'}${name}=${fields[name] as string}`;
  return joined;
}

/** The exact string that `sign` covers: every field but `sign`, then `&key=<APIv2 key>`. */
export function v2SignString(fields: Fields, key: string): string {
  return `${joinSorted(fields, Object.keys(fields), 'sign')}&key=${key}`;
}

export function signV2(fields: Fields, key: string, signType: V2SignType = 'MD5'): string {
  const text = v2SignString(fields, key);
  return (signType === 'HMAC-SHA256' ? hmacSha256Hex(key, text) : md5Hex(text)).toUpperCase();
}

/**
 * Checks a reply's or notification's `sign` in constant time with the algorithm the exchange uses: the `sign_type` the
 * request was sent with, or a notification's own `sign_type` (default MD5). Never guessed from the signature's length:
 * that would let an MD5 signature stand in on an HMAC-SHA256 exchange.
 */
export function verifyV2Sign(fields: Fields, key: string, signType: V2SignType = 'MD5'): boolean {
  const sign = fields.sign;
  if (typeof sign !== 'string') return false;
  return timingSafeEqualString(signV2(fields, key, signType), sign.toUpperCase());
}

/** WeCom's `workwx_sign`: MD5 over the endpoint's fixed field subset, then `&secret=<WeCom payment secret>`. */
export function signWorkwx(fields: Fields, subset: readonly string[], secret: string): string {
  return md5Hex(`${joinSorted(fields, subset)}&secret=${secret}`).toUpperCase();
}
