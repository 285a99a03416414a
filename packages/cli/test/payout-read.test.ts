// `wxpay payout status / report / reconcile` on a batch the built binary paid in a sandbox.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliSandbox, csv, MCHID, redpackFlags, startCliSandbox, USERS } from './support/cli-sandbox.js';
import { wxpay } from './support/wxpay-bin.js';

const [E, F, G] = USERS as [string, string, string];
/** Not a user of the merchant: WeChat Pay answers OPENID_ERROR, a final failure of that row. */
const STRANGER = 'oxTWIuGaIt6gTKsQRLau2M0yL16Z';

let s: CliSandbox;
let journal: string;
beforeAll(async () => {
  s = await startCliSandbox();
  journal = join(s.dir, 'payouts.db');
  const file = s.file(
    'prizes.csv',
    csv([
      [E, 100],
      [F, 200],
      [STRANGER, 300],
      [G, 400],
    ]),
  );
  const run = await wxpay(['payout', 'run', file, ...redpackFlags(), '-c', s.configPath, '--journal', journal]);
  if (run.code !== 0) throw new Error(`the run failed (${run.code}): ${run.stderr}`);
});
afterAll(() => s?.close());

describe('wxpay payout status', () => {
  it('counts rows by state and err_code, and the money sent', async () => {
    const text = await wxpay(['payout', 'status', '--journal', journal]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`batch prizes (redpack, merchant ${MCHID}, 4 rows`);
    expect(text.stdout).toContain('state:    sent 3, failed 1, pending 0, sending 0, unknown 0');
    expect(text.stdout).toContain('sent:     7.00 yuan (700 fen)');
    expect(text.stdout).toContain('err_code: OPENID_ERROR 1');
    expect(text.stdout).toContain('complete');

    const json = await wxpay(['payout', 'status', '--journal', journal, '--batch', 'prizes', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({
        batchId: 'prizes',
        kind: 'redpack',
        mchid: MCHID,
        rows: 4,
        complete: true,
        sentYuan: '7.00',
        counts: expect.objectContaining({ sent: 3, failed: 1, sentAmount: 700, byErrCode: { OPENID_ERROR: 1 } }),
      }),
    ]);
  });

  it('refuses a journal or a batch that does not exist (78), creating nothing', async () => {
    const missing = await wxpay(['payout', 'status', '--journal', join(s.dir, 'typo.db')]);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('no journal at');
    const batch = await wxpay(['payout', 'status', '--journal', journal, '--batch', 'nope']);
    expect(batch.code).toBe(78);
    expect(batch.stderr).toContain('no batch nope');
    expect(batch.stderr).toContain('batches: prizes');
  });
});

describe('wxpay payout report', () => {
  it('writes one JSON array with a record per row, the id named as the kind names it', async () => {
    const result = await wxpay(['payout', 'report', '--journal', journal, '--format', 'json']);
    expect(result.code).toBe(0);
    const records = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(4);
    // One record a line, between the brackets (README).
    const lines = result.stdout.split('\n');
    expect(lines).toEqual(['[', ...records.map((r, i) => `${JSON.stringify(r)}${i < 3 ? ',' : ''}`), ']', '']);
    expect(Object.keys(records[0] as object)).toEqual([
      'row',
      'openid',
      'amount',
      'billno',
      'state',
      'err_code',
      'send_listid',
      'status',
      'refund_amount',
    ]);
    const packets = s.packets();
    for (const record of records.filter((r) => r.state === 'sent')) {
      const packet = packets.find((p) => p.mch_billno === record.billno);
      expect(packet).toMatchObject({ re_openid: record.openid, total_amount: record.amount });
      expect(packet?.send_listid).toBe(record.send_listid);
    }
    expect(records[2]).toMatchObject({ row: 3, openid: STRANGER, state: 'failed', err_code: 'OPENID_ERROR' });
  });

  it('writes CSV with a header line', async () => {
    const result = await wxpay(['payout', 'report', '--journal', journal, '--batch', 'prizes', '--format', 'csv']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('row,openid,amount,billno,state,err_code,send_listid,status,refund_amount');
    expect(lines).toHaveLength(5);
    expect(lines[3]).toMatch(new RegExp(`^3,${STRANGER},300,\\w+,failed,OPENID_ERROR,,,$`));
  });
});

describe('wxpay payout reconcile', () => {
  it('records what became of each sent row, and the report shows it', async () => {
    const first = (await wxpay(['payout', 'report', '--journal', journal])).stdout;
    const opened = (JSON.parse(first) as Array<{ billno: string; state: string }>).find((r) => r.state === 'sent');
    s.sandbox.admin.openRedpack({ mchid: MCHID, mch_billno: opened?.billno as string });

    const result = await wxpay(['payout', 'reconcile', '--journal', journal, '-c', s.configPath]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('batch prizes: 3 sent rows, 3 reconciled (SENT 2, RECEIVED 1)\n');

    const report = JSON.parse((await wxpay(['payout', 'report', '--journal', journal])).stdout) as Array<{
      billno: string;
      status: string | null;
    }>;
    expect(report.find((r) => r.billno === opened?.billno)?.status).toBe('RECEIVED');
    expect(report.filter((r) => r.status === 'SENT')).toHaveLength(2);
  });
});
