// Processes of the payouts bench: a child speaking one JSON line each way, and the sandbox (bench/sandbox-server.ts)
// as such a child, set up with the bench merchants and serving, so neither shares a CPU queue or a heap with the
// process measured.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { SandboxServerSetup, ServerStats, Serving, SetupDone } from './sandbox-server.js';

export interface JsonLineChild {
  child: ChildProcessByStdio<Writable, Readable, null>;
  /** The child's next stdout line, parsed; rejects if the child exits first. */
  next<T>(): Promise<T>;
  /** Resolves when the child has exited. */
  exited: Promise<void>;
}

/** Runs a bench TypeScript file in its own Node process (through tsx) and writes `request` as its first line. */
export function spawnJsonLineChild(script: URL, request: unknown, nodeFlags: readonly string[] = []): JsonLineChild {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script.pathname], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin.write(`${JSON.stringify(request)}\n`);
  const lines = createInterface({ input: child.stdout });
  const next = <T>(): Promise<T> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`bench child ${script.pathname} exited (${code})`));
      child.once('exit', onExit);
      lines.once('line', (line) => {
        child.off('exit', onExit);
        resolve(JSON.parse(line) as T);
      });
    });
  return { child, next, exited };
}

export interface PayoutsPeer {
  url: string;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

const sandboxServer = new URL('./sandbox-server.ts', import.meta.url);

/**
 * Seeds `dataDir` (the bench merchants: 10000198 with its rate limit and daily limits lifted, its 1,000 users; no
 * prefilled packets) and serves it from another process. WXPAY_BENCH_CPU_PROF=<dir> profiles that process.
 */
export async function startPayoutsPeer(dataDir: string): Promise<PayoutsPeer> {
  const setup: SandboxServerSetup = { mode: 'setup', dataDir, packets: 0 };
  await spawnJsonLineChild(sandboxServer, setup).next<SetupDone>();
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
