// Property-test support: how many inputs each property gets (CI-sized or the long `npm run fuzz` run), the check that
// every failure is a well-formed WxpayError, and generators of hostile XML, JSON and mutations of valid documents.
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll } from 'vitest';
import { MAX_ERROR_BODY_CHARS, WxpayError } from '../../src/errors.js';

/** Inputs per property: small in `npm test`, large in `npm run fuzz` (which sets WXPAY_FUZZ_RUNS). */
const BASE_RUNS = Number(process.env.WXPAY_FUZZ_RUNS ?? 150);
const LONG_RUN = process.env.WXPAY_FUZZ_RUNS !== undefined;
let inputs = 0;

/** fast-check parameters for one property; `weight` scales the count for slow properties (network, RSA). */
export function runs(weight = 1): { numRuns: number } {
  const numRuns = Math.max(10, Math.round(BASE_RUNS * weight));
  inputs += numRuns;
  return { numRuns };
}

/** Time allowed for a property: generous in the long run. */
export function timeout(weight = 1): number {
  return LONG_RUN ? Math.max(60_000, BASE_RUNS * weight * 2) : 60_000;
}

// `npm run fuzz` sums the inputs of every file from this report.
afterAll(() => {
  const report = process.env.WXPAY_FUZZ_REPORT;
  if (report) appendFileSync(report, `${inputs}\n`);
});

/**
 * The one rule for everything a user or the network can hand the SDK: failures are WxpayError subclasses, their
 * messages are one bounded line, bodies kept on them are capped, and no secret appears in them.
 */
export function expectTypedFailure(error: unknown, secrets: readonly string[] = []): void {
  if (!(error instanceof WxpayError)) {
    throw new Error(`untyped failure: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, {
      cause: error,
    });
  }
  if (error.message.length > 2_000) throw new Error(`message of ${error.message.length} characters`);
  if (/[\r\n\u2028\u2029]/.test(error.message)) throw new Error(`multi-line message: ${error.message.slice(0, 200)}`);
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string' && body.length > MAX_ERROR_BODY_CHARS) {
    throw new Error(`error keeps a body of ${body.length} characters`);
  }
  for (const secret of secrets) {
    if (error.message.includes(secret)) throw new Error('a secret appears in the message');
  }
}

/** Runs `action`; a thrown failure must be typed (see expectTypedFailure). Returns the value, or undefined. */
export function settle<T>(action: () => T, secrets?: readonly string[]): T | undefined {
  try {
    return action();
  } catch (error) {
    expectTypedFailure(error, secrets);
    return undefined;
  }
}

/** The async form of `settle`. */
export async function settleAsync<T>(action: () => Promise<T>, secrets?: readonly string[]): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    expectTypedFailure(error, secrets);
    return undefined;
  }
}

/** Short strings that break parsers: markup, references, line ends, surrogates, control and format characters. */
export const hostileToken: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '<',
    '>',
    '&',
    '"',
    "'",
    '<!DOCTYPE x [<!ENTITY e "x">]>',
    '<!ENTITY e SYSTEM "file:///etc/passwd">',
    '&e;',
    '<![CDATA[',
    ']]>',
    '<!--',
    '-->',
    '<?pi x?>',
    '<?xml version="1.0" encoding="GBK"?>',
    '&#0;',
    '&#x10FFFF;',
    '&#x110000;',
    '&#99999999999;',
    '&lt;',
    '&amp;',
    '\r',
    '\r\n',
    '\n',
    '\u0000',
    '\uD800',
    '\uDC00',
    '\uFEFF',
    '\u2028',
    '<a>',
    '</a>',
    '<a/>',
    '<__proto__>',
    '</__proto__>',
    '<constructor>',
    'SUCCESS',
    'FAIL',
    '<return_code>SUCCESS</return_code>',
    '<sign>00000000000000000000000000000000</sign>',
    ' x="1"',
    '{',
    '}',
    '[',
    ']',
    ',',
    ':',
    '"__proto__"',
    'null',
    '1e999',
    '\\u0000',
  ),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

type Edit =
  | { kind: 'insert' | 'replace'; at: number; text: string; length: number }
  | { kind: 'delete' | 'duplicate'; at: number; length: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('insert' as const, 'replace' as const),
    at: fc.nat(),
    text: hostileToken,
    length: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({
    kind: fc.constantFrom('delete' as const, 'duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 16 }),
  }),
);

function applyEdit(text: string, change: Edit): string {
  const at = text.length === 0 ? 0 : change.at % (text.length + 1);
  switch (change.kind) {
    case 'insert':
      return text.slice(0, at) + change.text + text.slice(at);
    case 'replace':
      return text.slice(0, at) + change.text + text.slice(at + change.length);
    case 'delete':
      return text.slice(0, at) + text.slice(at + change.length);
    case 'duplicate':
      return text.slice(0, at + change.length) + text.slice(at);
  }
}

/** One to four edits of `base`: the near-misses of a valid document, where parsers and verifiers are most fragile. */
export function mutationOf(base: string): fc.Arbitrary<string> {
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => edits.reduce(applyEdit, base));
}

const elementName = fc.oneof(
  fc.constantFrom('xml', 'root', 'return_code', 'result_code', 'sign', 'hbinfo', 'a', '__proto__', 'constructor'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.:-]{0,6}$/),
);

/** Documents built from XML's own pieces (elements, text, CDATA, comments, references, DTDs), often nearly valid. */
export const xmlish: fc.Arbitrary<string> = fc
  .letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.string({ maxLength: 12 }),
      hostileToken,
      fc.string({ maxLength: 12 }).map((text) => `<![CDATA[${text}]]>`),
      fc.string({ maxLength: 12 }).map((text) => `<!--${text}-->`),
      tie('element'),
    ),
    element: fc
      .tuple(elementName, fc.array(tie('node'), { maxLength: 5 }), fc.boolean())
      .map(([name, children, selfClosing]) =>
        selfClosing && children.length === 0 ? `<${name}/>` : `<${name}>${children.join('')}</${name}>`,
      ),
  }))
  .element.chain((root) =>
    fc
      .tuple(
        fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>', '\uFEFF', '<!DOCTYPE xml>', ' \n'),
        fc.boolean(),
      )
      .map(([prolog, wrap]) => `${prolog}${wrap ? `<xml>${root}</xml>` : root}`),
  );

/** JSON-ish text: real JSON of any shape, with hostile pieces spliced in now and then. */
export const jsonish: fc.Arbitrary<string> = fc.oneof(
  fc.json(),
  fc.json().chain((text) => mutationOf(text)),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
