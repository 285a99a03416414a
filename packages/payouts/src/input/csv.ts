// A streaming CSV reader (RFC 4180: commas, double quotes, "" inside quotes, CRLF or LF): one record at a time, so a
// file of any size is read in constant memory.

export interface CsvRecord {
  /** The line the record starts on (1-based). */
  line: number;
  values: string[];
}

/** Thrown for text that is not CSV (a quote inside an unquoted value, an unterminated quote). */
export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    readonly rule: string,
  ) {
    super(`line ${line}: ${rule}`);
  }
}

/**
 * Where the run of ordinary characters from `start` ends in `chunk`: at a quote or a line end, and outside quotes at a
 * comma too.
 */
function runEnd(chunk: string, start: number, quoted: boolean): number {
  let end = start + 1;
  for (; end < chunk.length; end++) {
    const code = chunk.charCodeAt(end);
    if (code === 34 || code === 10 || code === 13 || (code === 44 && !quoted)) break;
  }
  return end;
}

/** Reads records from text chunks (already decoded); blank lines are skipped. */
export async function* readCsv(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  let values: string[] = [];
  let value = '';
  let quoted = false;
  // After a closing quote: only a comma, a line end or another quote (an escaped one) may follow.
  let afterQuote = false;
  // Whether the current value has started (so `a,` has two values and an empty line none).
  let started = false;
  let line = 1;
  let recordLine = 1;
  let pendingCr = false;
  const endValue = () => {
    values.push(value);
    value = '';
    afterQuote = false;
  };
  const endRecord = (): CsvRecord | undefined => {
    if (!started && values.length === 0) return undefined;
    endValue();
    const record = { line: recordLine, values };
    values = [];
    started = false;
    return record;
  };
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const char = chunk[i] as string;
      if (pendingCr) {
        pendingCr = false;
        if (char === '\n') {
          // The LF of a CRLF: no new line. Inside quotes it is part of the value, as the CR was.
          if (quoted) value += char;
          continue;
        }
      }
      if (quoted) {
        if (char === '"') {
          quoted = false;
          afterQuote = true;
        } else if (char === '\n' || char === '\r') {
          line++;
          if (char === '\r') pendingCr = true;
          value += char;
        } else {
          // A run of ordinary characters is taken whole: one slice rather than a string per character.
          const end = runEnd(chunk, i, true);
          value += chunk.slice(i, end);
          i = end - 1;
        }
        continue;
      }
      if (char === '\n' || char === '\r') {
        if (char === '\r') pendingCr = true;
        const record = endRecord();
        line++;
        recordLine = line;
        if (record) yield record;
        continue;
      }
      if (afterQuote) {
        if (char === '"') {
          // "" inside a quoted value: one quote, and the value goes on quoted.
          value += '"';
          quoted = true;
          afterQuote = false;
          continue;
        }
        if (char !== ',') throw new CsvSyntaxError(line, 'only a comma or a line end may follow a closing quote');
      }
      if (char === ',') {
        started = true;
        endValue();
      } else if (char === '"') {
        if (value !== '') throw new CsvSyntaxError(line, 'a quote inside an unquoted value (quote the whole value)');
        started = true;
        quoted = true;
      } else {
        started = true;
        const end = runEnd(chunk, i, false);
        value += chunk.slice(i, end);
        i = end - 1;
      }
    }
  }
  if (quoted) throw new CsvSyntaxError(recordLine, 'a quoted value is never closed');
  const record = endRecord();
  if (record) yield record;
}
