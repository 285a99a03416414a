// The rows of the payouts bench, shared by the bench process and its RSS child: the 1,000 bench users round robin,
// amounts that need no scene, and the columns a campaign sets once (the defaults), as a CSV file or as RowData.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { RowData } from '../packages/payouts/src/index.js';
import { benchOpenid } from './sandbox-peer.js';

/** What every row leaves to the defaults, as a campaign would: the texts of the example in the package README. */
export const BENCH_DEFAULTS = {
  send_name: '天虹百货',
  wishing: '元宵节快乐',
  act_name: '猜灯谜抢红包活动',
  remark: '猜越多得越多',
} as const;

/** Fen of row `index` (0-based): 1.00 to 1.49 yuan, inside 100..20000, where `scene_id` is not needed. */
function amountOf(index: number): number {
  return 100 + (index % 50);
}

/** Writes `rows` rows (`openid,amount` and a header) to `path`, a block at a time so a million rows take no heap. */
export function writeBenchCsv(path: string, rows: number): void {
  const file = openSync(path, 'w');
  try {
    writeSync(file, 'openid,amount\n');
    const block = 10_000;
    for (let start = 0; start < rows; start += block) {
      let text = '';
      for (let index = start; index < Math.min(rows, start + block); index++) {
        text += `${benchOpenid(index)},${amountOf(index)}\n`;
      }
      writeSync(file, text);
    }
  } finally {
    closeSync(file);
  }
}

/** The same rows as the engine pays them after checking (defaults applied), for sending without a journal. */
export function benchRowData(rows: number): RowData[] {
  return Array.from({ length: rows }, (_, index) => ({
    openid: benchOpenid(index),
    amount: amountOf(index),
    fields: { ...BENCH_DEFAULTS },
  }));
}
