// Properties of the APIv2 XML parser and builder: any input ends in data or a typed error, results never reach
// Object.prototype, and whatever the builder writes parses back to exactly the same strings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Transformer, type XmlObject, type XmlValue } from '../../src/index.js';
import { buildXml } from '../../src/v2/xml.js';
import { hostileToken, mutationOf, runs, settle, timeout, xmlish } from '../support/fuzz.js';

/** A parse result holds only strings, prototype-less objects and arrays of them. */
function expectPlainData(value: XmlValue): void {
  if (typeof value === 'string') return;
  if (Array.isArray(value)) {
    for (const item of value) expectPlainData(item);
    return;
  }
  expect(Object.getPrototypeOf(value)).toBeNull();
  for (const name of Object.keys(value)) {
    expect(['__proto__', 'constructor', 'prototype']).not.toContain(name);
    expectPlainData(value[name] as XmlValue);
  }
}

const validReply = buildXml({
  return_code: 'SUCCESS',
  return_msg: 'OK',
  result_code: 'SUCCESS',
  mch_billno: '100000982026113000000001',
  send_listid: '1000041701201811253000000000001',
  wishing: '恭喜发财 & <good> luck ]]> end',
});

describe('Transformer.toObject', () => {
  it(
    'turns any value at all into data or a typed error',
    () => {
      fc.assert(
        fc.property(fc.anything({ withBigInt: true, withTypedArray: true, withMap: true }), (value) => {
          const parsed = settle(() => Transformer.toObject(value as string));
          if (parsed !== undefined) expectPlainData(parsed);
        }),
        runs(),
      );
    },
    timeout(),
  );

  it(
    'turns XML-shaped text into data or a typed error',
    () => {
      fc.assert(
        fc.property(xmlish, (text) => {
          const parsed = settle(() => Transformer.toObject(text));
          if (parsed !== undefined) expectPlainData(parsed);
        }),
        runs(),
      );
    },
    timeout(),
  );

  it(
    'turns near-misses of a valid reply, as text or bytes, into data or a typed error',
    () => {
      fc.assert(
        fc.property(mutationOf(validReply), fc.boolean(), (text, asBytes) => {
          const parsed = settle(() => Transformer.toObject(asBytes ? Buffer.from(text, 'utf8') : text));
          if (parsed !== undefined) expectPlainData(parsed);
        }),
        runs(),
      );
    },
    timeout(),
  );

  it(
    'turns arbitrary bytes into data or a typed error',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          const parsed = settle(() => Transformer.toObject(Buffer.from(bytes)));
          if (parsed !== undefined) expectPlainData(parsed);
        }),
        runs(),
      );
    },
    timeout(),
  );
});

describe('Transformer.toXml', () => {
  const fieldName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/);
  const fieldValue = fc.oneof(
    fc.string({ maxLength: 30 }),
    hostileToken,
    fc.string({ unit: 'grapheme', maxLength: 10 }),
  );

  it(
    'writes fields that parse back to exactly the same strings, or refuses them with a typed error',
    () => {
      fc.assert(
        fc.property(fc.dictionary(fieldName, fieldValue, { maxKeys: 6 }), (fields) => {
          const xml = settle(() => Transformer.toXml(fields));
          if (xml === undefined) return;
          const parsed: XmlObject = Transformer.toObject(xml);
          expect({ ...parsed }).toEqual(fields);
        }),
        runs(),
      );
    },
    timeout(),
  );
});
