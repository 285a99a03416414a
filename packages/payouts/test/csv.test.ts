// The streaming CSV reader: quoting, line ends, chunk boundaries anywhere, and the errors it names.
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, readCsv } from '../src/input/csv.js';

async function read(text: string, chunkSize = text.length || 1) {
  const chunks = async function* () {
    for (let i = 0; i < text.length; i += chunkSize) yield text.slice(i, i + chunkSize);
  };
  const records = [];
  for await (const record of readCsv(chunks())) records.push(record);
  return records;
}

describe('readCsv', () => {
  const text = 'openid,wishing\r\no1,"恭喜, 发财"\n\no2,"say ""hi""\nagain"\no3,\n';
  const expected = [
    { line: 1, values: ['openid', 'wishing'] },
    { line: 2, values: ['o1', '恭喜, 发财'] },
    { line: 4, values: ['o2', 'say "hi"\nagain'] },
    { line: 6, values: ['o3', ''] },
  ];

  it('reads quoted values, "" escapes, CRLF and LF, skipping blank lines', async () => {
    expect(await read(text)).toEqual(expected);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    for (const size of [1, 2, 3, 5, 7]) expect(await read(text, size)).toEqual(expected);
  });

  it('keeps a CRLF inside a quoted value whole, and counts it as one line', async () => {
    for (const size of [1, 2, 100]) {
      expect(await read('a,b\r\n"x\r\ny",1\r\nz,2\r\n', size)).toEqual([
        { line: 1, values: ['a', 'b'] },
        { line: 2, values: ['x\r\ny', '1'] },
        { line: 4, values: ['z', '2'] },
      ]);
    }
  });

  it('reads a last line without a line end', async () => {
    expect(await read('a,b\n1,2')).toEqual([
      { line: 1, values: ['a', 'b'] },
      { line: 2, values: ['1', '2'] },
    ]);
  });

  it('refuses a quote inside an unquoted value and an unclosed quote, naming the line', async () => {
    await expect(read('a,b\nx"y,1\n')).rejects.toThrow(
      new CsvSyntaxError(2, 'a quote inside an unquoted value (quote the whole value)'),
    );
    await expect(read('a,b\n"x,1\n')).rejects.toMatchObject({ line: 2, rule: 'a quoted value is never closed' });
    await expect(read('a\n"x"y\n')).rejects.toMatchObject({ line: 2 });
  });
});
