// The bench's sandbox peer as its users see it: the bench merchants and users, the JSON lines spoken with
// bench/sandbox-server.ts, and starting that script in a process of its own (to seed a data directory, or to serve
// one). Importing this module has no side effects; bench/sandbox-server.ts, which reads its stdin, is only spawned.
import { DEFAULTS } from '../packages/sandbox/src/bootstrap.js';
import { spawnJsonLineChild } from './json-line-child.js';

/** The merchant the red packet workload sends from: rate limit and daily limits lifted, balance for millions. */
export const BENCH_REDPACK_MCHID = '10000198';
/** The global merchant the APIv3 workload creates orders for, rate limit lifted. */
export const BENCH_GLOBAL_MCHID = '1900000198';
export const BENCH_GLOBAL_APPID = DEFAULTS.globalAppid;
export const BENCH_REDPACK_APPID = DEFAULTS.redpackAppid;
/** How many recipients the packets go to, round robin. */
export const BENCH_USERS = 1_000;

export function benchOpenid(index: number): string {
  return `oBENCH${String(index % BENCH_USERS).padStart(22, '0')}`;
}

/** The first line bench/sandbox-server.ts reads. */
export type SandboxServerSetup =
  | { mode: 'setup'; dataDir: string; packets: number }
  | { mode: 'serve'; dataDir: string };

/** What `setup` prints when done. */
export interface SetupDone {
  prefillMs: number;
}
/** What `serve` prints once listening. */
export interface Serving {
  url: string;
}
/** The answer to each `stats` line. */
export interface ServerStats {
  /** Bytes resident now. */
  rss: number;
  /** Peak resident bytes over the process's life. */
  maxRss: number;
  /** CPU time used so far (user + system, all threads), microseconds. */
  cpuMicros: number;
}

const sandboxServer = new URL('./sandbox-server.ts', import.meta.url);

/** Seeds `dataDir` in another process: the bench merchants, then `packets` opened red packets on earlier days. */
export function setUpSandboxPeer(dataDir: string, packets: number): Promise<SetupDone> {
  const setup: SandboxServerSetup = { mode: 'setup', dataDir, packets };
  return spawnJsonLineChild(sandboxServer, setup).next<SetupDone>();
}

/** A sandbox serving a seeded data directory from another process. */
export interface SandboxPeer {
  url: string;
  /** Its memory and CPU time so far. */
  stats(): Promise<ServerStats>;
  /** Closes its stdin, which ends it; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Serves `dataDir` (seeded by `setUpSandboxPeer`) from another process. WXPAY_BENCH_CPU_PROF=<dir> profiles it. */
export async function serveSandboxPeer(dataDir: string): Promise<SandboxPeer> {
  const profileDir = process.env.WXPAY_BENCH_CPU_PROF;
  const serve: SandboxServerSetup = { mode: 'serve', dataDir };
  const server = spawnJsonLineChild(
    sandboxServer,
    serve,
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  const { url } = await server.next<Serving>();
  return {
    url,
    stats: () => {
      const answer = server.next<ServerStats>();
      server.child.stdin.write('stats\n');
      return answer;
    },
    stop: () => {
      server.child.stdin.end();
      return server.exited;
    },
  };
}
