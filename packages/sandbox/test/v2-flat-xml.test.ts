// The router's one-pass reader of flat `<xml>` request bodies against the SDK's strict parser: whatever it reads, it
// reads exactly as the SDK would (same names, same values, prototype-less); whatever is unusual it leaves to the SDK.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Transformer } from 'wxpay';
import { readFlatXml } from '../src/v2/flat-xml.js';

/** The SDK parser's reading, or undefined when it refuses the body. */
function sdkReading(body: Buffer): Record<string, unknown> | undefined {
  try {
    return { ...Transformer.toObject(body) };
  } catch {
    return undefined;
  }
}

/** Whenever the flat reader answers, the SDK answers the same. */
function expectAgreement(body: Buffer): Record<string, string> | undefined {
  const flat = readFlatXml(body);
  if (flat !== undefined) {
    expect(Object.getPrototypeOf(flat)).toBeNull();
    expect({ ...flat }).toEqual(sdkReading(body));
  }
  return flat;
}

const fieldName = fc.oneof(
  fc.constantFrom('mch_billno', 'mch_id', 'sign', 'nonce_str', 'total_amount', 'xml', '__proto__', 'constructor'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.:-]{0,12}$/),
);
/** Values as a client might send them, and the characters that make bodies unusual. */
const fieldValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({
    unit: fc.constantFrom('a', ' ', '\t', '\n', '\r', '<', '>', '&', ']', ']]>', '"', '\u0000', '\uFFFE', '红'),
  }),
);

describe('readFlatXml', () => {
  it('reads what the SDK builds exactly as the SDK reads it back', () => {
    let read = 0;
    fc.assert(
      fc.property(fc.dictionary(fieldName, fieldValue, { maxKeys: 8 }), (fields) => {
        let xml: string;
        try {
          xml = Transformer.toXml(fields);
        } catch {
          return; // The SDK does not build it (a name or character it refuses).
        }
        if (expectAgreement(Buffer.from(xml)) !== undefined) read += 1;
      }),
      { numRuns: 2_000 },
    );
    // The comparison is only worth something if the one-pass reader answered often.
    expect(read).toBeGreaterThan(200);
  });

  it('reads a typical request in one pass, CDATA included', () => {
    const body = Buffer.from(
      '<xml><mch_id>10000098</mch_id><wishing><![CDATA[恭喜 & <发财>]]></wishing><remark></remark><act_name> </act_name></xml>',
    );
    expect({ ...expectAgreement(body) }).toEqual({
      mch_id: '10000098',
      wishing: '恭喜 & <发财>',
      remark: '',
      act_name: ' ',
    });
  });

  it('leaves every unusual body to the SDK parser', () => {
    const unusual = [
      '<?xml version="1.0"?><xml><a>1</a></xml>',
      '\uFEFF<xml><a>1</a></xml>',
      '<xml>\n<a>1</a>\n</xml>',
      '<xml><a>1 &amp; 2</a></xml>',
      '<xml><a>1\r\n2</a></xml>',
      '<xml><a>1</a><a>2</a></xml>',
      '<xml><__proto__>1</__proto__></xml>',
      '<xml><a x="1">1</a></xml>',
      '<xml><a/></xml>',
      '<xml><a><b>1</b></a></xml>',
      '<xml><a><![CDATA[x]]]]><![CDATA[>y]]></a></xml>',
      '<xml><a>x]]>y</a></xml>',
      '<xml><!-- c --><a>1</a></xml>',
      '<xml><a>\u0001</a></xml>',
      '<xml><xml></xml>',
      '<xml><a>1</a></xml> ',
      '<XML><a>1</a></XML>',
    ];
    for (const text of unusual) expect(readFlatXml(Buffer.from(text)), text).toBeUndefined();
    expect(readFlatXml(Buffer.from([0x3c, 0x78, 0x6d, 0x6c, 0x3e, 0xff, 0x3c, 0x2f, 0x78, 0x6d, 0x6c, 0x3e]))).toBe(
      undefined,
    );
  });

  it('agrees with the SDK on mangled bodies', () => {
    let read = 0;
    const piece = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('<a>x</a>', '<b></b>', '<c><![CDATA[<&>]]></c>', '<d> </d>') },
      fc.constantFrom('<xml>', '</xml>', '<a>', '</a>', '<![CDATA[', ']]>', 'x', ' ', '&', '<', '>', '\r', ']]'),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(piece, { maxLength: 6 }), (wrapped, parts) => {
        const text = wrapped ? `<xml>${parts.join('')}</xml>` : parts.join('');
        if (expectAgreement(Buffer.from(text)) !== undefined) read += 1;
      }),
      { numRuns: 5_000 },
    );
    expect(read).toBeGreaterThan(50);
  });
});
