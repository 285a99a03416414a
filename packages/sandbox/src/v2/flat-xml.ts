// The shape nearly every APIv2 request body has (`<xml>` holding one `<name>text</name>` per field, nothing else), read
// in one pass. Anything else (a declaration, whitespace between elements, references, comments, a repeated or unusual
// name, CR, a character XML forbids, bytes that are not UTF-8) is left to the SDK's strict parser, which reads it or
// names what is wrong; for the bodies read here both give the same fields (test/v2-flat-xml.test.ts compares them).

/** Strict UTF-8 that keeps a byte order mark (a body starting with one is not read here). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** XML 1.0's forbidden characters, as the SDK's parser defines them. */
const notXmlText = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
/**
 * One field: a plain name, then text without markup or references, or one CDATA section (which cannot hold `]]>`),
 * then the matching end tag.
 */
const field = /<([A-Za-z_][A-Za-z0-9_]*)>(?:([^<>&\r]*)|<!\[CDATA\[((?:[^\]]|\](?!\]>))*)\]\]>)<\/\1>/y;
/** Element names the SDK's parser refuses. */
const refusedNames = new Set(['__proto__', 'constructor', 'prototype']);
const open = '<xml>';
const close = '</xml>';

/** The fields of a flat `<xml>` body, or undefined when the body is not one (the SDK's parser must decide). */
export function readFlatXml(body: Uint8Array): Record<string, string> | undefined {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return undefined;
  }
  if (!text.startsWith(open) || !text.endsWith(close) || text.includes('\r') || notXmlText.test(text)) {
    return undefined;
  }
  const end = text.length - close.length;
  // Prototype-less, as the SDK's parser answers: a missing field is undefined whatever its name.
  const fields: Record<string, string> = Object.create(null);
  let position = open.length;
  while (position < end) {
    field.lastIndex = position;
    const match = field.exec(text);
    if (match === null || field.lastIndex > end) return undefined;
    const [, name = '', plain, cdata] = match;
    // `fields` has no prototype: a name it does not hold reads as undefined.
    if (refusedNames.has(name) || fields[name] !== undefined) return undefined;
    fields[name] = plain ?? cdata ?? '';
    position = field.lastIndex;
  }
  return fields;
}
