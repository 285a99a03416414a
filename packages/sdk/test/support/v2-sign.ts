// Test-only, independent APIv2 wire helpers (signature, flat XML reading and writing) used to cross-check the SDK.
// Written straight from docs/protocol.md and deliberately sharing no code with packages/sdk/src:
// if both sides shared a bug, the tests could not see it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type V2SignType = 'MD5' | 'HMAC-SHA256';

/** `k=v&...` over every non-empty field except `sign`, names sorted by byte order, raw values. */
export function v2StringToSign(fields: Record<string, string>, key: string): string {
  const names = Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== '' && fields[name] !== undefined)
    .sort(compareBytes);
  const pairs = names.map((name) => `${name}=${fields[name]}`);
  return `${pairs.join('&')}&key=${key}`;
}

/** The APIv2 `sign` value for `fields` (MD5 unless told otherwise). */
export function v2Sign(fields: Record<string, string>, key: string, signType: V2SignType = 'MD5'): string {
  const message = v2StringToSign(fields, key);
  const digest =
    signType === 'HMAC-SHA256'
      ? createHmac('sha256', key).update(message, 'utf8').digest('hex')
      : createHash('md5').update(message, 'utf8').digest('hex');
  return digest.toUpperCase();
}

/** Returns a copy of `fields` with `sign` added, e.g. to build a signed reply. */
export function withV2Sign(
  fields: Record<string, string>,
  key: string,
  signType: V2SignType = 'MD5',
): Record<string, string> {
  return { ...fields, sign: v2Sign(fields, key, signType) };
}

/**
 * Checks `fields.sign` the way the server does: the algorithm comes from `sign_type` (absent = MD5);
 * an unknown `sign_type` or a missing sign never verifies.
 */
export function verifyV2Sign(fields: Record<string, string>, key: string): boolean {
  const received = fields.sign;
  if (received === undefined || received === '') return false;
  const signType = fields.sign_type ?? 'MD5';
  if (signType !== 'MD5' && signType !== 'HMAC-SHA256') return false;
  const expected = Buffer.from(v2Sign(fields, key, signType), 'utf8');
  const actual = Buffer.from(received, 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** WeCom `workwx_sign`: MD5 uppercase over the listed fields only (empties dropped), suffixed `&secret=SECRET`. */
export function workwxSign(fields: Record<string, string>, subset: readonly string[], secret: string): string {
  const names = subset.filter((name) => fields[name] !== undefined && fields[name] !== '').sort(compareBytes);
  const message = `${names.map((name) => `${name}=${fields[name]}`).join('&')}&secret=${secret}`;
  return createHash('md5').update(message, 'utf8').digest('hex').toUpperCase();
}

/** Byte-order comparison of UTF-8 strings (not locale order, not UTF-16 code unit order). */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Builds an APIv2 reply body with every value in CDATA, splitting any `]]>` across two sections. */
export function replyXml(fields: Record<string, string>): string {
  const children = Object.entries(fields).map(
    ([name, value]) => `<${name}><![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${name}>`,
  );
  return `<xml>${children.join('')}</xml>`;
}

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/**
 * Reads a flat `<xml><name>value</name>...</xml>` document into strings, exactly as sent (no trimming, no numbers).
 * Values may mix escaped text and CDATA sections. Throws on anything else: nested elements, DOCTYPE, bad entities.
 */
export function extractXmlFields(xml: string): Record<string, string> {
  const body = /^\s*(?:<\?xml[^?]*\?>)?\s*<xml>([\s\S]*)<\/xml>\s*$/.exec(xml)?.[1];
  if (body === undefined) throw new Error('not a flat <xml> document');
  // A null prototype means a field called __proto__ is just data.
  const fields: Record<string, string> = Object.create(null);
  let at = 0;
  for (;;) {
    while (at < body.length && /\s/.test(body.charAt(at))) at++;
    if (at === body.length) return fields;
    const open = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(body.slice(at));
    if (!open) throw new Error(`unexpected content at offset ${at}`);
    const name = open[1] ?? '';
    at += open[0].length;
    if (open[2] === '/') {
      fields[name] = '';
      continue;
    }
    const close = `</${name}>`;
    let value = '';
    while (!body.startsWith(close, at)) {
      if (body.startsWith('<![CDATA[', at)) {
        const end = body.indexOf(']]>', at + 9);
        if (end < 0) throw new Error(`unterminated CDATA in <${name}>`);
        value += body.slice(at + 9, end);
        at = end + 3;
      } else if (body.charAt(at) === '<' || at >= body.length) {
        throw new Error(`<${name}> is not a flat text element`);
      } else {
        const next = body.indexOf('<', at);
        const end = next < 0 ? body.length : next;
        value += decodeEntities(body.slice(at, end), name);
        at = end;
      }
    }
    at += close.length;
    fields[name] = value;
  }
}

function decodeEntities(text: string, fieldName: string): string {
  return text.replace(/&([^;]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new Error(`bare & in <${fieldName}>`);
    const named = entities[ref];
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
    if (numeric) return String.fromCodePoint(numeric[1] ? Number.parseInt(numeric[1], 16) : Number(numeric[2]));
    throw new Error(`unknown entity &${ref}; in <${fieldName}>`);
  });
}
