// Test-only: whether an APIv2 reply carries a `sign` that verifies (MD5 with the merchant's APIv2 key).
import type { XmlObject } from 'wxpay';
import { signV2 } from '../../src/wire/v2-sign.js';

/** A signed reply is flat: a nested element could not be covered by the signature, so it fails here too. */
export function hasValidV2Sign(reply: XmlObject, key: string): boolean {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply)) {
    if (typeof value !== 'string') return false;
    fields[name] = value;
  }
  return fields.sign !== undefined && fields.sign === signV2(fields, key, 'MD5');
}
