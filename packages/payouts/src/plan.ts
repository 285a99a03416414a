// Planning a batch: every row checked before anything is sent, its business number fixed and written to the journal
// as `pending`, and the batch's fingerprint (settings + rows) compared with what the journal remembers.
import { createHash } from 'node:crypto';
import { batchTag, businessNumber } from './business-number.js';
import { BatchChangedError, type InputProblem, PayoutConfigError, PayoutInputError } from './errors.js';
import { isSourceProblem, type RowSource } from './input/source.js';
import { allRows } from './journal/all-rows.js';
import type { BatchRecord, Journal, NewRow } from './journal/journal.js';
import type { BatchSettings, PayoutKind, RowData } from './kinds/kind.js';
import { type ColumnDefaults, checkRow, rowReader } from './row-data.js';

export interface PlanInput {
  journal: Journal;
  source: RowSource;
  kind: PayoutKind;
  settings: BatchSettings;
  defaults: ColumnDefaults;
  batchId: string;
  now: number;
  /** Run input that another batch of this journal already ran (the same rows and settings). Off by default. */
  allowRepeat?: boolean;
  /** Problems kept for the error (all are counted and each is given to `onProblem`). Default 100. */
  maxProblems?: number;
  /** Called with every problem as it is found (e.g. to print them all, however many). */
  onProblem?: (problem: InputProblem) => void;
  /** Checked between rows: planning a large file stops with PlanningStopped (what was planned stays planned). */
  signal?: AbortSignal;
}

/** Planning was stopped by the caller's signal; running again continues where it stopped. */
export class PlanningStopped extends Error {
  override name = 'PlanningStopped';
}

interface CheckedRow {
  row: number;
  line: number;
  number: string;
  data: RowData;
  json: string;
}

/** Rows written to the journal per transaction while planning. */
const PLAN_CHUNK = 2000;

/** The settings as canonical JSON: part of the fingerprint. */
export function settingsJson(settings: BatchSettings): string {
  return JSON.stringify({
    kind: settings.kind,
    mchid: settings.mchid,
    appid: settings.appid,
    clientIp: settings.clientIp,
  });
}

/**
 * Reads every row of the source, checked, in order; throws PayoutInputError (after reading all) when any is bad.
 * `reread` leaves out the kind's rules and the catalogue's field rules (the costly part): for a second read, whose rows
 * count only if they hash to what a checked read hashed.
 */
async function* checkedRows(input: PlanInput, tag: string, reread = false): AsyncGenerator<CheckedRow> {
  const problems: InputProblem[] = [];
  const keep = input.maxProblems ?? 100;
  let total = 0;
  let row = 0;
  const read = rowReader(input.kind, input.defaults);
  const report = (problem: InputProblem) => {
    input.onProblem?.(problem);
    total++;
    if (problems.length < keep) problems.push(problem);
  };
  for await (const item of input.source.records()) {
    if (input.signal?.aborted) throw new PlanningStopped('stopped while checking the input');
    if (isSourceProblem(item)) {
      report(item);
      continue;
    }
    row++;
    const number = businessNumber(tag, row);
    const checked = reread
      ? read(item.line, item.values)
      : checkRow(input.kind, input.settings, read, item.line, item.values, number);
    if ('settingsProblem' in checked) {
      throw new PayoutConfigError(`${checked.settingsProblem.setting}: ${checked.settingsProblem.rule}`);
    }
    if ('problem' in checked) report(checked.problem);
    else if (total === 0) yield { row, line: item.line, number, data: checked.data, json: checked.json };
  }
  if (row === 0 && total === 0) report({ line: 1, field: 'rows', rule: 'at least one row' });
  if (total > 0) throw new PayoutInputError(problems, total, input.source.name);
}

/** The fingerprint of rows: SHA-256 of each row's JSON and a line end, handed to the hash some 64 KiB at a time. */
class RowsHash {
  readonly #hash = createHash('sha256');
  #text = '';

  add(json: string): void {
    this.#text += `${json}\n`;
    if (this.#text.length >= 65536) {
      this.#hash.update(this.#text);
      this.#text = '';
    }
  }

  digest(): string {
    return this.#hash.update(this.#text).digest('hex');
  }
}

/** First pass: checks everything and computes the fingerprint; nothing is written. */
async function fingerprint(input: PlanInput, tag: string): Promise<{ inputHash: string; rowCount: number }> {
  const hash = new RowsHash();
  let rowCount = 0;
  for await (const checked of checkedRows(input, tag)) {
    hash.add(checked.json);
    rowCount++;
  }
  return { inputHash: hash.digest(), rowCount };
}

/** The first row where the source and the journal's batch differ, in words. */
async function firstDifference(input: PlanInput, tag: string, stored: BatchRecord): Promise<string> {
  const saved = allRows(input.journal, stored.id, undefined, PLAN_CHUNK);
  for await (const checked of checkedRows(input, tag)) {
    const { value, done } = await saved.next();
    if (done) return `row ${checked.row} (line ${checked.line}) is not in the batch, which has ${stored.rowCount} rows`;
    if (value.data !== checked.json) {
      return `row ${checked.row} (line ${checked.line}) differs in ${differingField(JSON.parse(value.data), checked.data)}`;
    }
  }
  return `the batch has ${stored.rowCount} rows, the input fewer`;
}

function differingField(saved: RowData, now: RowData): string {
  if (saved.openid !== now.openid) return 'openid';
  if (saved.amount !== now.amount) return 'amount';
  const names = new Set([...Object.keys(saved.fields), ...Object.keys(now.fields)]);
  for (const name of [...names].sort()) if (saved.fields[name] !== now.fields[name]) return name;
  return 'its data';
}

const stale =
  'written by a read of other input (the file changed while it was planned); nothing was sent: ' +
  'plan the file as a new batch (--batch)';

/** Stores `rows`; with `verify`, proves the journal holds exactly them (a row stored earlier is never changed). */
async function writeRows(
  journal: Journal,
  batchId: string,
  rows: ReadonlyArray<NewRow & { line: number }>,
  verify: boolean,
): Promise<void> {
  await journal.addRows(batchId, rows);
  if (!verify) return;
  const first = (rows[0] as NewRow).row;
  const stored = await journal.rows(batchId, first, rows.length);
  rows.forEach((row, i) => {
    const found = stored[i];
    if (found?.row !== row.row || found.number !== row.number || found.data !== row.data) {
      throw new BatchChangedError(batchId, `row ${row.row} (line ${row.line}) in the journal was ${stale}`);
    }
  });
}

/**
 * Checks the input, then creates the batch (or finds it and proves the input is the same), writes every row with its
 * business number as `pending`, and marks the batch planned. Safe to repeat after a crash at any point.
 */
export async function planBatch(input: PlanInput): Promise<BatchRecord> {
  const { journal, batchId } = input;
  const tag = batchTag(input.settings.mchid, batchId);
  const { inputHash, rowCount } = await fingerprint(input, tag);
  const settings = settingsJson(input.settings);
  let stored = await journal.batch(batchId);
  if (stored === undefined && !input.allowRepeat) {
    // Not this batch itself: another process may have created it since `batch()` looked (several workers starting
    // the same batch at once), and that is a resume, not a repeat.
    const earlier = (await journal.batches()).find(
      (b) => b.id !== batchId && b.inputHash === inputHash && b.settings === settings,
    );
    if (earlier) {
      throw new BatchChangedError(
        batchId,
        `this input was already run as batch ${earlier.id} (pass allowRepeat / --allow-repeat to pay it again)`,
      );
    }
  }
  stored ??= await journal.beginBatch({
    id: batchId,
    kind: input.kind.name,
    settings,
    inputHash,
    rowCount,
    createdAt: input.now,
  });
  if (stored.settings !== settings) {
    throw new BatchChangedError(batchId, `settings differ (journal: ${stored.settings}, now: ${settings})`);
  }
  if (stored.inputHash !== inputHash) {
    throw new BatchChangedError(batchId, await firstDifference(input, tag, stored));
  }
  if (stored.planned) return stored;
  // The rows written are hashed again: a file that changed since the first pass never becomes a planned batch. So
  // this read need not check them again: rows with the hash of the checked read are the rows it checked. The journal
  // keeps rows an earlier read wrote (one refused as changed, or another process's): when the batch has rows already,
  // what it holds is compared with them too (a fresh batch is not read back, which costs about a fifth of the planning).
  const resumed = (await journal.rows(batchId, 1, 1)).length > 0;
  const written = new RowsHash();
  let chunk: Array<NewRow & { line: number }> = [];
  for await (const checked of checkedRows(input, tag, true)) {
    written.add(checked.json);
    chunk.push({
      row: checked.row,
      line: checked.line,
      number: checked.number,
      openid: checked.data.openid,
      amount: checked.data.amount,
      data: checked.json,
    });
    if (chunk.length === PLAN_CHUNK) {
      await writeRows(journal, batchId, chunk, resumed);
      chunk = [];
    }
  }
  if (chunk.length > 0) await writeRows(journal, batchId, chunk, resumed);
  if (written.digest() !== stored.inputHash) {
    throw new BatchChangedError(batchId, 'the input changed while it was being read; nothing was sent');
  }
  if ((await journal.rows(batchId, rowCount + 1, 1)).length > 0) {
    throw new BatchChangedError(batchId, `the journal holds rows beyond the input's ${rowCount}, ${stale}`);
  }
  await journal.markPlanned(batchId);
  return { ...stored, planned: true };
}
