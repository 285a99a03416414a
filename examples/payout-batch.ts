// Pay a festival campaign's red packets from code, exactly once: a batch journaled in SQLite that can be run again
// (after a crash, a kill, a lost reply) without paying anyone twice.
// Run: npx tsx examples/payout-batch.ts   (set WXPAY_SANDBOX=.wxpay-sandbox to use a running sandbox)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSource, openSqliteJournal, reportRows, runPayouts } from '@wxpay/payouts';
import type { Wxpay } from 'wxpay';
import { isMain, withSandboxClient } from './support/sandbox-client.js';

export async function payLanternBatch(wxpay: Wxpay, dir: string) {
  // The recipients: one row each (amount in fen). Columns left out come from `defaults`.
  const file = join(dir, 'lantern-2027.csv');
  writeFileSync(
    file,
    'openid,amount,wishing\n' +
      'oxTWIuGaIt6gTKsQRLau2M0yL16E,188,\n' +
      'oxTWIuGaIt6gTKsQRLau2M0yL16F,288,恭喜发财\n' +
      'oxTWIuGaIt6gTKsQRLau2M0yL16G,388,\n',
  );
  const journal = openSqliteJournal(join(dir, 'payouts.db'));
  try {
    const result = await runPayouts({
      wxpay,
      journal,
      kind: 'redpack',
      source: fileSource(file), // batch id "lantern-2027", from the file name
      appid: 'wx8888888888888888',
      defaults: { send_name: '天虹百货', wishing: '元宵节快乐', act_name: '猜灯谜抢红包活动', remark: '猜越多得越多' },
    });
    const rows = [];
    for await (const row of reportRows(journal, result.batchId)) rows.push(row);
    return { result, rows };
  } finally {
    await journal.close();
  }
}

if (isMain(import.meta.url)) {
  const dir = mkdtempSync(join(tmpdir(), 'wxpay-example-'));
  try {
    await withSandboxClient('10000098', async (wxpay) => {
      const { result, rows } = await payLanternBatch(wxpay, dir);
      console.log(result.message);
      for (const row of rows) console.log(row.row, row.openid, row.amount, row.billno, row.state, row.wx_id);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
