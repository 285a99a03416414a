// WeCom `workwx_sign` (docs/protocol.md, "WeCom workwx_sign"): only the endpoint's fixed subset of fields, sorted and
// joined like `sign`, then `&secret=` and the WeCom payment secret; MD5, upper-case hex.
import { hash } from 'node:crypto';
import { sortedPairs } from './v2-sign.js';

export function signWorkwx(
  fields: Readonly<Record<string, string>>,
  subset: readonly string[],
  secret: string,
): string {
  const message = `${sortedPairs(fields, subset)}&secret=${secret}`;
  return hash('md5', message, 'hex').toUpperCase();
}
