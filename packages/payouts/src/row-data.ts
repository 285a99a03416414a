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
  | ReadRow
  | { problem: InputProblem }
  /** The settings break a rule: no row can pass, so checking stops. */
  | { settingsProblem: { setting: string; rule: string } };

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  return undefined;
}

// A module function, not a closure made for every row.
function problemAt(line: number, field: string, rule: string): { problem: InputProblem } {
  return { problem: { line, field, rule } };
}

/** A record read into RowData, with the data as canonical JSON: what the journal stores and the fingerprint hashes. */
export interface ReadRow {
  data: RowData;
  json: string;
}

/**
 * Reads one record into RowData (known columns, `openid`, integer fen, the defaults applied) without the kind's rules
 * and the catalogue's field rules: what a second read of input already checked needs (see plan.ts).
 */
export type RowReader = (
  line: number,
  values: Readonly<Record<string, unknown>>,
) => ReadRow | { problem: InputProblem };

/**
 * The reader of records of `kind` with `defaults`. What is the same for every row is worked out here once: the known
 * columns, the order canonical JSON lists the fields in (sorted by name) and each default as JSON.
 */
export function rowReader(kind: PayoutKind, defaults: ColumnDefaults): RowReader {
  const known: ReadonlySet<string> = new Set(['openid', 'amount', ...kind.columns]);
  const columns = [...kind.columns].sort().map((name) => {
    const fallback = defaults[name];
    const key = `${JSON.stringify(name)}:`;
    return { name, key, fallback, fallbackJson: fallback === undefined ? '' : key + JSON.stringify(fallback) };
  });
  return (line, values) => {
    for (const column of Object.keys(values)) {
      if (!known.has(column))
        return problemAt(line, column, `not a column of kind ${kind.name} (columns: ${[...known].join(', ')})`);
      const value = values[column];
      if (value !== null && value !== undefined && typeof value !== 'string' && typeof value !== 'number') {
        return problemAt(line, column, 'text or a number');
      }
    }
    const openid = text(values.openid);
    if (openid === undefined) return problemAt(line, 'openid', 'required');
    const amountText = text(values.amount);
    let amount = 0;
    if (amountText === undefined) {
      if (kind.amountRequired) return problemAt(line, 'amount', 'required (integer fen)');
    } else if (!/^\d{1,15}$/.test(amountText) || !Number.isSafeInteger(Number(amountText))) {
      return problemAt(line, 'amount', 'integer fen (digits only, e.g. 100 for 1 yuan)');
    } else {
      amount = Number(amountText);
    }
    // The JSON is written here rather than by JSON.stringify of a sorted copy: the same text, at a fraction of the cost.
    const fields: Record<string, string> = {};
    let fieldsJson = '';
    for (const column of columns) {
      const own = text(values[column.name]);
      if (own !== undefined) {
        fields[column.name] = own;
        fieldsJson += `${fieldsJson === '' ? '' : ','}${column.key}${JSON.stringify(own)}`;
      } else if (column.fallback !== undefined) {
        fields[column.name] = column.fallback;
        fieldsJson += `${fieldsJson === '' ? '' : ','}${column.fallbackJson}`;
      }
    }
    const json = `{"openid":${JSON.stringify(openid)},"amount":${amount},"fields":{${fieldsJson}}}`;
    return { data: { openid, amount, fields }, json };
  };
}

/** Checks one record. `number` is the row's business number (it takes part in the field rules). */
export function checkRow(
  kind: PayoutKind,
  settings: BatchSettings,
  read: RowReader,
  line: number,
  values: Readonly<Record<string, unknown>>,
  number: string,
): RowCheck {
  const row = read(line, values);
  if ('problem' in row) return row;
  const { data } = row;
  const kindRule = kind.rowRule?.(data);
  if (kindRule) return problemAt(line, kindRule[0], kindRule[1]);
  const request = kind.request(data, settings, number);
  const broken = kind.checkRequest ? kind.checkRequest(request) : checkV2Request(kind.sendPath, request);
  if (broken) {
    const setting = settingsFields[broken.field];
    if (setting) return { settingsProblem: { setting, rule: broken.rule } };
    // The value may be the row's or the column's default (a command may name the flag that set it: `wxpay` does).
    return problemAt(line, kind.columnOf(broken.field), broken.rule);
  }
  return row;
}
