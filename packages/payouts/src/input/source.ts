// Where a batch's rows come from: a CSV or JSONL file streamed from disk, or rows handed over by code. A source can be
// read more than once (validation first, then planning), never held in memory whole.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CsvSyntaxError, readCsv } from './csv.js';

/** One input record: its line (1-based; for code, the position) and its values by column. */
export interface InputRecord {
  line: number;
  values: Readonly<Record<string, unknown>>;
}

/** A problem with the input itself rather than one value: not CSV, not JSON, a missing header. */
export interface SourceProblem {
  line: number;
  field: string;
  rule: string;
}

export interface RowSource {
  /** What the rows are, for messages and the default batch id (e.g. the file name). */
  readonly name: string;
  /** Reads the records from the start; problems of form are yielded in order, with the records. */
  records(): AsyncIterable<InputRecord | SourceProblem>;
}

export function isSourceProblem(item: InputRecord | SourceProblem): item is SourceProblem {
  return 'rule' in item;
}

/** A file: `.jsonl`/`.ndjson` is one JSON object a line; anything else is CSV with a header line. */
export function fileSource(path: string, format?: 'csv' | 'jsonl'): RowSource {
  const jsonl = format === 'jsonl' || (format === undefined && /\.(jsonl|ndjson)$/i.test(path));
  return { name: path, records: () => (jsonl ? readJsonl(path) : readCsvFile(path)) };
}

/** Rows given by code, e.g. from a database query; each is validated like a file's row. */
export function arraySource(name: string, rows: ReadonlyArray<Readonly<Record<string, unknown>>>): RowSource {
  return {
    name,
    async *records() {
      for (let i = 0; i < rows.length; i++) yield { line: i + 1, values: rows[i] as Record<string, unknown> };
    },
  };
}

function textChunks(path: string): AsyncIterable<string> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  return (async function* () {
    let first = true;
    for await (const chunk of stream as AsyncIterable<string>) {
      // A byte order mark is not part of the first column's name.
      yield first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
      first = false;
    }
  })();
}

async function* readCsvFile(path: string): AsyncGenerator<InputRecord | SourceProblem> {
  let header: string[] | undefined;
  try {
    for await (const record of readCsv(textChunks(path))) {
      if (header === undefined) {
        header = record.values.map((name) => name.trim());
        const seen = new Set<string>();
        for (const name of header) {
          if (name === '') yield { line: record.line, field: 'header', rule: 'every column needs a name' };
          else if (seen.has(name)) yield { line: record.line, field: name, rule: 'column named twice in the header' };
          seen.add(name);
        }
        continue;
      }
      if (record.values.length !== header.length) {
        yield {
          line: record.line,
          field: 'row',
          rule: `${header.length} values (as the header), found ${record.values.length}`,
        };
        continue;
      }
      const values: Record<string, string> = {};
      header.forEach((name, i) => {
        values[name] = record.values[i] as string;
      });
      yield { line: record.line, values };
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) {
      yield { line: error.line, field: 'csv', rule: error.rule };
      return;
    }
    throw error;
  }
  if (header === undefined) yield { line: 1, field: 'header', rule: 'required (the first line names the columns)' };
}

async function* readJsonl(path: string): AsyncGenerator<InputRecord | SourceProblem> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line++;
    const trimmed = (line === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
    if (trimmed === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      yield { line, field: 'json', rule: 'one JSON object a line' };
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      yield { line, field: 'json', rule: 'one JSON object a line' };
      continue;
    }
    yield { line, values: parsed as Record<string, unknown> };
  }
}
