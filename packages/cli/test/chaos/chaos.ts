// Test-only: the chaos drill of the payout issue. A thousand recipients, sandbox faults on (replies dropped after the
// commit, SYSTEMERROR, a rate limit), some recipients WeChat Pay refuses; `wxpay payout run` processes killed with
// SIGKILL at random moments and restarted until they exit 0. Then the journal must agree with the sandbox row for row.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openJournal, type PayoutKindName, type ReportRecord } from '@wxpay/payouts';
import { expect } from 'vitest';
import { type PayoutMerchant, reportOf } from '../../../payouts/test/support/sandbox-merchant.js';

const BIN = fileURLToPath(new URL('../../dist/esm/bin.js', import.meta.url));

/**
 * The drills, one a kind: how many valid recipients, and how many more WeChat Pay refuses (one every 50; none for
 * transfers, see csvFor). Transfers run fewer rows to keep the suite's wall time down: enough that a run outlasts ten
 * kills.
 */
export const chaosDrills: ReadonlyArray<{ kind: PayoutKindName; recipients: number; refused: number }> = [
  { kind: 'redpack', recipients: 1000, refused: 20 },
  { kind: 'workwx', recipients: 1000, refused: 20 },
  { kind: 'pocket', recipients: 1000, refused: 20 },
  { kind: 'coupon', recipients: 1000, refused: 20 },
  { kind: 'transfer', recipients: 400, refused: 0 },
];

export interface ChaosPlan {
  m: PayoutMerchant;
  kind: PayoutKindName;
  /** A SQLite path or a postgres:// URL. */
  journal: string;
  /** `wxpay payout run` processes at once. */
  processes: number;
  /** SIGKILLs to deliver while rows are still being paid (at least). */
  kills: number;
  recipients?: number;
}

export interface ChaosOutcome {
  kills: number;
  starts: number;
  rows: ReportRecord[];
  /** The refused recipients' rows (1-based). */
  refusedRows: number[];
}

/** The default columns each kind takes, as flags. */
function defaultFlags(kind: PayoutKindName, stock: string): string[] {
  switch (kind) {
    case 'redpack':
    case 'workwx':
      return ['--send-name', '天虹百货', '--wishing', '元宵节快乐', '--act-name', '猜灯谜', '--remark', '猜越多得越多'];
    case 'pocket':
      return ['--desc', '元宵节奖励', '--act-name', '猜灯谜'];
    case 'transfer':
      return [
        '--transfer-scene-id',
        '1000',
        '--transfer-remark',
        '元宵节猜灯谜奖励',
        '--report-info',
        '活动名称=猜灯谜',
        '--report-info',
        '奖励说明=猜中灯谜的奖励',
      ];
    default:
      return ['--coupon-stock-id', stock];
  }
}

function csvFor(plan: ChaosPlan): { csv: string; refusedRows: number[] } {
  const count = plan.recipients ?? 1000;
  const valid = plan.m.openids.slice(0, count);
  const lines: string[] = [];
  const refusedRows: number[] = [];
  valid.forEach((openid, i) => {
    lines.push(`${openid},${plan.kind === 'coupon' ? '' : 100 + (i % 50)}`);
    // Every 50th row, one WeChat Pay refuses: not a user of the merchant (OPENID_ERROR), or for a one-a-user coupon
    // stock a second coupon for someone already in the file (USER_AL_GET_COUPON: which of the two fails is timing).
    // The sandbox refuses a merchant transfer for the merchant's settings (a stop), never for its payee at creation
    // (it checks the payee when they confirm), so transfer drills have no refused rows.
    if (i % 50 === 25 && plan.kind !== 'transfer') {
      lines.push(plan.kind === 'coupon' ? `${valid[i - 25]},` : `oRefusedRecipient${String(i).padStart(5, '0')},150`);
      refusedRows.push(lines.length);
    }
  });
  return { csv: `openid,amount\n${lines.join('\n')}\n`, refusedRows };
}

/** Runs the drill; resolves when every process exited 0 after at least `kills` kills. */
export async function runChaos(plan: ChaosPlan): Promise<ChaosOutcome> {
  const { m, kind } = plan;
  const stock =
    kind === 'coupon'
      ? m.sandbox.admin.createCouponStock({ mchid: m.config.mchid, value: 300, total: 100_000, max_quota: 1 })
          .coupon_stock_id
      : m.couponStockId;
  const { csv, refusedRows } = csvFor(plan);
  const file = m.file(`chaos-${kind}-${plan.processes}.csv`, csv);
  const configPath = join(m.dir, 'merchant.json');
  writeFileSync(configPath, JSON.stringify(m.config));
  const appid = kind === 'workwx' || kind === 'pocket' ? m.corpid : m.appid;
  const args = [
    BIN,
    'payout',
    'run',
    file,
    '--kind',
    kind,
    '-c',
    configPath,
    '--journal',
    plan.journal,
    '--wxappid',
    appid,
    ...defaultFlags(kind, stock),
    '--rate',
    '400',
    '--concurrency',
    '8',
    '--lease-seconds',
    '2',
  ];
  m.sandbox.admin.setFaults({ dropReplyRate: 0.1, systemErrorRate: 0.05, rateLimitPerSecond: 150 });
  let kills = 0;
  let starts = 0;
  let finished = 0;
  const live = new Set<ChildProcess>();
  const failures: string[] = [];
  let settle: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const start = () => {
    starts++;
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      // The developer's WXPAY_* variables would override the drill's merchant config (-c).
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WXPAY_'))),
        NO_COLOR: '1',
      },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    live.add(child);
    child.on('exit', (code, signal) => {
      live.delete(child);
      if (code === 0) finished++;
      else if (signal === 'SIGKILL' || code === 75) start();
      else failures.push(`exit ${code ?? signal}: ${stderr}`);
      if (failures.length > 0 || finished === plan.processes) settle();
    });
  };
  try {
    for (let i = 0; i < plan.processes; i++) start();
    // Kill at random moments while the batch is being paid: every kill lands on a running process.
    while (kills < plan.kills && failures.length === 0 && finished === 0) {
      await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 900));
      const victims = [...live];
      const victim = victims[Math.floor(Math.random() * victims.length)];
      if (victim && victim.exitCode === null && victim.kill('SIGKILL')) kills++;
    }
    await allDone;
  } finally {
    for (const child of live) child.kill('SIGKILL');
    m.sandbox.admin.resetFaults();
  }
  expect(failures).toEqual([]);
  const journal = await openJournal(plan.journal);
  let rows: ReportRecord[];
  try {
    rows = await reportOf(journal, `chaos-${kind}-${plan.processes}`);
  } finally {
    await journal.close();
  }
  return { kills, starts, rows, refusedRows };
}

/** The drill's verdict: every valid recipient paid exactly once, every refused one failed, journal = sandbox. */
export function expectExactlyOnce(m: PayoutMerchant, kind: PayoutKindName, outcome: ChaosOutcome): void {
  const paid = m.paid(kind);
  const { rows, refusedRows } = outcome;
  expect(rows.filter((r) => r.state !== 'sent' && r.state !== 'failed')).toEqual([]);
  for (const row of rows) {
    if (row.state === 'sent') {
      // Row for row: the sandbox holds this row's payout under its number, to its recipient.
      expect(paid.get(row.billno), `row ${row.row}`).toBe(row.openid);
      // A transfer keeps the package_info its payee confirms with, also when the reply was lost.
      if (kind === 'transfer') expect(row.detail, `row ${row.row}`).toEqual(expect.any(String));
    } else {
      expect(row.err_code, `row ${row.row}`).toMatch(
        kind === 'coupon' ? /^FAILED$|^USER_AL_GET_COUPON$/ : /^OPENID_ERROR$/,
      );
      expect(paid.has(row.billno), `row ${row.row}`).toBe(false);
      if (kind !== 'coupon') expect(refusedRows).toContain(row.row);
    }
  }
  const failed = rows.filter((r) => r.state === 'failed').length;
  expect(failed).toBe(refusedRows.length);
  // Nothing paid that the journal does not know, and every valid recipient exactly once.
  const numbers = new Set(rows.map((r) => r.billno));
  expect([...paid.keys()].filter((n) => !numbers.has(n))).toEqual([]);
  const validOpenids = rows.filter((r) => !refusedRows.includes(r.row) || kind === 'coupon').map((r) => r.openid);
  expect([...paid.values()].sort()).toEqual([...new Set(validOpenids)].sort());
}
