// `wxpay payout run --kind transfer` end to end, the built binary against a sandbox: merchant transfers paid once,
// package_info in the report, reconcile after the payee confirms, bad rows and changed defaults refused.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliSandbox, csv, startCliSandbox } from './support/cli-sandbox.js';
import { wxpay } from './support/wxpay-bin.js';

/** The sandbox's default mainland merchant, its appid and payer (packages/sandbox/README.md). */
const MAINLAND = '1230000109';
const APPID = 'wxd678efh567hg6787';
const PAYER = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

let s: CliSandbox;
let config: string;
beforeAll(async () => {
  s = await startCliSandbox();
  config = s.file('mainland.json', JSON.stringify(s.sandbox.merchantConfig(MAINLAND)));
});
afterAll(() => s?.close());

/** The flags of the help's transfer example: scene 1005 and its two report lines. */
const transferFlags = (remark = '7月配送费') => [
  '--kind',
  'transfer',
  '--appid',
  APPID,
  '--transfer-scene-id',
  '1005',
  '--transfer-remark',
  remark,
  '--report-info',
  '岗位类型=外卖骑手',
  '--report-info',
  '报酬说明=7月配送费',
];

describe('wxpay payout run --kind transfer', () => {
  it('pays every row once; report shows transfer_bill_no, state and package_info; reconcile follows the bill', async () => {
    const file = s.file(
      'riders.csv',
      csv([
        [PAYER, 100],
        ['oRiderTwo0000000000000000002', 250],
      ]),
    );
    const journal = join(s.dir, 'riders.db');
    const args = ['payout', 'run', file, ...transferFlags(), '-c', config, '--journal', journal];
    const first = await wxpay(args);
    expect(first.stderr).not.toMatch(/error|problem/i);
    expect(first).toMatchObject({ code: 0, stdout: 'batch riders: 2 sent, 3.50 yuan (350 fen); 0 failed; complete\n' });
    const bills = s.sandbox.admin.transfers({ mchid: MAINLAND, limit: 1000 });
    expect(bills.map((b) => [b.openid, b.transfer_amount, b.state]).sort()).toEqual([
      ['oRiderTwo0000000000000000002', 250, 'WAIT_USER_CONFIRM'],
      [PAYER, 100, 'WAIT_USER_CONFIRM'],
    ]);
    expect(await wxpay(args)).toMatchObject({ code: 0, stdout: expect.stringContaining('complete') });
    expect(s.sandbox.admin.transfers({ mchid: MAINLAND, limit: 1000 })).toHaveLength(2);

    const report = await wxpay(['payout', 'report', '--journal', journal, '--format', 'json']);
    expect(report.code).toBe(0);
    const records = JSON.parse(report.stdout) as Array<Record<string, unknown>>;
    expect(Object.keys(records[0] ?? {})).toEqual([
      'row',
      'openid',
      'amount',
      'billno',
      'state',
      'err_code',
      'transfer_bill_no',
      'status',
      'refund_amount',
      'package_info',
    ]);
    for (const record of records) {
      const bill = bills.find((b) => b.out_bill_no === record.billno);
      expect(record).toMatchObject({
        state: 'sent',
        transfer_bill_no: bill?.transfer_bill_no,
        status: 'WAIT_USER_CONFIRM',
        package_info: expect.stringMatching(/^[A-Za-z0-9+/=]{20,}$/),
      });
    }
    const csvReport = await wxpay(['payout', 'report', '--journal', journal, '--format', 'csv']);
    expect(csvReport.stdout.split('\n')[0]).toBe(
      'row,openid,amount,billno,state,err_code,transfer_bill_no,status,refund_amount,package_info',
    );

    // The payer confirms: reconcile records SUCCESS, and status counts the money.
    await s.sandbox.admin.confirmTransfer({ mchid: MAINLAND, outBillNo: String(records[0]?.billno) });
    await s.sandbox.admin.advanceClock(5000);
    const reconciled = await wxpay(['payout', 'reconcile', '--journal', journal, '-c', config]);
    expect(reconciled.code).toBe(0);
    const after = JSON.parse((await wxpay(['payout', 'report', '--journal', journal])).stdout) as Array<
      Record<string, unknown>
    >;
    expect(after.map((r) => r.status)).toEqual(['SUCCESS', 'WAIT_USER_CONFIRM']);
    const status = await wxpay(['payout', 'status', '--journal', journal, '--json']);
    expect(JSON.parse(status.stdout)[0]).toMatchObject({ kind: 'transfer', counts: { sent: 2, sentAmount: 350 } });

    // Another default remark for the same batch: refused before anything is sent, naming the column.
    const changed = await wxpay([
      'payout',
      'run',
      file,
      ...transferFlags('8月配送费'),
      '-c',
      config,
      '--journal',
      journal,
    ]);
    expect(changed.code).toBe(65);
    expect(changed.stderr).toContain('row 1 (line 2) differs in transfer_remark');
    expect(s.sandbox.admin.transfers({ mchid: MAINLAND, limit: 1000 })).toHaveLength(2);
  });

  it('lists every bad row (line, field, rule) with exit 65 and sends nothing', async () => {
    const before = s.sandbox.admin.transfers({ mchid: MAINLAND, limit: 1000 }).length;
    const file = s.file(
      'bad-riders.csv',
      [
        'openid,amount,user_name,transfer_remark',
        `${PAYER},5,,`,
        `${PAYER},300000,,`,
        `${PAYER},100,,${'长'.repeat(33)}`,
        `${PAYER},300000,王小明,`,
      ].join('\n'),
    );
    const result = await wxpay([
      'payout',
      'run',
      file,
      ...transferFlags(),
      '-c',
      config,
      '--journal',
      join(s.dir, 'bad.db'),
    ]);
    expect(result.code).toBe(65);
    expect(result.stderr).toContain('line 2, amount: integer 10..2000000 (fen)');
    expect(result.stderr).toContain('line 3, user_name: required from 200000 fen (2,000 yuan)');
    expect(result.stderr).toContain(
      'line 4, transfer_remark: at most 32 characters (the column, or --transfer-remark)',
    );
    expect(result.stderr).not.toContain('line 5');
    expect(result.stderr).toContain('3 problems');
    expect(s.sandbox.admin.transfers({ mchid: MAINLAND, limit: 1000 })).toHaveLength(before);
  });

  it('refuses transfer flags on other kinds, a malformed --report-info, and --appid unlike --wxappid (exit 2)', async () => {
    const base = ['payout', 'run', 'x.csv', '--journal', join(s.dir, 'x.db')];
    const other = await wxpay([...base, '--kind', 'redpack', '--report-info', 'a=b']);
    expect(other).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--report-info: kind redpack has no report_info'),
    });
    const scene = await wxpay([...base, '--kind', 'pocket', '--transfer-scene-id', '1000']);
    expect(scene).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--transfer-scene-id: kind pocket has no'),
    });
    const malformed = await wxpay([...base, '--kind', 'transfer', '--report-info', 'no-equals-sign']);
    expect(malformed).toMatchObject({ code: 2, stderr: expect.stringContaining('TYPE=TEXT') });
    const appids = await wxpay([...base, '--kind', 'transfer', '--appid', APPID, '--wxappid', 'wx0000000000000000']);
    expect(appids).toMatchObject({ code: 2, stderr: expect.stringContaining('--appid: differs from --wxappid') });
  });
});
