// Parses a bill file into typed rows and its summary. The format: a header line, detail lines whose every value is
// prefixed with a back-tick (so spreadsheets keep long numbers as text), a summary header and one summary line
// written the same way (docs/endpoints.md#bill-files).
import { WxpayParseError } from '../errors.js';
import {
  type ColumnSet,
  type FundFlowBillRow,
  type FundFlowBillSummary,
  fundFlowRowColumns,
  fundFlowSummaryColumns,
  type TradeBillRow,
  type TradeBillSummary,
  tradeRowColumns,
  tradeSummaryColumns,
} from './columns.js';

/** A parsed bill: the headers as written, the detail rows, and the summary line. */
export interface BillTable<Row, Summary> {
  header: string[];
  rows: Row[];
  summaryHeader: string[];
  summary: Summary;
}

export type TradeBill = BillTable<TradeBillRow, TradeBillSummary>;
export type FundFlowBill = BillTable<FundFlowBillRow, FundFlowBillSummary>;

/** Parses a trade bill (`v3/bill/tradebill`); WxpayParseError naming the line when the text is not one. */
export function parseTradeBill(text: string): TradeBill {
  return parseBill(text, tradeRowColumns, tradeSummaryColumns, 'trade');
}

/** Parses a fund-flow bill (`v3/bill/fundflowbill`); WxpayParseError naming the line when the text is not one. */
export function parseFundFlowBill(text: string): FundFlowBill {
  return parseBill(text, fundFlowRowColumns, fundFlowSummaryColumns, 'fund-flow');
}

const BACK_TICK = '`';

/**
 * The errors never quote the bill's lines: they hold payer ids and amounts. They name the line (1-based) instead.
 */
function fail(message: string): WxpayParseError {
  return new WxpayParseError(message, '');
}

function parseBill<Row, Summary>(
  text: string,
  rowColumns: ColumnSet<Row>,
  summaryColumns: ColumnSet<Summary>,
  kind: string,
): BillTable<Row, Summary> {
  if (typeof text !== 'string') throw fail(`a ${kind} bill is text`);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const headerLine = lines[0];
  if (headerLine === undefined || headerLine.startsWith(BACK_TICK)) throw fail(`${kind} bill line 1: not a header`);
  const header = splitHeader(headerLine);
  checkColumns(header, rowColumns, kind, 1);

  let index = 1;
  const rows: Row[] = [];
  for (; index < lines.length && (lines[index] as string).startsWith(BACK_TICK); index++) {
    rows.push(toRecord(header, splitValues(lines[index] as string, header.length, kind, index + 1), rowColumns));
  }
  const summaryHeaderLine = lines[index];
  if (summaryHeaderLine === undefined) throw fail(`${kind} bill: no summary header after line ${index}`);
  const summaryHeader = splitHeader(summaryHeaderLine);
  checkColumns(summaryHeader, summaryColumns, kind, index + 1);
  const summaryLine = lines[index + 1];
  if (summaryLine === undefined || !summaryLine.startsWith(BACK_TICK)) {
    throw fail(`${kind} bill line ${index + 2}: expected the summary line`);
  }
  if (lines.length !== index + 2) throw fail(`${kind} bill line ${index + 3}: text after the summary line`);
  const summary = toRecord(
    summaryHeader,
    splitValues(summaryLine, summaryHeader.length, kind, index + 2),
    summaryColumns,
  );
  return { header, rows, summaryHeader, summary };
}

/** Header names, trimmed, full-width parentheses as ASCII (both spellings occur). */
function splitHeader(line: string): string[] {
  return line.split(',').map((name) => name.trim().replace(/（/g, '(').replace(/）/g, ')'));
}

/**
 * The values of a back-tick line: every value starts with a back-tick, so `,` + back-tick separates them (a comma
 * inside a value, as in a goods name, stays part of it).
 */
function splitValues(line: string, expected: number, kind: string, lineNumber: number): string[] {
  const values = line.slice(1).split(`,${BACK_TICK}`);
  if (values.length !== expected) {
    throw fail(`${kind} bill line ${lineNumber}: ${values.length} values under ${expected} columns`);
  }
  return values;
}

function checkColumns<Row>(header: string[], columns: ColumnSet<Row>, kind: string, lineNumber: number): void {
  const present = new Set(header.map((name) => (Object.hasOwn(columns.names, name) ? columns.names[name] : undefined)));
  for (const name of columns.required) {
    if (!present.has(name)) {
      const text = Object.keys(columns.names).find((key) => columns.names[key] === name);
      throw fail(`${kind} bill line ${lineNumber}: no column ${text ?? String(name)}`);
    }
  }
}

/** One line as a record; built with fromEntries, so a header named `__proto__` is just a key. */
function toRecord<Row>(header: string[], values: string[], columns: ColumnSet<Row>): Row {
  const cells = header.map((name, i): [string, string] => [name, values[i] ?? '']);
  const typed = cells.flatMap(([name, value]) =>
    Object.hasOwn(columns.names, name) ? [[columns.names[name] as string, value] as const] : [],
  );
  return Object.fromEntries([...typed, ['columns', Object.fromEntries(cells)]]) as Row;
}
