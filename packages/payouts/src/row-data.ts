// One input record checked and turned into the RowData a batch pays: required columns, integer fen, the kind's own
// rules and the catalogue's field rules (the SDK's checkV2Request), each problem named by line, column and rule.
import { checkV2Request } from 'wxpay';
import type { InputProblem } from './errors.js';
import type { BatchSettings, PayoutKind, RowData } from './kinds/kind.js';

/** Column defaults (from flags or code): used where a row leaves the column out or empty. */
export type ColumnDefaults = Readonly<Partial<Record<string, string>>>;

/** Request fields that come from the batch settings, not the row: a problem there is the configuration's. */
const settingsFields: Readonly<Record<string, string>> = {
  wxappid: 'appid (--wxappid)',
  appid: 'appid (--wxappid)',
  client_ip: 'clientIp (--client-ip)',
  spbill_create_ip: 'clientIp (--client-ip)',
};

export type RowCheck =
  | { data: RowData }
  | { problem: InputProblem }
  /** The settings break a rule: no row can pass, so checking stops. */
  | { settingsProblem: { setting: string; rule: string } };

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  return undefined;
}

const columnsOfKinds = new WeakMap<PayoutKind, ReadonlySet<string>>();

/** The columns `kind` takes, built once per kind rather than once per row. */
function knownColumns(kind: PayoutKind): ReadonlySet<string> {
  let known = columnsOfKinds.get(kind);
  if (known === undefined) {
    known = new Set(['openid', 'amount', ...kind.columns]);
    columnsOfKinds.set(kind, known);
  }
  return known;
}

/**
 * Reads one record into RowData (known columns, `openid`, integer fen, the defaults applied) without the kind's rules
 * and the catalogue's field rules: what a second read of input already checked needs (see plan.ts).
 */
export function readRow(
  kind: PayoutKind,
  defaults: ColumnDefaults,
  line: number,
  values: Readonly<Record<string, unknown>>,
): { data: RowData } | { problem: InputProblem } {
  const problem = (field: string, rule: string) => ({ problem: { line, field, rule } });
  const known = knownColumns(kind);
  for (const [column, value] of Object.entries(values)) {
    if (!known.has(column))
      return problem(column, `not a column of kind ${kind.name} (columns: ${[...known].join(', ')})`);
    if (value !== null && value !== undefined && typeof value !== 'string' && typeof value !== 'number') {
      return problem(column, 'text or a number');
    }
  }
  const openid = text(values.openid);
  if (openid === undefined) return problem('openid', 'required');
  const amountText = text(values.amount);
  let amount = 0;
  if (amountText === undefined) {
    if (kind.amountRequired) return problem('amount', 'required (integer fen)');
  } else if (!/^\d{1,15}$/.test(amountText) || !Number.isSafeInteger(Number(amountText))) {
    return problem('amount', 'integer fen (digits only, e.g. 100 for 1 yuan)');
  } else {
    amount = Number(amountText);
  }
  const fields: Record<string, string> = {};
  for (const column of kind.columns) {
    const value = text(values[column]) ?? defaults[column];
    if (value !== undefined) fields[column] = value;
  }
  return { data: { openid, amount, fields } };
}

/** Checks one record. `number` is the row's business number (it takes part in the field rules). */
export function checkRow(
  kind: PayoutKind,
  settings: BatchSettings,
  defaults: ColumnDefaults,
  line: number,
  values: Readonly<Record<string, unknown>>,
  number: string,
): RowCheck {
  const read = readRow(kind, defaults, line, values);
  if ('problem' in read) return read;
  const { data } = read;
  const problem = (field: string, rule: string): RowCheck => ({ problem: { line, field, rule } });
  const kindRule = kind.rowRule?.(data);
  if (kindRule) return problem(kindRule[0], kindRule[1]);
  const request = kind.request(data, settings, number);
  const broken = kind.checkRequest ? kind.checkRequest(request) : checkV2Request(kind.sendPath, request);
  if (broken) {
    const setting = settingsFields[broken.field];
    if (setting) return { settingsProblem: { setting, rule: broken.rule } };
    const column = kind.columnOf(broken.field);
    const rule = kind.columns.includes(column)
      ? `${broken.rule} (the column, or --${column.replaceAll('_', '-')})`
      : broken.rule;
    return problem(column, rule);
  }
  return { data };
}

/** The row's data as canonical JSON (keys in a fixed order): what the journal stores and the fingerprint hashes. */
export function rowDataJson(data: RowData): string {
  const fields: Record<string, string> = {};
  for (const key of Object.keys(data.fields).sort()) fields[key] = data.fields[key] as string;
  return JSON.stringify({ openid: data.openid, amount: data.amount, fields });
}
