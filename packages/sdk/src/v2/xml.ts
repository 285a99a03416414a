// APIv2 XML: a small strict parser for untrusted replies/notifications, and the `<xml>` request body builder.
//
// What the parser guarantees (tests: test/xml.test.ts, test/xml-hardening.test.ts):
// - No DTD, ever: a `<!DOCTYPE` or `<!ENTITY` declaration met as markup is refused the moment the tokenizer reaches it,
//   and no entity but the 5 predefined ones and character references is known, so XXE and "billion laughs" cannot
//   happen. The same characters inside CDATA, comments, processing instructions or escaped text are just text.
// - Bounded work: the size cap (1 MiB by default, counted in bytes) is checked before anything is decoded; nesting
//   is capped; every step is linear in the input, so hostile input fails fast.
// - Only typed errors: wrong arguments from the caller are a ValidationError (field `xml` or `options.*`); anything
//   wrong with the document is a WxpayParseError, whose body is capped (MAX_ERROR_BODY_CHARS) and whose message
//   quotes names from the document cut short (JSON-quoted, at most MAX_SHOWN_NAME characters).
// - Values exactly as sent, after XML 1.0 end-of-line handling (CR LF and lone CR read as LF; `&#13;` stays a CR):
//   strings only, never trimmed or converted to numbers; results are prototype-less objects, and the element names
//   `__proto__`, `constructor` and `prototype` are refused.
import { types } from 'node:util';
import { MAX_ERROR_BODY_CHARS, ValidationError, WxpayParseError } from '../errors.js';

export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
/** How much of a name from the document an error message shows: a hostile 1 MiB name must not become a 1 MiB log line. */
const MAX_SHOWN_NAME = 40;
/** APIv2 documents are at most 3 levels deep; the cap only stops pathological nesting. */
const MAX_DEPTH = 32;
/** Names that reach Object.prototype machinery when a caller copies or merges the result into a plain object. */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
/** Anything XML 1.0 does not allow: control characters but tab/LF/CR, lone surrogates, U+FFFE and U+FFFF. */
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
/**
 * Markup that opens a DTD or declares an entity: how XXE and "billion laughs" get in, and APIv2 never sends one.
 * Case-insensitive so that a sloppy `<!doctype` gets the same explicit refusal.
 */
const DTD_DECLARATION = /<!(?:DOCTYPE|ENTITY)/iy;
const DTD_REFUSED = 'APIv2 reply contains a DTD (<!DOCTYPE or <!ENTITY): refused';
const XML_WHITESPACE = /^[ \t\n\r]*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Sticky (`y`) patterns, matched at an exact position. Names are ASCII: APIv2 uses nothing else, so anything
// fancier is refused rather than guessed at.
const NAME = /[A-Za-z_:][A-Za-z0-9_.:-]*/y;
const WHOLE_NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*$/;
const ATTRIBUTE = /[ \t\n\r]+([A-Za-z_:][A-Za-z0-9_.:-]*)[ \t\n\r]*=[ \t\n\r]*(?:"([^<"]*)"|'([^<']*)')/y;
const START_TAG_END = /[ \t\n\r]*(\/?)>/y;
const END_TAG = /<\/([A-Za-z_:][A-Za-z0-9_.:-]*)[ \t\n\r]*>/y;
const PROCESSING_INSTRUCTION = /<\?([A-Za-z_:][A-Za-z0-9_.:-]*)(?:[ \t\n\r][\s\S]*?)?\?>/y;
const XML_DECLARATION =
  /<\?xml[ \t\n\r]+version[ \t\n\r]*=[ \t\n\r]*(["'])1\.[0-9]+\1(?:[ \t\n\r]+encoding[ \t\n\r]*=[ \t\n\r]*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:[ \t\n\r]+standalone[ \t\n\r]*=[ \t\n\r]*(["'])(?:yes|no)\4)?[ \t\n\r]*\?>/y;
/** The only references there are without a DTD: the 5 predefined entities and numeric character references. */
const REFERENCE = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(lt|gt|amp|apos|quot));/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

const GREATER_THAN = 0x3e;

function matchAt(pattern: RegExp, text: string, position: number): RegExpExecArray | null {
  pattern.lastIndex = position;
  return pattern.exec(text);
}

/** An element being read: its children so far, and its text (all runs and CDATA sections, concatenated). */
interface Frame {
  name: string;
  /** Made at the first child element: most elements are text leaves and never need one. */
  fields: XmlObject | undefined;
  text: string;
  /** True once the element holds CDATA or text that is not just formatting whitespace. */
  hasContent: boolean;
}

/** A name taken from the document, for an error message: cut short and JSON-quoted (no raw newline can get through). */
function shown(name: string): string {
  if (name.length <= MAX_SHOWN_NAME) return JSON.stringify(name);
  return `${JSON.stringify(name.slice(0, MAX_SHOWN_NAME))}…`;
}

/** Options of parseXml; a value of the wrong type or range is a ValidationError (field `options.<name>`). */
export interface ParseXmlOptions {
  /** Refuse a body larger than this many bytes (UTF-8). Default 1 MiB. */
  maxBytes?: number;
  /** The name the root element must have. Default `xml`. */
  root?: string;
}

function checkOptions(options: unknown): { maxBytes: number; root: string } {
  if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'object');
  const { maxBytes = DEFAULT_MAX_BYTES, root = 'xml' } = options as { maxBytes?: unknown; root?: unknown };
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    // NaN would silently disable the cap (`size > NaN` is false).
    throw new ValidationError('options.maxBytes', 'non-negative integer');
  }
  if (typeof root !== 'string' || !WHOLE_NAME.test(root)) throw new ValidationError('options.root', 'XML name');
  return { maxBytes, root };
}

/**
 * Parses an APIv2 XML document (a string, or UTF-8 bytes in a Buffer or Uint8Array); returns the children of the
 * root element. Throws ValidationError for wrong arguments and WxpayParseError(message, rawBodyString) for any
 * problem with the document.
 */
export function parseXml(body: string | Uint8Array, options: ParseXmlOptions = {}): XmlObject {
  // types.isUint8Array also knows Buffers and Uint8Arrays from another realm, and cannot be fooled by a toStringTag.
  if (typeof body !== 'string' && !types.isUint8Array(body)) throw new ValidationError('xml', 'string or Buffer');
  const { maxBytes, root } = checkOptions(options);
  const bytes = typeof body === 'string' ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  /**
   * The body for an error. Of bytes, only the start is decoded: the error keeps no more than MAX_ERROR_BODY_CHARS
   * characters, and the whole may be too large to become a string at all. 3 bytes per character at most, plus one
   * character so that the error sees the body was cut.
   */
  const raw = (): string =>
    bytes === undefined ? (body as string) : bytes.toString('utf8', 0, 3 * (MAX_ERROR_BODY_CHARS + 1));
  const size = bytes === undefined ? Buffer.byteLength(body as string, 'utf8') : bytes.byteLength;
  if (size > maxBytes) {
    throw new WxpayParseError(`APIv2 reply is ${size} bytes, more than the ${maxBytes}-byte limit`, raw());
  }
  let text: string;
  if (bytes === undefined) {
    text = body as string;
  } else {
    try {
      text = UTF8.decode(bytes);
    } catch (error) {
      // Invalid UTF-8, or (with a caller-raised maxBytes) more text than a JavaScript string can hold.
      const invalid = (error as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA';
      throw new WxpayParseError(`APIv2 reply is ${invalid ? 'not valid UTF-8' : 'too large to decode'}`, raw());
    }
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  // XML 1.0 section 2.11: every CR LF pair and every lone CR is read as LF. A CR written as `&#13;` is not touched.
  // (split/join: several times faster than a global replace when a hostile body is nothing but CRs.)
  if (text.includes('\r')) text = text.split('\r\n').join('\n').split('\r').join('\n');
  if (XML_WHITESPACE.test(text)) throw new WxpayParseError('APIv2 reply is empty', raw());
  const invalid = INVALID_CHAR.exec(text);
  if (invalid) {
    throw new WxpayParseError(`APIv2 reply is not valid XML: forbidden character at ${invalid.index}`, raw());
  }
  return parseDocument(text, root, raw);
}

/** Positions in messages count UTF-16 code units of the text after BOM removal and end-of-line handling. */
function parseDocument(text: string, rootName: string, raw: () => string): XmlObject {
  let pos = 0;
  const stack: Frame[] = [];
  let result: XmlObject | undefined;

  function fail(what: string, at = pos): never {
    throw new WxpayParseError(`APIv2 reply is not valid XML: ${what} at ${at}`, raw());
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
    if (frame.fields !== undefined) {
      if (frame.hasContent) fail(`element ${shown(frame.name)} mixes text and child elements`);
      value = frame.fields;
    }
    const parent = stack.at(-1);
    if (parent === undefined) {
      if (frame.hasContent) fail(`root ${shown(frame.name)} holds text instead of fields`);
      // A prototype-less object: indexing a missing name gives undefined, never an Object.prototype member.
      result = frame.fields ?? Object.create(null);
      return;
    }
    // startTag gave the parent its fields when this element opened.
    const fields = parent.fields as XmlObject;
    // A repeated name becomes an array (gethbinfo's <hbinfo> list). Values are never arrays otherwise.
    const existing = fields[frame.name];
    if (existing === undefined) fields[frame.name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else fields[frame.name] = [existing, value];
  }

  function startTag(): void {
    const name = matchAt(NAME, text, pos + 1)?.[0];
    if (name === undefined) fail('malformed tag');
    // Attributes are checked for well-formedness, then ignored: APIv2 carries no data in them.
    let end = pos + 1 + name.length;
    // Made only for a tag that has attributes: APIv2 tags almost never do.
    let seen: Set<string> | undefined;
    for (let attribute = matchAt(ATTRIBUTE, text, end); attribute; attribute = matchAt(ATTRIBUTE, text, end)) {
      const [, attributeName, doubleQuoted, singleQuoted] = attribute;
      seen ??= new Set<string>();
      if (seen.has(attributeName!)) fail(`duplicate attribute ${shown(attributeName!)}`);
      seen.add(attributeName!);
      decode(doubleQuoted ?? singleQuoted ?? '');
      end = ATTRIBUTE.lastIndex;
    }
    // A plain `>` right after the name (the usual case) needs no pattern.
    const tagEnd = text.charCodeAt(end) === GREATER_THAN ? undefined : matchAt(START_TAG_END, text, end);
    if (tagEnd === null) fail(`malformed start tag ${shown(name)}`);
    if (FORBIDDEN_NAMES.has(name)) fail(`forbidden element name ${shown(name)}`);
    if (stack.length === 0) {
      if (result !== undefined) fail('a second root element');
      if (name !== rootName) fail(`root element is ${shown(name)}, expected <${rootName}>`);
    }
    if (stack.length >= MAX_DEPTH) fail('elements nested too deeply');
    const parent = stack.at(-1);
    // A prototype-less object: indexing a missing name gives undefined, never an Object.prototype member.
    if (parent) parent.fields ??= Object.create(null);
    const frame: Frame = { name, fields: undefined, text: '', hasContent: false };
    pos = tagEnd === undefined ? end + 1 : START_TAG_END.lastIndex;
    if (tagEnd?.[1] === '/') close(frame);
    else stack.push(frame);
  }

  const declaration = matchAt(XML_DECLARATION, text, 0);
  if (declaration) {
    // The bytes were decoded as UTF-8; a document that says otherwise would come out garbled.
    const encoding = declaration[3];
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) fail(`unsupported encoding ${shown(encoding)}`);
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
      const open = stack.at(-1);
      // `</name>` closing the open element, the usual case, needs no pattern; anything else takes the full check.
      if (
        open !== undefined &&
        text.startsWith(open.name, pos + 2) &&
        text.charCodeAt(pos + 2 + open.name.length) === GREATER_THAN
      ) {
        stack.pop();
        pos += open.name.length + 3;
        close(open);
        continue;
      }
      const endTag = matchAt(END_TAG, text, pos);
      if (!endTag) fail('malformed end tag');
      const frame = stack.pop();
      if (frame === undefined || frame.name !== endTag[1]) {
        fail(
          `end tag ${shown(endTag[1]!)} does not match ${frame ? `open element ${shown(frame.name)}` : 'any element'}`,
        );
      }
      pos = END_TAG.lastIndex;
      close(frame);
    } else if (text.startsWith('<!', pos)) {
      // Only here is `<!DOCTYPE`/`<!ENTITY` markup; the same characters in CDATA, comments or text were consumed above.
      if (matchAt(DTD_DECLARATION, text, pos)) throw new WxpayParseError(`${DTD_REFUSED} at ${pos}`, raw());
      fail('unsupported markup declaration');
    } else {
      startTag();
    }
  }
  if (stack.length > 0) fail(`unclosed element ${shown(stack.at(-1)!.name)}`);
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

/** Printable ASCII, tab and LF without `<>&'"`: written as is (no CDATA, no character reference, nothing forbidden). */
const PLAIN_TEXT = /^[\t\n\x20\x21\x23-\x25\x28-\x3b\x3d\x3f-\x7e]*$/;

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
  // Most values (ids, amounts, names in ASCII) need none of the work below.
  if (typeof value === 'string' && PLAIN_TEXT.test(value)) return `<${name}>${value}</${name}>`;
  // A raw CR would become LF in the receiver's parser (end-of-line normalisation) and change a signed value;
  // a character reference survives. References cannot live inside CDATA, so CDATA is closed around it.
  const xml = fieldText(name, value).split('\r').map(encodePart).join('&#13;');
  return `<${name}>${xml}</${name}>`;
}

/** Builds `<xml>...</xml>` from flat fields. */
export function buildXml(fields: Readonly<Record<string, unknown>>, root = 'xml'): string {
  checkName(root, 'root');
  let body = '';
  for (const name of Object.keys(fields)) body += buildElement(name, fields[name]);
  return `<${root}>${body}</${root}>`;
}

/** The public facade (mirrors wechatpay-php's Transformer::toArray / toXml). */
export const Transformer: {
  /** Parses a `<xml>` document (string, Buffer or Uint8Array of UTF-8); see parseXml for the guarantees. */
  toObject(xml: string | Uint8Array): XmlObject;
  toXml(fields: Readonly<Record<string, unknown>>): string;
} = Object.freeze({
  toObject: (xml: string | Uint8Array): XmlObject => parseXml(xml),
  toXml: (fields: Readonly<Record<string, unknown>>): string => buildXml(fields),
});
