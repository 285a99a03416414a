// The flags of `wxpay payout run` that set columns, and the number flags' parsers.
import { type ColumnDefaults, type PayoutKindName, payoutKinds } from '@wxpay/payouts';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';

/** Column flags: the value a row gets where it leaves the column out or empty. */
export const columnFlags = [
  { flag: '--send-name <text>', column: 'send_name', key: 'sendName', what: 'sender name (send_name)' },
  { flag: '--act-name <text>', column: 'act_name', key: 'actName', what: 'activity name (act_name)' },
  { flag: '--wishing <text>', column: 'wishing', key: 'wishing', what: 'blessing text (wishing)' },
  { flag: '--remark <text>', column: 'remark', key: 'remark', what: 'remark' },
  { flag: '--scene-id <id>', column: 'scene_id', key: 'sceneId', what: 'scene (scene_id, e.g. PRODUCT_1)' },
  { flag: '--coupon-stock-id <id>', column: 'coupon_stock_id', key: 'couponStockId', what: 'coupon stock' },
  { flag: '--desc <text>', column: 'desc', key: 'desc', what: 'payment description (desc)' },
] as const;

export type ColumnFlagValues = Partial<Record<(typeof columnFlags)[number]['key'], string>>;

/**
 * The defaults the flags give. A flag for a column the kind does not take is refused: the engine would ignore it, and
 * a wishing that silently never reaches anyone is a mistake worth stopping for.
 */
export function columnDefaults(kind: PayoutKindName, values: ColumnFlagValues): ColumnDefaults {
  const columns = payoutKinds[kind].columns;
  const defaults: Record<string, string> = {};
  for (const { flag, column, key } of columnFlags) {
    const value = values[key];
    if (value === undefined) continue;
    if (!columns.includes(column)) {
      throw new UsageError(
        flag.split(' ')[0] as string,
        `kind ${kind} has no ${column} (its columns: ${columns.join(', ')})`,
      );
    }
    defaults[column] = value;
  }
  return defaults;
}

/** A commander parser: an integer within [min, max]. */
export function integerFlag(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
    }
    return Number(value);
  };
}

/** A commander parser: a positive number (a rate may be below one a second). */
export function positiveNumberFlag(value: string): number {
  const number = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || !(number > 0)) throw new InvalidArgumentError('a positive number');
  return number;
}
