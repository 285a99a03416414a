// Tests of the APIv2 XML parser (hostile and odd input) and builder (escaping, validation, round trip).
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { MAX_ERROR_BODY_CHARS, ValidationError, WxpayParseError } from '../src/errors.js';
import { buildXml, parseXml, Transformer } from '../src/v2/xml.js';

/** Parses expecting failure; returns the error so tests can check both the class and the kept raw body. */
function parseError(body: string | Buffer, options?: { maxBytes?: number; root?: string }): WxpayParseError {
  try {
    parseXml(body, options);
  } catch (error) {
    expect(error).toBeInstanceOf(WxpayParseError);
    return error as WxpayParseError;
  }
  throw new Error('parseXml accepted the body');
}

function buildError(fields: Record<string, unknown>, root?: string): ValidationError {
  try {
    buildXml(fields, root);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('buildXml accepted the fields');
}

describe('parseXml: values stay exactly as sent', () => {
  it('parses a typical reply, with the XML declaration', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <return_code><![CDATA[SUCCESS]]></return_code>\n' +
      '  <mch_billno>0010010404201411170000046545</mch_billno>\n  <total_amount>100</total_amount>\n</xml>\n';
    expect(parseXml(body)).toEqual({
      return_code: 'SUCCESS',
      mch_billno: '0010010404201411170000046545',
      total_amount: '100',
    });
  });

  it('never converts to numbers or booleans', () => {
    const result = parseXml(
      '<xml><detail_id>1000041701201809213000000001</detail_id><a>007</a><b>true</b><c>1e3</c><d>-0</d></xml>',
    );
    expect(result).toEqual({ detail_id: '1000041701201809213000000001', a: '007', b: 'true', c: '1e3', d: '-0' });
    expect(typeof result.detail_id).toBe('string');
  });

  it('never trims, in text or CDATA', () => {
    expect(parseXml('<xml><a>  x </a><b><![CDATA[ y  ]]></b><c> </c></xml>')).toEqual({ a: '  x ', b: ' y  ', c: ' ' });
  });

  it('keeps newlines and tabs, and reads CR LF and a lone CR as LF (XML 1.0 end-of-line handling)', () => {
    expect(parseXml('<xml><a>1\r\n2\r3\t4\n</a></xml>').a).toBe('1\n2\n3\t4\n');
  });

  it('takes CDATA literally: no entity decoding, markup kept', () => {
    expect(parseXml('<xml><a><![CDATA[<b>&amp;&#65;</b>]]></a></xml>').a).toBe('<b>&amp;&#65;</b>');
  });

  it('concatenates several CDATA sections, so ]]> can be sent split', () => {
    expect(parseXml('<xml><a><![CDATA[a]]]]><![CDATA[>b]]></a></xml>').a).toBe('a]]>b');
  });

  it('concatenates text runs, CDATA sections and references in order', () => {
    expect(parseXml('<xml><a> a<![CDATA[<]]>b&amp;c<!-- note -->d </a></xml>').a).toBe(' a<b&cd ');
  });

  it('decodes the 5 predefined entities and numeric character references', () => {
    expect(parseXml('<xml><a>&lt;&gt;&amp;&apos;&quot;</a><b>&#x4E2D;&#25991;&#x1F600;&#65;</b></xml>')).toEqual({
      a: `<>&'"`,
      b: '中文😀A',
    });
  });

  it('reads an empty element, in both forms, as an empty string', () => {
    expect(parseXml('<xml><a></a><b/><c /></xml>')).toEqual({ a: '', b: '', c: '' });
  });

  it('reads Chinese text and emoji from a Buffer, and drops a UTF-8 BOM', () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('<xml><act_name>新年红包🧧</act_name></xml>'),
    ]);
    expect(parseXml(body)).toEqual({ act_name: '新年红包🧧' });
  });
});

describe('parseXml: structure', () => {
  it('ignores whitespace between child elements and nests objects', () => {
    const result = parseXml('<xml>\n\t<a>\n\t\t<b>1</b>\n\t\t<c> </c>\n\t</a>\r\n</xml>');
    expect(result).toEqual({ a: { b: '1', c: ' ' } });
  });

  it('turns repeated names into an array; a single one stays an object (gethbinfo)', () => {
    const two = parseXml(
      '<xml><hblist><hbinfo><openid>o1</openid><amount>100</amount></hbinfo>' +
        '<hbinfo><openid>o2</openid><amount>200</amount></hbinfo></hblist></xml>',
    );
    expect(two).toEqual({
      hblist: {
        hbinfo: [
          { openid: 'o1', amount: '100' },
          { openid: 'o2', amount: '200' },
        ],
      },
    });
    const one = parseXml('<xml><hblist><hbinfo><openid>o1</openid></hbinfo></hblist></xml>');
    expect(one).toEqual({ hblist: { hbinfo: { openid: 'o1' } } });
    expect(parseXml('<xml><a>1</a><a>2</a><a>3</a></xml>')).toEqual({ a: ['1', '2', '3'] });
  });

  it('ignores attributes, comments and processing instructions', () => {
    const body = '<!-- c --><?pi data?><xml a="1" b=\'&lt;\'><x k="v">1</x><!-- c --><?pi?><y/></xml><!-- c -->\n';
    expect(parseXml(body)).toEqual({ x: '1', y: '' });
  });

  it('returns {} for an empty root, not an error', () => {
    expect(parseXml('<xml/>')).toEqual({});
    expect(parseXml('<xml>\n</xml>')).toEqual({});
    // An empty root is the one object made outside a child element: prototype-less all the same.
    expect(Object.getPrototypeOf(parseXml('<xml/>'))).toBeNull();
  });

  it('accepts another root name when asked', () => {
    expect(parseXml('<root><a>1</a></root>', { root: 'root' })).toEqual({ a: '1' });
    expect(parseError('<xml><a>1</a></xml>', { root: 'root' }).message).toMatch(/expected <root>/);
  });

  it('returns prototype-less objects that are safe to index', () => {
    const result = parseXml('<xml><toString>x</toString><a><b>1</b></a></xml>');
    expect(Object.getPrototypeOf(result)).toBeNull();
    expect(Object.getPrototypeOf(result.a)).toBeNull();
    expect(result.toString).toBe('x');
    expect(result.constructor).toBeUndefined();
    expect(result.hasOwnProperty).toBeUndefined();
  });
});

describe('parseXml: hostile documents are refused before parsing', () => {
  const billionLaughs =
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' +
    ' <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n' +
    ' <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">\n' +
    ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n' +
    ']>\n<xml><return_code>&lol3;</return_code></xml>';
  const xxe =
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' +
    '<xml><return_code>&xxe;</return_code></xml>';

  it.each([
    ['billion laughs', billionLaughs],
    ['classic XXE', xxe],
    ['lower-case doctype', '<!doctype xml><xml><a>1</a></xml>'],
  ])('%s', (_, body) => {
    const error = parseError(body);
    expect(error.message).toMatch(/DTD/);
    expect(error.body).toBe(body);
  });

  it('refuses an undeclared entity reference instead of resolving it', () => {
    const body = '<xml><return_code>&xxe;</return_code></xml>';
    expect(parseError(body).body).toBe(body);
    expect(parseError('<xml><a>&nbsp;</a></xml>').message).toMatch(/entity/);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses an element named %s', (name) => {
    const body = `<xml><a>1</a><${name}><polluted>yes</polluted></${name}></xml>`;
    const error = parseError(body);
    expect(error.message).toMatch(/forbidden element name/);
    expect(error.body).toBe(body);
    const nested = `<xml><a><${name}>1</${name}></a></xml>`;
    expect(parseError(nested).body).toBe(nested);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a body over maxBytes, counting bytes not characters', () => {
    const big = `<xml><a>${'x'.repeat(1024 * 1024)}</a></xml>`;
    const error = parseError(big);
    expect(error.message).toMatch(/limit/);
    // The error keeps only the start of a large body.
    expect(error.body).toBe(big.slice(0, MAX_ERROR_BODY_CHARS));
    expect(error.bodyTruncated).toBe(true);
    expect(parseError(Buffer.from(big)).body).toBe(big.slice(0, MAX_ERROR_BODY_CHARS));
    // 20 characters, 24 bytes: the limit is on bytes.
    const chinese = '<xml><a>中文</a></xml>';
    expect(parseError(chinese, { maxBytes: 23 }).body).toBe(chinese);
    expect(parseError(Buffer.from(chinese), { maxBytes: 23 }).body).toBe(chinese);
    expect(parseXml(chinese, { maxBytes: 24 })).toEqual({ a: '中文' });
  });

  it('rejects a maxBytes that would disable the cap', () => {
    for (const maxBytes of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => parseXml('<xml/>', { maxBytes })).toThrow(ValidationError);
    }
  });

  it('refuses pathologically deep nesting without overflowing the stack', () => {
    const body = `<xml>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</xml>`;
    expect(parseError(body).message).toMatch(/nested too deeply/);
  });
});

describe('parseXml: garbage is a WxpayParseError keeping the raw body, never {}', () => {
  const gateway502 =
    '<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n' +
    '<center><h1>502 Bad Gateway</h1></center>\n<hr><center>stgw</center>\n</body>\n</html>\n';
  const cases: [string, string][] = [
    ['empty', ''],
    ['whitespace only', ' \r\n\t '],
    ['nginx 502 page', gateway502],
    ['HTML without doctype', '<html><head><title>502 Bad Gateway</title></head><body><hr></body></html>'],
    ['well-formed XHTML', '<html><body><p>error</p></body></html>'],
    ['JSON', '{"code":"SYSTEM_ERROR","message":"busy"}'],
    ['plain text', 'Service Unavailable'],
    ['wrong root', '<root><return_code>SUCCESS</return_code></root>'],
    ['root name in another case', '<XML><return_code>SUCCESS</return_code></XML>'],
    ['unclosed root', '<xml><return_code>SUCCESS</return_code>'],
    ['truncated', '<xml><return_code>SUCC'],
    ['mismatched end tag', '<xml><a>1</b></xml>'],
    ['stray end tag', '</xml>'],
    ['two roots', '<xml><a>1</a></xml><xml><a>2</a></xml>'],
    ['text after the root', '<xml><a>1</a></xml>trailing'],
    ['text before the root', 'x<xml><a>1</a></xml>'],
    ['text in the root', '<xml>SUCCESS</xml>'],
    ['mixed content', '<xml><a>1<b>2</b></a></xml>'],
    ['CDATA beside children', '<xml><a><![CDATA[ ]]><b>2</b></a></xml>'],
    ['bare ampersand', '<xml><a>AT&T</a></xml>'],
    ['reference without semicolon', '<xml><a>&amp</a></xml>'],
    ['"]]>" in text', '<xml><a>a]]>b</a></xml>'],
    ['unterminated CDATA', '<xml><a><![CDATA[abc</a></xml>'],
    ['unterminated comment', '<xml><a>1</a><!-- </xml>'],
    ['"--" in a comment', '<xml><!-- a -- b --><a>1</a></xml>'],
    ['unquoted attribute', '<xml><a k=v>1</a></xml>'],
    ['attribute without space', '<xml><a k="1"j="2">1</a></xml>'],
    ['duplicate attribute', '<xml><a k="1" k="2">1</a></xml>'],
    ['"<" in an attribute', '<xml><a k="<">1</a></xml>'],
    ['bad element name', '<xml><1a>1</1a></xml>'],
    ['space after "<"', '<xml>< a>1</a></xml>'],
    ['other markup declaration', '<xml><!ELEMENT a ANY><a>1</a></xml>'],
    ['declaration not at the start', ' <?xml version="1.0"?><xml/>'],
    ['malformed declaration', '<?xml version=1.0?><xml/>'],
    ['non-UTF-8 declared encoding', '<?xml version="1.0" encoding="GBK"?><xml/>'],
    ['control character', '<xml><a>\u0001</a></xml>'],
    ['U+FFFF', '<xml><a>\uFFFF</a></xml>'],
    ['reference to NUL', '<xml><a>&#0;</a></xml>'],
    ['reference to a surrogate', '<xml><a>&#xD800;</a></xml>'],
    ['reference beyond Unicode', '<xml><a>&#x110000;</a></xml>'],
    ['only a comment', '<!-- nothing -->'],
  ];

  it.each(cases)('%s', (_, body) => {
    expect(parseError(body).body).toBe(body);
    expect(parseError(Buffer.from(body, 'utf8')).body).toBe(Buffer.from(body, 'utf8').toString('utf8'));
  });

  // A plain `<name>` and the `</name>` of the open element are read without the tag patterns; anything near them
  // (a longer or shorter name, space before `>`, `/>`) must still get the full check.
  it('checks tags that only look like the quick forms', () => {
    expect(parseError('<xml><ab>1</a></xml>').message).toMatch(/end tag "a" does not match open element "ab"/);
    expect(parseError('<xml><a>1</ab></xml>').message).toMatch(/end tag "ab" does not match open element "a"/);
    expect(parseError('<xml><a>1</a</xml>').message).toMatch(/malformed end tag/);
    expect(parseError('<xml><a>1</ a></xml>').message).toMatch(/malformed end tag/);
    expect(parseXml('<xml><a >1</a\n><b/><c\t/></xml >')).toEqual({ a: '1', b: '', c: '' });
  });

  it('refuses a string with a lone surrogate (a Buffer cannot hold one)', () => {
    const body = '<xml><a>\uD800</a></xml>';
    expect(parseError(body).body).toBe(body);
  });

  it('refuses bytes that are not UTF-8 (e.g. a GBK body) and keeps a decoded copy', () => {
    const gbk = Buffer.from([...Buffer.from('<xml><a>'), 0xd6, 0xd0, ...Buffer.from('</a></xml>')]);
    const error = parseError(gbk);
    expect(error.message).toMatch(/UTF-8/);
    expect(error.body).toBe(gbk.toString('utf8'));
  });
});

describe('buildXml', () => {
  it('writes fields in insertion order with no whitespace', () => {
    expect(buildXml({ mch_id: '1900000109', total_amount: 100, nonce_str: 'abc', a_b: 'x.y' })).toBe(
      '<xml><mch_id>1900000109</mch_id><total_amount>100</total_amount><nonce_str>abc</nonce_str><a_b>x.y</a_b></xml>',
    );
    expect(buildXml({})).toBe('<xml></xml>');
    expect(buildXml({ a: '1' }, 'root')).toBe('<root><a>1</a></root>');
  });

  it('writes numbers with String() and bigint ids exactly', () => {
    expect(buildXml({ a: 0.5, b: -3, c: 10n ** 27n })).toBe(
      '<xml><a>0.5</a><b>-3</b><c>1000000000000000000000000000</c></xml>',
    );
  });

  it('skips null and undefined, but keeps an empty string', () => {
    expect(buildXml({ a: null, b: undefined, c: '' })).toBe('<xml><c></c></xml>');
  });

  it('writes plain values as text, including spaces, newlines and non-ASCII', () => {
    expect(buildXml({ a: ' 新年 快乐 😀 \n\t' })).toBe('<xml><a> 新年 快乐 😀 \n\t</a></xml>');
  });

  it.each(['<', '>', '&', "'", '"'])('puts a value containing %s in CDATA', (char) => {
    expect(buildXml({ a: `x${char}y` })).toBe(`<xml><a><![CDATA[x${char}y]]></a></xml>`);
  });

  it('splits ]]> across CDATA sections', () => {
    expect(buildXml({ a: 'a]]>b' })).toBe('<xml><a><![CDATA[a]]]]><![CDATA[>b]]></a></xml>');
    expect(buildXml({ a: ']]>]]>' })).toBe('<xml><a><![CDATA[]]]]><![CDATA[>]]]]><![CDATA[>]]></a></xml>');
  });

  it('writes CR as a character reference so XML end-of-line normalisation cannot change it', () => {
    expect(buildXml({ a: 'x\r\ny', b: '<\r>' })).toBe(
      '<xml><a>x&#13;\ny</a><b><![CDATA[<]]>&#13;<![CDATA[>]]></b></xml>',
    );
  });

  it.each(['', '1a', 'a b', 'a:b', '-a', '.a', 'a<', 'a>b', '名字', 'a\n'])('refuses the field name %j', (name) => {
    const error = buildError({ [name]: 'v' });
    expect(error.field).toBe(name);
    expect(error.rule).toMatch(/XML name/);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the reserved field name %s', (name) => {
    const fields = JSON.parse(`{"${name}":"v"}`) as Record<string, unknown>;
    expect(buildError(fields).rule).toBe('reserved name');
  });

  it('refuses a bad root name', () => {
    expect(buildError({ a: '1' }, 'x y').field).toBe('root');
  });

  it.each([
    ['object', { b: 1 }],
    ['array', ['1']],
    ['boolean', true],
    ['function', () => '1'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['symbol', Symbol('x')],
  ])('refuses a value that is a %s', (_, value) => {
    const error = buildError({ ok: '1', amount: value });
    expect(error.field).toBe('amount');
    expect(error.rule).toBe('string or finite number');
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['backspace', '\b'],
    ['vertical tab', '\u000B'],
    ['escape', '\u001B'],
    ['lone high surrogate', 'a\uD83D'],
    ['lone low surrogate', '\uDE00a'],
    ['U+FFFE', '\uFFFE'],
    ['U+FFFF', '\uFFFF'],
  ])('refuses a string containing %s', (_, value) => {
    const error = buildError({ remark: value });
    expect(error.field).toBe('remark');
    expect(error.rule).toMatch(/XML 1\.0/);
  });
});

describe('round trip', () => {
  const nasty: Record<string, string> = {
    spaces: '  padded  ',
    only_space: ' ',
    empty: '',
    cdata_end: ']]>',
    cdata_ends: 'a]]>b]]]]>c]]',
    brackets: ']]',
    markup: '<xml><a>1</a></xml>',
    amp: 'a&b&amp;c&#65;',
    quotes: `it's "quoted"`,
    chinese: '恭喜发财，大吉大利！',
    emoji: '🧧💰👨‍👩‍👧',
    newlines: 'line1\nline2\r\nline3\rline4\t',
    cr_and_markup: '<\r\n>]]>\r',
    big_id: '1000041701201809213000000001',
    leading_zero: '007',
    comment_like: '<!-- x -->',
    doctype_free: 'a > b',
  };

  it('parseXml(buildXml(x)) equals x for nasty values', () => {
    expect(parseXml(buildXml(nasty))).toEqual(nasty);
  });

  it('stringifies numbers on the way', () => {
    expect(parseXml(buildXml({ a: 1, b: 0.25, c: 'x' }))).toEqual({ a: '1', b: '0.25', c: 'x' });
  });

  it('is read the same by an independent XML parser (fast-xml-parser)', () => {
    // Values without CR: fast-xml-parser leaves numeric references undecoded unless told otherwise.
    const values = Object.fromEntries(Object.entries(nasty).filter(([, v]) => !v.includes('\r') && !v.includes('&#')));
    const other = new XMLParser({ parseTagValue: false, trimValues: false, processEntities: false });
    const parsed = other.parse(buildXml(values)) as { xml: Record<string, string> };
    expect(parsed.xml).toEqual(values);
  });

  it('Transformer mirrors toObject / toXml', () => {
    const xml = Transformer.toXml({ return_code: 'SUCCESS', return_msg: 'a<b' });
    expect(xml).toBe('<xml><return_code>SUCCESS</return_code><return_msg><![CDATA[a<b]]></return_msg></xml>');
    expect(Transformer.toObject(xml)).toEqual({ return_code: 'SUCCESS', return_msg: 'a<b' });
    expect(Transformer.toObject(Buffer.from(xml))).toEqual({ return_code: 'SUCCESS', return_msg: 'a<b' });
    expect(() => Transformer.toObject('<html></html>')).toThrow(WxpayParseError);
  });
});
