// The RFC 4180 quoting of `wxpay payout report --format csv` (README): values from the journal and from WeChat Pay
// may hold commas, quotes, line breaks or edge spaces, and must read back as the same fields.
import { describe, expect, it } from 'vitest';
import { csvLine } from '../src/csv-field.js';

describe('csvLine', () => {
  it('leaves plain values bare and writes null as an empty field', () => {
    expect(csvLine([1, 'oxTWIuGaIt6gTKsQRLau2M0yL16E', 100, null, 'sent'])).toBe(
      '1,oxTWIuGaIt6gTKsQRLau2M0yL16E,100,,sent\n',
    );
  });

  it('quotes a value holding a comma, a quote or a line break, doubling its quotes', () => {
    expect(csvLine(['a,b', 'say "hi"', 'two\nlines', 'cr\rhere'])).toBe('"a,b","say ""hi""","two\nlines","cr\rhere"\n');
  });

  it('quotes a value with a leading or trailing space, so a trimming reader keeps it', () => {
    expect(csvLine([' lead', 'trail ', 'in side'])).toBe('" lead","trail ",in side\n');
  });
});
