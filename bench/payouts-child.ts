// The RSS child of the payouts bench: runs `runPayouts` on a big CSV file in a process of its own, so its peak RSS is
// the engine's alone. It checks and plans the whole file (where a file would be held in memory, or not), sends for
// `sendMs`, then aborts through the signal. One JSON line in (RssChildRequest), one out (RssChildResult).
import { createInterface } from 'node:readline';
import { Wxpay } from 'wxpay';
import { fileSource, openSqliteJournal, runPayouts } from '../packages/payouts/src/index.js';
import { readSandboxConfig } from '../packages/sandbox/src/config-files.js';
import { whenPlanned } from './payouts-journal.js';

export interface RssChildRequest {
  /** The serving sandbox's data directory (its sandbox.json names the URL and the merchant's keys). */
  dataDir: string;
  mchid: string;
  appid: string;
  defaults: Readonly<Record<string, string>>;
  csv: string;
  journal: string;
  batchId: string;
  sendMs: number;
  rate: number;
  concurrency: number;
}

export interface RssChildResult {
  /** From the call to the batch being marked planned: reading and checking the file twice, writing every row. */
  planMs: number;
  /** Sending until the abort, and the clean stop after it. */
  sendMs: number;
  /** process.resourceUsage().maxRSS at the end: peak resident KiB over the process's life. */
  maxRssKiB: number;
  /** RSS before runPayouts is called (Node, tsx and the modules loaded), bytes: what any such process costs. */
  startRss: number;
  /** Highest RSS sampled (every 50 ms) while checking and planning, and while sending, bytes. */
  planningRss: number;
  sendingRss: number;
  sent: number;
  reason: string | undefined;
}

async function run(request: RssChildRequest): Promise<RssChildResult> {
  const wxpay = new Wxpay(readSandboxConfig(request.dataDir, request.mchid));
  const journal = openSqliteJournal(request.journal);
  const stop = new AbortController();
  let phase: 'planning' | 'sending' = 'planning';
  const peak = { planning: 0, sending: 0 };
  const sample = () => {
    peak[phase] = Math.max(peak[phase], process.memoryUsage.rss());
  };
  const startRss = process.memoryUsage.rss();
  const started = performance.now();
  const sampler = setInterval(sample, 50);
  // Checking and planning a million rows takes a while: say that it is going on.
  const progress = setInterval(() => {
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(`  ${phase} for ${seconds} s, RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB\n`);
  }, 15_000);
  let plannedAt = Number.NaN;
  try {
    const result = await runPayouts({
      wxpay,
      journal: whenPlanned(journal, () => {
        sample();
        plannedAt = performance.now();
        phase = 'sending';
        process.stderr.write(`  planned in ${((plannedAt - started) / 1000).toFixed(1)} s; sending\n`);
        setTimeout(() => stop.abort(), request.sendMs);
      }),
      kind: 'redpack',
      source: fileSource(request.csv),
      batchId: request.batchId,
      appid: request.appid,
      defaults: request.defaults,
      rate: request.rate,
      concurrency: request.concurrency,
      signal: stop.signal,
    });
    sample();
    return {
      planMs: plannedAt - started,
      sendMs: performance.now() - plannedAt,
      maxRssKiB: process.resourceUsage().maxRSS,
      startRss,
      planningRss: peak.planning,
      sendingRss: peak.sending,
      sent: result.counts.sent,
      reason: result.reason,
    };
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    await journal.close();
    await wxpay.close();
  }
}

createInterface({ input: process.stdin }).once('line', (line) => {
  run(JSON.parse(line) as RssChildRequest).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
});
