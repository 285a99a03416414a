// The flags of `wxpay payout run` (its kinds, the flags that set columns) and the number flags' parsers: what the
// command line is built from, without loading the payout engine.
import type { PayoutKindName } from '@wxpay/payouts';
import { InvalidArgumentError } from 'commander';

/** Every kind of the engine, in its order (a kind missing here, or one the engine lacks, fails to compile). */
const KINDS: Record<PayoutKindName, true> = { redpack: true, workwx: true, pocket: true, coupon: true, transfer: true };

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
  {
    flag: '--transfer-scene-id <id>',
    column: 'transfer_scene_id',
    key: 'transferSceneId',
    what: 'transfer scene (transfer_scene_id, e.g. 1000 现金营销)',
  },
  {
    flag: '--transfer-remark <text>',
    column: 'transfer_remark',
    key: 'transferRemark',
    what: 'transfer remark shown to the payee (transfer_remark, ≤ 32 characters)',
  },
  {
    flag: '--user-recv-perception <text>',
    column: 'user_recv_perception',
    key: 'userRecvPerception',
    what: "how the payee sees the transfer (user_recv_perception, from the scene's list)",
  },
  {
    flag: '--notify-url <url>',
    column: 'notify_url',
    key: 'notifyUrl',
    what: 'notification URL of the transfers (notify_url, https)',
  },
] as const;

/** `--report-info TYPE=TEXT`, repeatable: the lines of a transfer's scene report (`report_info`). */
export const reportInfoFlag = '--report-info <type=text>';

/**
 * The flag that gives `column` its default (`--transfer-remark` for transfer_remark), or undefined for a column only
 * rows give (`re_user_name`, `user_name`): an input problem names it, since the bad value may have come from it.
 */
export function flagOfColumn(column: string): string | undefined {
  if (column === 'report_info') return reportInfoFlag.split(' ')[0];
  return columnFlags.find((entry) => entry.column === column)?.flag.split(' ')[0];
}

/** A commander collector for `--report-info`: each line as given, in order. */
export function collectReportInfo(value: string, previous: string[] | undefined): string[] {
  if (!/^[^=]+=.+$/s.test(value) || value.split('=', 1)[0]?.trim() === '') {
    throw new InvalidArgumentError('TYPE=TEXT, e.g. 岗位类型=外卖骑手');
  }
  return [...(previous ?? []), value];
}

/** The `report_info` column's value (a JSON array of info_type / info_content) from the `--report-info` lines. */
export function reportInfoJson(lines: readonly string[]): string {
  return JSON.stringify(
    lines.map((line) => {
      const at = line.indexOf('=');
      return { info_type: line.slice(0, at).trim(), info_content: line.slice(at + 1) };
    }),
  );
}

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
