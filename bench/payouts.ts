// Payout batches (@wxpay/payouts): recipients/s of `runPayouts` (redpack, SQLite journal) against the sandbox in
// another process, beside the same rows sent straight through the SDK with no journal, in alternating rounds; and the
// peak RSS of a child process running a 1,000,000-row file (checked and planned whole, then sending, then aborted).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wxpay, type WxpayOptions } from 'wxpay';
import { batchTag, businessNumber } from '../packages/payouts/src/business-number.js';
import {
  type BatchSettings,
  fileSource,
  openSqliteJournal,
  payoutKinds,
  type RowData,
  runPayouts,
} from '../packages/payouts/src/index.js';
import { readSandboxConfig } from '../packages/sandbox/src/config-files.js';
import { spawnJsonLineChild } from './json-line-child.js';
import { median } from './measure.js';
import { whenPlanned } from './payouts-journal.js';
import { type PayoutsPeer, startPayoutsPeer } from './payouts-peer.js';
import { BENCH_DEFAULTS, benchRowData, writeBenchCsv } from './payouts-rows.js';
import { BENCH_REDPACK_APPID, BENCH_REDPACK_MCHID, BENCH_USERS } from './sandbox-peer.js';

/** The targets. */
export const PAYOUTS_TARGETS = {
  /** Recipients a second through runPayouts (check, plan, send, journal), sandbox in another process. */
  recipientsPerSecond: 1_000,
  /** runPayouts' rate against sending the same rows with no journal: the journal costs at most 20%. */
  journalRatio: 0.8,
  /** Peak RSS of a process running a 1,000,000-row file. */
  rssBytes: 200 * 2 ** 20,
} as const;

/** The first JSON line of bench/payouts-child.mjs. */
export interface RssChildRequest {
  /** The bench merchant's client options, as the sandbox's data directory gives them. */
  merchant: WxpayOptions;
  appid: string;
  defaults: Readonly<Record<string, string>>;
  csv: string;
  journal: string;
  batchId: string;
  sendMs: number;
  rate: number;
  concurrency: number;
}

/** What bench/payouts-child.mjs answers. */
export interface RssChildResult {
  /** From the call to the first progress report after planning: reading the file twice, writing every row. */
  planMs: number;
  /** Sending until the abort, and the clean stop after it. */
  sendMs: number;
  /** process.resourceUsage().maxRSS at the end: peak resident KiB over the process's life. */
  maxRssKiB: number;
  /** RSS before runPayouts is called (Node and the built packages loaded), bytes: what any such process costs. */
  startRss: number;
  /** Highest RSS sampled (every 50 ms) while checking and planning, and while sending, bytes. */
  planningRss: number;
  sendingRss: number;
  sent: number;
  reason: string | undefined;
}

const CONCURRENCY = 16;
/** High enough that the pacer never waits: the sandbox's rate limit is lifted for the bench merchant. */
const RATE = 1e6;
const kind = payoutKinds.redpack;

/** One variant over its rounds. */
export interface PayoutsVariant {
  /** Median over the rounds of rows / wall time of the whole call (for the engine: check, plan and send). */
  perSecond: number;
  /** Client (this process) and sandbox CPU per row over all rounds, microseconds. */
  clientMicros: number;
  serverMicros: number;
}

export interface PayoutsBenchResult {
  quick: boolean;
  rows: number;
  rounds: number;
  concurrency: number;
  engine: PayoutsVariant & {
    /** Median ms of checking and planning a round's file. */
    planMs: number;
    /** Median over the rounds of rows / time after planning. */
    sendPerSecond: number;
  };
  baseline: PayoutsVariant;
  rss: RssChildResult & { rows: number; generateMs: number };
}

interface RoundCost {
  rows: number;
  ms: number;
  clientMicros: number;
  serverMicros: number;
}

/** Runs `round` and measures its wall time, this process's CPU and the sandbox's. */
async function measured<T>(
  peer: PayoutsPeer,
  rows: number,
  round: () => Promise<T>,
): Promise<{ cost: RoundCost; value: T }> {
  const before = await peer.stats();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await round();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const after = await peer.stats();
  return {
    cost: { rows, ms, clientMicros: used.user + used.system, serverMicros: after.cpuMicros - before.cpuMicros },
    value,
  };
}

function summary(costs: readonly RoundCost[]): PayoutsVariant {
  const rows = costs.reduce((sum, cost) => sum + cost.rows, 0);
  return {
    perSecond: median(costs.map((cost) => (cost.rows * 1000) / cost.ms)),
    clientMicros: costs.reduce((sum, cost) => sum + cost.clientMicros, 0) / rows,
    serverMicros: costs.reduce((sum, cost) => sum + cost.serverMicros, 0) / rows,
  };
}

interface Bench {
  root: string;
  peer: PayoutsPeer;
  wxpay: Wxpay;
  settings: BatchSettings;
  /** Distinguishes this run's batches from any other's. */
  run: string;
}

/** One engine round: a fresh CSV, journal and batch id (so nothing is a re-entry), timed as a user would see it. */
async function engineRound(bench: Bench, name: string, rows: number): Promise<{ cost: RoundCost; planMs: number }> {
  const dir = mkdtempSync(join(bench.root, 'engine-'));
  try {
    const csv = join(dir, `${name}.csv`);
    writeBenchCsv(csv, rows);
    const journal = openSqliteJournal(join(dir, 'journal.db'));
    let started = Number.NaN;
    let planned = Number.NaN;
    try {
      const { cost, value: result } = await measured(bench.peer, rows, () => {
        started = performance.now();
        return runPayouts({
          wxpay: bench.wxpay,
          journal: whenPlanned(journal, () => {
            planned = performance.now();
          }),
          kind: 'redpack',
          source: fileSource(csv),
          batchId: `${bench.run}-${name}`,
          appid: bench.settings.appid,
          defaults: BENCH_DEFAULTS,
          rate: RATE,
          concurrency: CONCURRENCY,
        });
      });
      if (!result.complete || result.counts.sent !== rows) {
        throw new Error(`engine round ${name}: ${result.message} (${JSON.stringify(result.counts)})`);
      }
      const planMs = planned - started;
      return { cost, planMs };
    } finally {
      await journal.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One baseline round: the same rows, the same request builder, fresh numbers, 16 in flight, no journal. */
async function baselineRound(bench: Bench, name: string, rows: number): Promise<RoundCost> {
  const data = benchRowData(rows);
  const tag = batchTag(bench.settings.mchid, `${bench.run}-${name}`);
  const endpoint = bench.wxpay.chain(kind.sendPath);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < rows; index = next++) {
      const row = data[index] as RowData;
      const request = kind.request(row, bench.settings, businessNumber(tag, index + 1));
      const reply = (await endpoint.post({ xml: request })) as Record<string, unknown>;
      if (kind.accepted(reply).state !== 'sent') throw new Error(`baseline round ${name}: row ${index + 1} not sent`);
    }
  };
  const { cost } = await measured(bench.peer, rows, () => Promise.all(Array.from({ length: CONCURRENCY }, worker)));
  return cost;
}

const repository = new URL('..', import.meta.url).pathname;

/** The newest modification time of the files under `dir` (0 when there are none). */
function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * The RSS child runs the built SDK and payouts packages (dist): builds them when a source is newer than its build, so
 * the bench never measures stale code.
 */
function buildWhenStale(): void {
  const stale = ['sdk', 'payouts'].filter((name) => {
    const built = join(repository, 'packages', name, 'dist', 'esm', 'index.js');
    try {
      return statSync(built).mtimeMs < newestChange(join(repository, 'packages', name, 'src'));
    } catch {
      return true;
    }
  });
  if (stale.length === 0) return;
  process.stderr.write(`  building ${stale.join(', ')} (dist older than src)\n`);
  const workspaces = stale.flatMap((name) => ['-w', `packages/${name}`]);
  execFileSync('npm', ['run', 'build', ...workspaces], { cwd: repository, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The RSS run: a `rows`-row CSV planned and sent from a child process, aborted `sendMs` after planning. */
async function rssRun(bench: Bench, dataDir: string, rows: number, sendMs: number): Promise<PayoutsBenchResult['rss']> {
  buildWhenStale();
  const dir = mkdtempSync(join(bench.root, 'rss-'));
  try {
    const csv = join(dir, 'recipients.csv');
    const started = performance.now();
    writeBenchCsv(csv, rows);
    const generateMs = performance.now() - started;
    const request: RssChildRequest = {
      merchant: readSandboxConfig(dataDir, bench.settings.mchid),
      appid: bench.settings.appid,
      defaults: BENCH_DEFAULTS,
      csv,
      journal: join(dir, 'journal.db'),
      batchId: `${bench.run}-rss`,
      sendMs,
      rate: RATE,
      concurrency: CONCURRENCY,
    };
    const child = spawnJsonLineChild(new URL('./payouts-child.mjs', import.meta.url), request);
    const result = await child.next<RssChildResult>();
    await child.exited;
    if (result.reason !== 'stopped' || result.sent === 0) {
      throw new Error(`RSS run: expected a stopped run that sent rows, got ${JSON.stringify(result)}`);
    }
    return { ...result, rows, generateMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The whole payouts benchmark. `quick` runs 1,000-row rounds and a 100,000-row RSS file (the report says so) instead
 * of 5,000 and 1,000,000. Everything lives under the OS temp directory and is removed afterwards.
 */
export async function benchPayouts(options: { quick: boolean; rounds: number }): Promise<PayoutsBenchResult> {
  const rows = options.quick ? 1_000 : 5_000;
  const rssRows = options.quick ? 100_000 : 1_000_000;
  const root = mkdtempSync(join(tmpdir(), 'wxpay-bench-payouts-'));
  const dataDir = join(root, 'sandbox');
  let peer: PayoutsPeer | undefined;
  let wxpay: Wxpay | undefined;
  try {
    peer = await startPayoutsPeer(dataDir);
    wxpay = new Wxpay(readSandboxConfig(dataDir, BENCH_REDPACK_MCHID));
    const bench: Bench = {
      root,
      peer,
      wxpay,
      settings: { kind: 'redpack', mchid: BENCH_REDPACK_MCHID, appid: BENCH_REDPACK_APPID, clientIp: '127.0.0.1' },
      run: `bench-${Date.now().toString(36)}`,
    };
    // Connections opened and code compiled before anything is counted.
    const warm = Math.min(rows, 1_000);
    await engineRound(bench, 'warm-engine', warm);
    await baselineRound(bench, 'warm-baseline', warm);

    const engine: Array<{ cost: RoundCost; planMs: number }> = [];
    const baseline: RoundCost[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // Alternate the order too, so neither variant always runs on a warmer (or more tired) machine.
      const steps = [
        async () => engine.push(await engineRound(bench, `engine-${round}`, rows)),
        async () => baseline.push(await baselineRound(bench, `baseline-${round}`, rows)),
      ];
      if (round % 2 === 1) steps.reverse();
      for (const step of steps) await step();
      const e = engine[round] as { cost: RoundCost; planMs: number };
      const b = baseline[round] as RoundCost;
      process.stderr.write(
        `  round ${round + 1}/${options.rounds}: runPayouts ${perSecond(e.cost).toFixed(0)}/s ` +
          `(check + plan ${e.planMs.toFixed(0)} ms), no journal ${perSecond(b).toFixed(0)}/s\n`,
      );
    }

    process.stderr.write(`  RSS: ${rssRows.toLocaleString('en-US')} rows planned and sent from a child process\n`);
    const rss = await rssRun(bench, dataDir, rssRows, options.quick ? 2_000 : 5_000);
    const result: PayoutsBenchResult = {
      quick: options.quick,
      rows,
      rounds: options.rounds,
      concurrency: CONCURRENCY,
      engine: {
        ...summary(engine.map((e) => e.cost)),
        planMs: median(engine.map((e) => e.planMs)),
        sendPerSecond: median(engine.map((e) => (e.cost.rows * 1000) / (e.cost.ms - e.planMs))),
      },
      baseline: summary(baseline),
      rss,
    };
    process.stderr.write(
      `  runPayouts ${result.engine.perSecond.toFixed(0)}/s, no journal ${result.baseline.perSecond.toFixed(0)}/s ` +
        `(${(result.engine.perSecond / result.baseline.perSecond).toFixed(2)}x); ` +
        `RSS peak ${mib(rss.maxRssKiB * 1024)}, planning ${(rss.planMs / 1000).toFixed(1)} s\n`,
    );
    return result;
  } finally {
    await wxpay?.close();
    await peer?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

function perSecond(cost: RoundCost): number {
  return (cost.rows * 1000) / cost.ms;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

function verdict(met: boolean): string {
  return met ? 'met' : 'NOT met';
}

/** The "Payouts" section of docs/benchmarks.md. */
export function payoutsSection(result: PayoutsBenchResult): string {
  const t = PAYOUTS_TARGETS;
  const { engine, baseline, rss } = result;
  const ratio = engine.perSecond / baseline.perSecond;
  const rows = result.rows.toLocaleString('en-US');
  const rssRows = rss.rows.toLocaleString('en-US');
  const cpu = (run: PayoutsVariant) => `${run.clientMicros.toFixed(0)} µs | ${run.serverMicros.toFixed(0)} µs`;
  const table = [
    `| runPayouts, ${rows} rows (check, plan, send, journal) | ${engine.perSecond.toFixed(0)}/s | >= ${t.recipientsPerSecond}/s | ${verdict(engine.perSecond >= t.recipientsPerSecond)} | ${cpu(engine)} |`,
    `| the same rows with no journal | ${baseline.perSecond.toFixed(0)}/s | | | ${cpu(baseline)} |`,
    `| runPayouts / no journal | ${ratio.toFixed(2)}x | >= ${t.journalRatio}x | ${verdict(ratio >= t.journalRatio)} | | |`,
    `| runPayouts after planning (send + journal only) | ${engine.sendPerSecond.toFixed(0)}/s | | | | |`,
    `| check + plan of ${rows} rows | ${engine.planMs.toFixed(0)} ms | | | | |`,
    `| peak RSS running a ${rssRows}-row file | ${mib(rss.maxRssKiB * 1024)} | < ${mib(t.rssBytes)} | ${verdict(rss.maxRssKiB * 1024 < t.rssBytes)} | | |`,
    `| check + plan of ${rssRows} rows | ${(rss.planMs / 1000).toFixed(1)} s | | | | |`,
  ];
  const quickNote = result.quick
    ? `\n**--quick**: rounds of ${rows} rows and a ${rssRows}-row file, not 5,000 and 1,000,000; \`npm run bench\`` +
      ' measures the real targets.\n'
    : '';
  return `## Payouts

\`runPayouts\` (\`@wxpay/payouts\`, kind \`redpack\`, SQLite journal in a temp directory, rate ${RATE.toLocaleString('en-US')}, ${result.concurrency}
in flight) pays a fresh ${rows}-row CSV file each round to the sandbox in another process (merchant
${BENCH_REDPACK_MCHID}, rate limit and daily limits lifted, its ${BENCH_USERS} users round robin), timed from the call
to its return: reading the file twice (checking every row, then writing every row to the journal), then for every
send a share of a claim (one read and one update of up to ${result.concurrency * 4} rows), a JSON parse and a share of a settle commit
(outcomes are handed to the journal together, up to 64 at a time, and senders do not wait for them). "No journal"
sends the same rows through the same client with the same request builder (\`payoutKinds.redpack.request\`) and
${result.concurrency} in flight, and nothing else. Every round uses fresh business numbers (nothing is a re-entry);
the variants alternate over ${result.rounds} rounds and the median is reported. CPU per row is each process's user +
system time over all rounds divided by the rows.

The RSS run writes a ${rssRows}-row file (the ${BENCH_USERS} users round robin) and runs \`runPayouts\` on it in a child
process (plain \`node\` on the built packages, as the \`wxpay\` command runs): it checks and plans the whole file, sends for
${(rss.sendMs / 1000).toFixed(1)} s (${rss.sent.toLocaleString('en-US')} rows), then stops through its \`signal\`. The peak is the
child's \`maxRSS\`; sampled every 50 ms it was ${mib(rss.startRss)} before \`runPayouts\` was called, at most
${mib(rss.planningRss)} while checking and planning and ${mib(rss.sendingRss)} while sending.
${quickNote}
| workload | measured | target | | client CPU / row | sandbox CPU / row |
| --- | ---: | ---: | --- | ---: | ---: |
${table.join('\n')}
`;
}
