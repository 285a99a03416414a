// Benchmark peer: the sandbox on a data directory on disk, run in its own process so that the client measured by
// bench/sandbox.ts never shares a CPU queue or a heap with it. Two modes, one JSON line on stdin each:
// `setup` seeds the data directory (bench merchants, then `packets` prefilled red packets on earlier days) and exits;
// `serve` runs the sandbox until stdin closes, answering each `stats` line with its memory and CPU time.
// A script to spawn (bench/sandbox-peer.ts does), never to import: it reads its stdin as soon as it is loaded.
import { createInterface, type Interface } from 'node:readline';
import { formatCompactChinaTime } from '../packages/sandbox/src/clock.js';
import { startSandbox } from '../packages/sandbox/src/sandbox.js';
import { type NewRow, openStore } from '../packages/sandbox/src/store.js';
import { chinaDayStart } from '../packages/sandbox/src/v2/daily-totals.js';
import {
  BENCH_GLOBAL_APPID,
  BENCH_GLOBAL_MCHID,
  BENCH_REDPACK_APPID,
  BENCH_REDPACK_MCHID,
  BENCH_USERS,
  benchOpenid,
  type SandboxServerSetup,
  type ServerStats,
  type Serving,
  type SetupDone,
} from './sandbox-peer.js';

/** Packets prefilled per (earlier) day: a campaign of 10 000 packets a day. */
const PACKETS_PER_DAY = 10_000;
const daySeconds = 24 * 60 * 60;

async function setup(dataDir: string, packets: number): Promise<SetupDone> {
  const sandbox = await startSandbox({ port: 0, dataDir });
  const lifted = 1_000_000_000;
  await sandbox.admin.createMerchant({
    mchid: BENCH_REDPACK_MCHID,
    name: 'bench red packets',
    appids: { redpack: BENCH_REDPACK_APPID },
    balance: 1_000_000_000_000,
    rateLimit: lifted,
    settings: {
      redpackUserDailyCount: lifted,
      redpackUserDailyAmount: 1_000_000_000_000,
      redpackMerchantDailyAmount: 1_000_000_000_000,
    },
    users: Array.from({ length: BENCH_USERS }, (_, index) => ({ openid: benchOpenid(index) })),
  });
  await sandbox.admin.createMerchant({
    mchid: BENCH_GLOBAL_MCHID,
    kind: 'global',
    name: 'bench global',
    appids: { pay: BENCH_GLOBAL_APPID },
    rateLimit: lifted,
  });
  await sandbox.close();
  const started = performance.now();
  prefill(dataDir, packets);
  return { prefillMs: performance.now() - started };
}

/**
 * Writes `packets` opened red packets of the bench merchant on the days before today (10 000 a day, so they add to no
 * limit that counts today), with the daily totals of those days, in one transaction through the store's tables.
 */
function prefill(dataDir: string, packets: number): void {
  const store = openStore(dataDir);
  try {
    const today = chinaDayStart(Math.floor(Date.now() / 1000));
    const amount = 100;
    store.transaction(() => {
      const totals = new Map<string, NewRow<'dailyTotals'>>();
      const count = (openid: string, day: number, at: number) => {
        const key = `${openid}|${day}`;
        const found = totals.get(key);
        if (found === undefined) {
          totals.set(key, {
            product: 'redpack',
            mchid: BENCH_REDPACK_MCHID,
            openid,
            day,
            count: 1,
            fen: amount,
            last_at: at,
          });
        } else {
          found.count += 1;
          found.fen += amount;
          found.last_at = Math.max(found.last_at, at);
        }
      };
      for (let index = 0; index < packets; index++) {
        const daysBack = Math.floor(index / PACKETS_PER_DAY) + 1;
        const day = today - daysBack * daySeconds;
        const sent = day + 8 * 3600 + (index % PACKETS_PER_DAY);
        const date = formatCompactChinaTime(sent * 1000).slice(0, 8);
        const sequence = String(index).padStart(10, '0');
        const openid = benchOpenid(index);
        const listid = `1000041701${date}${String(index).padStart(13, '0')}`;
        store.redpacks.insert({
          mch_id: BENCH_REDPACK_MCHID,
          mch_billno: `${BENCH_REDPACK_MCHID}${date}${sequence}`,
          send_listid: listid,
          detail_id: listid,
          kind: 'NORMAL',
          wxappid: BENCH_REDPACK_APPID,
          re_openid: openid,
          total_amount: amount,
          wishing: 'bench',
          act_name: 'bench',
          remark: 'bench',
          send_name: 'bench',
          client_ip: '127.0.0.1',
          status: 'RECEIVED',
          send_time: sent,
          rcv_time: sent + 60,
          request_hash: 'prefilled',
          created_at: sent,
        });
        count(openid, day, sent);
        count('', day, sent);
      }
      for (const row of totals.values()) store.dailyTotals.insert(row);
    });
  } finally {
    store.close();
  }
}

async function serve(dataDir: string, lines: Interface): Promise<void> {
  const sandbox = await startSandbox({ port: 0, dataDir });
  const print = (value: Serving | ServerStats) => process.stdout.write(`${JSON.stringify(value)}\n`);
  print({ url: sandbox.url });
  lines.on('line', (line) => {
    if (line !== 'stats') return;
    const usage = process.resourceUsage();
    // maxRSS is in KiB.
    print({
      rss: process.memoryUsage().rss,
      maxRss: usage.maxRSS * 1024,
      cpuMicros: usage.userCPUTime + usage.systemCPUTime,
    });
  });
  // The parent closing stdin (or exiting) ends this process.
  lines.on('close', () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

/** Ends this process on an error of either mode, with its stack on stderr (the parent's stderr). */
function fail(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

const input = createInterface({ input: process.stdin });
input.once('line', (line) => {
  const request = JSON.parse(line) as SandboxServerSetup;
  if (request.mode === 'setup') {
    setup(request.dataDir, request.packets).then((done) => {
      process.stdout.write(`${JSON.stringify(done)}\n`);
      process.exit(0);
    }, fail);
  } else {
    serve(request.dataDir, input).catch(fail);
  }
});
