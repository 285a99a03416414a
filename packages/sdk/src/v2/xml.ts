// APIv2 XML: a small strict parser for untrusted replies/notifications, and the `<xml>` request body builder.
import { ValidationError, WxpayParseError } from '../errors.js';

export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
/** APIv2 documents are at most 3 levels deep; the cap only stops pathological nesting. */
const MAX_DEPTH = 32;
/** Names that reach Object.prototype machinery when a caller copies or merges the result into a plain object. */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
/** Anything XML 1.0 does not allow: control characters but tab/LF/CR, lone surrogates, U+FFFE and U+FFFF. */
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** Checked before parsing anything: a DTD is how XXE and "billion laughs" get in, and APIv2 never sends one. */
const DTD = /<!(?:DOCTYPE|ENTITY)/i;
const XML_WHITESPACE = /^[ \t\n\r]*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Sticky (`y`) patterns, matched at an exact position. Names are ASCII: APIv2 uses nothing else, so anything
// fancier is refused rather than guessed at.
const NAME = /[A-Za-z_:][A-Za-z0-9_.:-]*/y;
const ATTRIBUTE = /[ \t\n\r]+([A-Za-z_:][A-Za-z0-9_.:-]*)[ \t\n\r]*=[ \t\n\r]*(?:"([^<"]*)"|'([^<']*)')/y;
const START_TAG_END = /[ \t\n\r]*(\/?)>/y;
const END_TAG = /<\/([A-Za-z_:][A-Za-z0-9_.:-]*)[ \t\n\r]*>/y;
const PROCESSING_INSTRUCTION = /<\?([A-Za-z_:][A-Za-z0-9_.:-]*)(?:[ \t\n\r][\s\S]*?)?\?>/y;
const XML_DECLARATION =
  /<\?xml[ \t\n\r]+version[ \t\n\r]*=[ \t\n\r]*(["'])1\.[0-9]+\1(?:[ \t\n\r]+encoding[ \t\n\r]*=[ \t\n\r]*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:[ \t\n\r]+standalone[ \t\n\r]*=[ \t\n\r]*(["'])(?:yes|no)\4)?[ \t\n\r]*\?>/y;
/** The only references there are without a DTD: the 5 predefined entities and numeric character references. */
const REFERENCE = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(lt|gt|amp|apos|quot));/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function matchAt(pattern: RegExp, text: string, position: number): RegExpExecArray | null {
  pattern.lastIndex = position;
  return pattern.exec(text);
}

/** An element being read: its children so far, and its text (all runs and CDATA sections, concatenated). */
interface Frame {
  name: string;
  fields: XmlObject;
  text: string;
  /** True once the element holds CDATA or text that is not just formatting whitespace. */
  hasContent: boolean;
  hasChildren: boolean;
}

/** Parses an APIv2 XML document; returns the children of the root element. Throws WxpayParseError(message, rawBodyString) on any failure. */
export function parseXml(body: string | Buffer, options: { maxBytes?: number; root?: string } = {}): XmlObject {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    // NaN would silently disable the cap (`size > NaN` is false).
    throw new ValidationError('options.maxBytes', 'non-negative integer');
  }
  const raw = typeof body === 'string' ? body : body.toString('utf8');
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
  if (size > maxBytes) {
    throw new WxpayParseError(`APIv2 reply is ${size} bytes, more than the ${maxBytes}-byte limit`, raw);
  }
  let text = raw;
  if (typeof body !== 'string') {
    try {
      text = UTF8.decode(body);
    } catch {
      throw new WxpayParseError('APIv2 reply is not valid UTF-8', raw);
    }
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (DTD.test(text)) throw new WxpayParseError('APIv2 reply contains a DTD (<!DOCTYPE or <!ENTITY): refused', raw);
  if (text.trim() === '') throw new WxpayParseError('APIv2 reply is empty', raw);
  const invalid = INVALID_CHAR.exec(text);
  if (invalid) throw new WxpayParseError(`APIv2 reply is not valid XML: forbidden character at ${invalid.index}`, raw);
  return parseDocument(text, options.root ?? 'xml', raw);
}

function parseDocument(text: string, rootName: string, raw: string): XmlObject {
  let pos = 0;
  const stack: Frame[] = [];
  let result: XmlObject | undefined;

  function fail(what: string, at = pos): never {
    throw new WxpayParseError(`APIv2 reply is not valid XML: ${what} at ${at}`, raw);
  }

  /** Decodes the references of one text run; a bare `&` or any other entity is an error. */
  function decode(run: string): string {
    let out = '';
    let from = 0;
    for (let amp = run.indexOf('&'); amp !== -1; amp = run.indexOf('&', from)) {
      const match = matchAt(REFERENCE, run, amp);
      if (!match) fail('bare "&" or undefined entity', pos + amp);
      const [, hex, decimal, name] = match;
      let char: string;
      if (name !== undefined) {
        char = PREDEFINED[name]!;
      } else {
        const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(decimal);
        char = code <= 0x10ffff ? String.fromCodePoint(code) : '\0';
        if (INVALID_CHAR.test(char)) fail('character reference to a forbidden character', pos + amp);
      }
      out += run.slice(from, amp) + char;
      from = REFERENCE.lastIndex;
    }
    return out + run.slice(from);
  }

  function close(frame: Frame): void {
    let value: XmlValue = frame.text;
    if (frame.hasChildren) {
      if (frame.hasContent) fail(`<${frame.name}> mixes text and child elements`);
      value = frame.fields;
    }
    const parent = stack.at(-1);
    if (parent === undefined) {
      if (frame.hasContent) fail(`root <${frame.name}> holds text instead of fields`);
      result = frame.fields;
      return;
    }
    // A repeated name becomes an array (gethbinfo's <hbinfo> list). Values are never arrays otherwise.
    const existing = parent.fields[frame.name];
    if (existing === undefined) parent.fields[frame.name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else parent.fields[frame.name] = [existing, value];
  }

  function startTag(): void {
    const name = matchAt(NAME, text, pos + 1)?.[0];
    if (name === undefined) fail('malformed tag');
    // Attributes are checked for well-formedness, then ignored: APIv2 carries no data in them.
    const seen = new Set<string>();
    let end = pos + 1 + name.length;
    for (let attribute = matchAt(ATTRIBUTE, text, end); attribute; attribute = matchAt(ATTRIBUTE, text, end)) {
      const [, attributeName, doubleQuoted, singleQuoted] = attribute;
      if (seen.has(attributeName!)) fail(`duplicate attribute ${attributeName}`);
      seen.add(attributeName!);
      decode(doubleQuoted ?? singleQuoted ?? '');
      end = ATTRIBUTE.lastIndex;
    }
    const tagEnd = matchAt(START_TAG_END, text, end);
    if (!tagEnd) fail(`malformed start tag <${name}>`);
    if (FORBIDDEN_NAMES.has(name)) fail(`forbidden element name <${name}>`);
    if (stack.length === 0) {
      if (result !== undefined) fail('a second root element');
      if (name !== rootName) fail(`root element is <${name}>, expected <${rootName}>`);
    }
    if (stack.length >= MAX_DEPTH) fail('elements nested too deeply');
    const parent = stack.at(-1);
    if (parent) parent.hasChildren = true;
    // A prototype-less object: indexing a missing name gives undefined, never an Object.prototype member.
    const frame: Frame = { name, fields: Object.create(null), text: '', hasContent: false, hasChildren: false };
    pos = START_TAG_END.lastIndex;
    if (tagEnd[1] === '/') close(frame);
    else stack.push(frame);
  }

  const declaration = matchAt(XML_DECLARATION, text, 0);
  if (declaration) {
    // The bytes were decoded as UTF-8; a document that says otherwise would come out garbled.
    const encoding = declaration[3];
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) fail(`unsupported encoding ${encoding}`);
    pos = XML_DECLARATION.lastIndex;
  }

  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const runEnd = lt === -1 ? text.length : lt;
    if (runEnd > pos) {
      const run = text.slice(pos, runEnd);
      const top = stack.at(-1);
      if (top === undefined) {
        if (!XML_WHITESPACE.test(run)) fail('text outside the root element');
      } else {
        if (run.includes(']]>')) fail('"]]>" in text');
        // Whitespace-only runs are formatting between elements; they only become a value if no child appears.
        top.text += decode(run);
        if (!XML_WHITESPACE.test(run)) top.hasContent = true;
      }
      pos = runEnd;
    }
    if (lt === -1) break;

    if (text.startsWith('<![CDATA[', pos)) {
      const end = text.indexOf(']]>', pos + 9);
      const top = stack.at(-1);
      if (end === -1) fail('unterminated CDATA section');
      if (top === undefined) fail('CDATA outside the root element');
      top.text += text.slice(pos + 9, end);
      top.hasContent = true;
      pos = end + 3;
    } else if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos + 4);
      if (end === -1) fail('unterminated comment');
      const comment = text.slice(pos + 4, end);
      if (comment.includes('--') || comment.endsWith('-')) fail('"--" inside a comment');
      pos = end + 3;
    } else if (text.startsWith('<?', pos)) {
      const instruction = matchAt(PROCESSING_INSTRUCTION, text, pos);
      if (!instruction) fail('malformed processing instruction');
      if (instruction[1]!.toLowerCase() === 'xml') fail('misplaced or malformed XML declaration');
      pos = PROCESSING_INSTRUCTION.lastIndex;
    } else if (text.startsWith('</', pos)) {
      const endTag = matchAt(END_TAG, text, pos);
      if (!endTag) fail('malformed end tag');
      const frame = stack.pop();
      if (frame === undefined || frame.name !== endTag[1]) {
        fail(`end tag </${endTag[1]}> does not match ${frame ? `<${frame.name}>` : 'any element'}`);
      }
      pos = END_TAG.lastIndex;
      close(frame);
    } else if (text.startsWith('<!', pos)) {
      fail('unsupported markup declaration');
    } else {
      startTag();
    }
  }
  if (stack.length > 0) fail(`unclosed element <${stack.at(-1)!.name}>`);
  if (result === undefined) fail('no root element');
  return result;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const NEEDS_CDATA = /[<>&'"]/;

function checkName(name: string, field: string): void {
  if (!FIELD_NAME.test(name)) throw new ValidationError(field, 'XML name [A-Za-z_][A-Za-z0-9_.-]*');
  // The parser refuses these names, so a body using them could never round-trip.
  if (FORBIDDEN_NAMES.has(name)) throw new ValidationError(field, 'reserved name');
}

function fieldText(name: string, value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') text = String(value);
  else throw new ValidationError(name, 'string or finite number');
  if (INVALID_CHAR.test(text)) throw new ValidationError(name, 'XML 1.0 characters only');
  return text;
}

/** One part of a value (no CR): CDATA if it has markup characters, `]]>` split across two sections. */
function encodePart(part: string): string {
  if (!NEEDS_CDATA.test(part)) return part;
  return `<![CDATA[${part.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/** One text element `<name>value</name>`, with the CDATA and CR rules below; null/undefined gives ''. */
export function buildElement(name: string, value: unknown): string {
  checkName(name, name);
  if (value === null || value === undefined) return '';
  // A raw CR would become LF in the receiver's parser (end-of-line normalisation) and change a signed value;
  // a character reference survives. References cannot live inside CDATA, so CDATA is closed around it.
  const xml = fieldText(name, value).split('\r').map(encodePart).join('&#13;');
  return `<${name}>${xml}</${name}>`;
}

/** Builds `<xml>...</xml>` from flat fields. */
export function buildXml(fields: Readonly<Record<string, unknown>>, root = 'xml'): string {
  checkName(root, 'root');
  const body = Object.entries(fields)
    .map(([name, value]) => buildElement(name, value))
    .join('');
  return `<${root}>${body}</${root}>`;
}

/** The public facade (mirrors wechatpay-php's Transformer::toArray / toXml). */
export const Transformer: {
  toObject(xml: string | Buffer): XmlObject;
  toXml(fields: Readonly<Record<string, unknown>>): string;
} = Object.freeze({
  toObject: (xml: string | Buffer): XmlObject => parseXml(xml),
  toXml: (fields: Readonly<Record<string, unknown>>): string => buildXml(fields),
});
