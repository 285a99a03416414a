// The one fingerprint of a request's business content, for APIv2 and APIv3 alike: a resend under a used business
// number (mch_billno, partner_trade_no, out_trade_no, out_refund_no) is a re-entry when the fingerprints match and a
// changed request when they do not. The fingerprints are stored, so their bytes must never change.
import { sha256Hex } from './wire/digest.js';

/**
 * SHA-256 of the content as canonical JSON: object keys sorted at every depth, arrays in their order. Key order and
 * whitespace of a body do not change it; any value does.
 */
export function requestHash(content: unknown): string {
  return sha256Hex(JSON.stringify(canonical(content)));
}

/** Fields that change on every APIv2 resend and so take no part in "the same request": nonce and signatures. */
const volatileV2Fields = new Set(['nonce_str', 'sign', 'sign_type', 'workwx_sign']);

/**
 * The fingerprint of an APIv2 request: its business fields as name/value pairs in name order. Empty fields count as
 * absent, as in a signature.
 */
export function v2RequestHash(fields: Readonly<Record<string, string>>): string {
  const business = Object.keys(fields)
    .filter((name) => !volatileV2Fields.has(name) && fields[name] !== '')
    .sort()
    .map((name) => [name, fields[name]]);
  // requestHash of these pairs, without its canonical walk: pairs of strings in an array are canonical already.
  return sha256Hex(JSON.stringify(business));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = canonical((value as Record<string, unknown>)[key]);
  return sorted;
}
