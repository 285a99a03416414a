// The flags of `wxpay payout run` (its kinds, the flags that set columns) and the number flags' parsers: what the
// command line is built from, without loading the payout engine.
import type { PayoutKindName } from '@wxpay/payouts';
import { InvalidArgumentError } from 'commander';

/** Every kind of the engine, in its order (a kind missing here, or one the engine lacks, fails to compile). */
const KINDS: Record<PayoutKindName, true> = { redpack: true, workwx: true, pocket: true, coupon: true };

/** The choices of --kind (the engine's `payoutKindNames`, whose module loads SQLite). */
export const kindNames = Object.keys(KINDS) as PayoutKindName[];

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
