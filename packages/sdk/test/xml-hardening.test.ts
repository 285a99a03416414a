// Tests of the APIv2 XML parser's hardening (issue 7): DTDs refused only as markup, end-of-line handling, typed errors
// for wrong or huge input, bounded error bodies and messages.
import { describe, expect, it } from 'vitest';
import { MAX_ERROR_BODY_CHARS, ValidationError, WxpayAPIError, WxpayParseError } from '../src/errors.js';
import { buildXml, parseXml, Transformer } from '../src/v2/xml.js';

/** Runs `action` expecting an error of class `type`; returns it for field checks. */
function thrown<T extends Error>(action: () => unknown, type: new (...args: never[]) => T): T {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error('no error was thrown');
}

const parseError = (body: string | Uint8Array, options?: { maxBytes?: number; root?: string }) =>
  thrown(() => parseXml(body, options), WxpayParseError);

describe('DOCTYPE and ENTITY: refused as markup, accepted as text', () => {
  it.each([
    [
      'CDATA mentioning DOCTYPE',
      '<xml><attach><![CDATA[<!DOCTYPE html>]]></attach></xml>',
      { attach: '<!DOCTYPE html>' },
    ],
    ['CDATA mentioning ENTITY', '<xml><a><![CDATA[<!Entity x "y">]]></a></xml>', { a: '<!Entity x "y">' }],
    ['a comment before the root', '<!-- <!ENTITY x --><xml><a>1</a></xml>', { a: '1' }],
    ['a comment inside the root', '<xml><!-- <!DOCTYPE html> --><a>1</a></xml>', { a: '1' }],
    [
      'escaped text',
      '<xml><a>&lt;!DOCTYPE html&gt;&lt;!ENTITY x "y"&gt;</a></xml>',
      { a: '<!DOCTYPE html><!ENTITY x "y">' },
    ],
    ['an attribute value', '<xml><a k="&lt;!DOCTYPE x&gt;" j=\'&lt;!ENTITY\'>1</a></xml>', { a: '1' }],
    ['a processing instruction', '<?note <!DOCTYPE x>?><xml><a>1</a></xml>', { a: '1' }],
  ])('%s parses', (_, body, expected) => {
    expect(parseXml(body)).toEqual(expected);
    expect(parseXml(Buffer.from(body))).toEqual(expected);
  });

  it('round-trips a value that mentions a DOCTYPE or an ENTITY', () => {
    const fields = { attach: '<!DOCTYPE html><!ENTITY x SYSTEM "file:///etc/passwd">]]>' };
    expect(parseXml(buildXml(fields))).toEqual(fields);
  });

  it.each([
    ['DOCTYPE after the XML declaration', '<?xml version="1.0"?>\n<!DOCTYPE xml>\n<xml><a>1</a></xml>'],
    ['DOCTYPE after a comment', '<!-- c --><!DOCTYPE xml><xml><a>1</a></xml>'],
    ['DOCTYPE with an internal subset', '<!DOCTYPE xml [<!ENTITY a "]]>">]><xml><a>&a;</a></xml>'],
    ['DOCTYPE inside the root', '<xml><!DOCTYPE x><a>1</a></xml>'],
    ['ENTITY declaration inside an element', '<xml><a><!ENTITY x "y"></a></xml>'],
    ['ENTITY declaration before the root', '<!ENTITY x "y"><xml/>'],
    ['lower-case doctype after a BOM', '\uFEFF<!doctype xml><xml/>'],
  ])('%s is refused with an explicit message', (_, body) => {
    const error = parseError(body);
    expect(error.message).toMatch(/contains a DTD.*refused/);
    expect(error.body).toBe(body);
  });

  it('refuses a DOCTYPE before looking at the rest of the document', () => {
    // The rest would fail for other reasons (nesting, entities, truncation); the DTD is what gets reported.
    const deep = `<!DOCTYPE xml><xml>${'<a>'.repeat(100_000)}`;
    expect(parseError(deep).message).toMatch(/contains a DTD/);
    const laughs = `<!DOCTYPE x [<!ENTITY l "${'&l;'.repeat(200_000)}">]><xml><a>&l;</a></xml>`;
    expect(parseError(laughs).message).toMatch(/contains a DTD/);
  });
});

describe('XML 1.0 end-of-line handling (section 2.11)', () => {
  it('turns CR LF and a lone CR into LF, in text and in CDATA', () => {
    expect(parseXml('<xml><a>a\r\nb</a><b><![CDATA[a\r\nb]]></b><c>1\r2\r\r\n3\n\r</c></xml>')).toEqual({
      a: 'a\nb',
      b: 'a\nb',
      c: '1\n2\n\n3\n\n',
    });
  });

  it('does the same for Buffer and Uint8Array bodies', () => {
    expect(parseXml(Buffer.from('<xml>\r\n<a>x\r\ny\r</a>\r\n</xml>\r\n'))).toEqual({ a: 'x\ny\n' });
    expect(parseXml(new TextEncoder().encode('<xml><a>x\ry</a></xml>'))).toEqual({ a: 'x\ny' });
  });

  it('keeps a CR written as a character reference', () => {
    expect(parseXml('<xml><a>x&#13;&#10;y&#xD;</a></xml>').a).toBe('x\r\ny\r');
  });

  it('still round-trips values with CR through buildXml', () => {
    const fields = { a: '\r', b: 'x\r\ny\rz\n', c: '<\r\n>]]>\r' };
    expect(parseXml(buildXml(fields))).toEqual(fields);
  });
});

describe('wrong input from the caller is a ValidationError', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['an object', { xml: '<xml/>' }],
    ['an array', ['<xml/>']],
    ['a boolean', true],
    ['a String object', new String('<xml/>')],
    ['a Uint16Array', new Uint16Array(4)],
    ['an ArrayBuffer', new ArrayBuffer(4)],
    ['a DataView', new DataView(new ArrayBuffer(4))],
    ['a symbol', Symbol('x')],
  ])('%s', (_, value) => {
    for (const parse of [(v: never) => Transformer.toObject(v), (v: never) => parseXml(v)]) {
      const error = thrown(() => parse(value as never), ValidationError);
      expect(error.field).toBe('xml');
      expect(error.rule).toBe('string or Buffer');
    }
  });

  it('reads a Uint8Array (also a view into a larger buffer) as UTF-8 bytes', () => {
    expect(Transformer.toObject(new TextEncoder().encode('<xml><a>中文</a></xml>'))).toEqual({ a: '中文' });
    const bytes = new TextEncoder().encode('junk<xml><a>1</a></xml>junk');
    expect(parseXml(bytes.subarray(4, bytes.length - 4))).toEqual({ a: '1' });
    expect(parseError(new Uint8Array([0x3c, 0xff])).message).toMatch(/UTF-8/);
  });

  it.each([
    ['maxBytes as a string', { maxBytes: '10' }, 'options.maxBytes'],
    ['maxBytes null', { maxBytes: null }, 'options.maxBytes'],
    ['root as a number', { root: 1 }, 'options.root'],
    ['root not an XML name', { root: 'a b' }, 'options.root'],
    ['options null', null, 'options'],
    ['options a string', 'xml', 'options'],
  ])('%s', (_, options, field) => {
    expect(thrown(() => parseXml('<xml/>', options as never), ValidationError).field).toBe(field);
  });
});

describe('huge input: size checked before decoding, bodies on errors capped', () => {
  it('refuses a 560 MiB Buffer without decoding it', () => {
    const huge = Buffer.alloc(560 * 1024 * 1024, 0x61);
    const error = parseError(huge);
    expect(error.message).toMatch(/587202560 bytes, more than the 1048576-byte limit/);
    expect(error.body).toBe('a'.repeat(MAX_ERROR_BODY_CHARS));
    expect(error.bodyTruncated).toBe(true);
    // A caller-raised cap lets it through to decoding, which cannot make a string that long: still a typed error.
    const decodeError = parseError(huge, { maxBytes: 1024 * 1024 * 1024 });
    expect(decodeError.message).toMatch(/too large to decode/);
    expect(decodeError.body).toHaveLength(MAX_ERROR_BODY_CHARS);
  });

  it('refuses a too-large string or Uint8Array and keeps only the start of it', () => {
    const big = `<xml><a>${'中'.repeat(400_000)}</a></xml>`;
    for (const body of [big, Buffer.from(big), new TextEncoder().encode(big)]) {
      const error = parseError(body);
      expect(error.message).toMatch(/limit/);
      expect(error.body).toBe(big.slice(0, MAX_ERROR_BODY_CHARS));
      expect(error.bodyTruncated).toBe(true);
    }
  });

  it('caps the body kept for any other parse failure', () => {
    const body = `<xml><a>${'x'.repeat(500_000)}</b></xml>`;
    const error = parseError(body);
    expect(error.body).toBe(body.slice(0, MAX_ERROR_BODY_CHARS));
    expect(error.bodyTruncated).toBe(true);
  });

  it('keeps a small body whole', () => {
    const body = '<xml><a>1</b></xml>';
    const error = parseError(body);
    expect(error.body).toBe(body);
    expect(error.bodyTruncated).toBe(false);
  });

  it('maxBytes problems stay ValidationErrors, a body over maxBytes a WxpayParseError', () => {
    expect(thrown(() => parseXml(Buffer.alloc(10), { maxBytes: -1 }), ValidationError).field).toBe('options.maxBytes');
    expect(parseError(Buffer.from('<xml/>'), { maxBytes: 5 }).message).toMatch(/6 bytes, more than the 5-byte limit/);
    expect(parseXml('<xml/>', { maxBytes: 6 })).toEqual({});
  });
});

describe('every error caps the body it keeps', () => {
  it('WxpayParseError cuts at MAX_ERROR_BODY_CHARS without splitting a surrogate pair', () => {
    expect(MAX_ERROR_BODY_CHARS).toBe(64 * 1024);
    const exact = new WxpayParseError('m', 'x'.repeat(MAX_ERROR_BODY_CHARS), 502);
    expect(exact.body).toHaveLength(MAX_ERROR_BODY_CHARS);
    expect(exact.bodyTruncated).toBe(false);
    expect(exact.status).toBe(502);
    const over = new WxpayParseError('m', `${'x'.repeat(MAX_ERROR_BODY_CHARS - 1)}😀tail`);
    expect(over.body).toBe('x'.repeat(MAX_ERROR_BODY_CHARS - 1));
    expect(over.bodyTruncated).toBe(true);
  });

  it('WxpayAPIError does the same', () => {
    const body = JSON.stringify({ code: 'PARAM_ERROR', message: 'x'.repeat(200_000) });
    const error = new WxpayAPIError({ status: 400, code: 'PARAM_ERROR', body });
    expect(error.body).toBe(body.slice(0, MAX_ERROR_BODY_CHARS));
    expect(error.bodyTruncated).toBe(true);
    const small = new WxpayAPIError({ status: 500, body: 'busy' });
    expect(small.body).toBe('busy');
    expect(small.bodyTruncated).toBe(false);
  });
});

describe('names from the document are cut short and quoted in messages', () => {
  const long = `a${'b'.repeat(100_000)}`;
  const shown = JSON.stringify(long.slice(0, 40));

  it.each([
    ['end tag mismatch', `<xml><${long}>1</${long}x></xml>`],
    ['end tag without an element', `<xml/></${long}>`],
    ['root element name', `<${long}><a>1</a></${long}>`],
    ['unclosed element', `<xml><${long}>1`],
    ['mixed content', `<xml><${long}>1<b/></${long}></xml>`],
    ['malformed start tag', `<xml><${long} k></xml>`],
    ['duplicate attribute', `<xml><a ${long}="1" ${long}="2"/></xml>`],
    ['encoding name', `<?xml version="1.0" encoding="${long}"?><xml/>`],
  ])('%s', (_, body) => {
    const error = parseError(body);
    expect(error.message).toContain(shown);
    expect(error.message.length).toBeLessThan(200);
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('forbidden element name %s is quoted', (name) => {
    expect(parseError(`<xml><${name}>1</${name}></xml>`).message).toContain(
      `forbidden element name ${JSON.stringify(name)}`,
    );
  });
});

describe('pathological documents near the size cap fail fast', () => {
  const mib = 1024 * 1024 - 64;
  it.each([
    ['deep nesting', `<xml>${'<a>'.repeat(mib / 3)}`],
    ['one huge name', `<xml><${'a'.repeat(mib)}`],
    ['many attributes', `<xml><a${' k="1"'.repeat(mib / 6)}`],
    ['unterminated attribute', `<xml><a k="${'x'.repeat(mib)}`],
    ['unterminated comment', `<xml><!--${'-x'.repeat(mib / 2)}`],
    ['unterminated CDATA', `<xml><a><![CDATA[${']]'.repeat(mib / 2)}`],
    ['unterminated processing instruction', `<xml><?pi ${'? '.repeat(mib / 2)}`],
    ['many references then a bad one', `<xml><a>${'&#65;'.repeat(mib / 5)}&bad;</a></xml>`],
    ['many text runs then a forbidden name', `<xml>${'<a>1</a>'.repeat(mib / 8)}<__proto__/></xml>`],
    ['many CRs in a text', `<xml><a>${'\r'.repeat(mib)}</b></xml>`],
  ])('%s', (_, body) => {
    const started = performance.now();
    const error = parseError(body);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.body.length).toBeLessThanOrEqual(MAX_ERROR_BODY_CHARS);
    expect(error.message.length).toBeLessThan(200);
  });
});
