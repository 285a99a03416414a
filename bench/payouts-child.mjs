// The RSS child of the payouts bench: runs `runPayouts` on a big CSV file in a process of its own, so its peak RSS is
// the engine's alone. Plain JavaScript on the built packages (dist), started with plain `node` as a user's process
// would be: no TypeScript loader in the memory measured (bench/payouts.ts builds dist first when it is stale). It
// checks and plans the whole file (where a file would be held in memory, or not), sends for `sendMs`, then aborts
// through the signal. One JSON line in (RssChildRequest in bench/payouts.ts), one out (RssChildResult).
import { createInterface } from 'node:readline';
import { fileSource, openSqliteJournal, runPayouts } from '@wxpay/payouts';
import { Wxpay } from 'wxpay';

/** How often the RSS is sampled, and how soon the end of planning is seen (the first progress report after it). */
const SAMPLE_MS = 50;

/** @param {import('./payouts.js').RssChildRequest} request */
async function run(request) {
  const wxpay = new Wxpay(request.merchant);
  const journal = openSqliteJournal(request.journal);
  const stop = new AbortController();
  /** @type {'planning' | 'sending'} */
  let phase = 'planning';
  const peak = { planning: 0, sending: 0 };
  const sample = () => {
    peak[phase] = Math.max(peak[phase], process.memoryUsage.rss());
  };
  const startRss = process.memoryUsage.rss();
  const started = performance.now();
  const sampler = setInterval(sample, SAMPLE_MS);
  // Checking and planning a million rows takes a while: say that it is going on.
  const progress = setInterval(() => {
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(`  ${phase} for ${seconds} s, RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB\n`);
  }, 15_000);
  let plannedAt = Number.NaN;
  try {
    const result = await runPayouts({
      wxpay,
      journal,
      kind: 'redpack',
      source: fileSource(request.csv),
      batchId: request.batchId,
      appid: request.appid,
      defaults: request.defaults,
      rate: request.rate,
      concurrency: request.concurrency,
      signal: stop.signal,
      progressIntervalMs: SAMPLE_MS,
      onProgress: (p) => {
        if (p.phase === 'checking' || phase === 'sending') return;
        sample();
        plannedAt = performance.now();
        phase = 'sending';
        process.stderr.write(`  planned in ${((plannedAt - started) / 1000).toFixed(1)} s; sending\n`);
        setTimeout(() => stop.abort(), request.sendMs);
      },
    });
    sample();
    /** @type {import('./payouts.js').RssChildResult} */
    const answer = {
      planMs: plannedAt - started,
      sendMs: performance.now() - plannedAt,
      maxRssKiB: process.resourceUsage().maxRSS,
      startRss,
      planningRss: peak.planning,
      sendingRss: peak.sending,
      sent: result.counts.sent,
      reason: result.reason,
    };
    return answer;
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    await journal.close();
    await wxpay.close();
  }
}

createInterface({ input: process.stdin }).once('line', (line) => {
  run(JSON.parse(line)).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
});
