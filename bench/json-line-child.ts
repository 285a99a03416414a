// A bench peer in a process of its own, spoken to in JSON lines: the request as its first stdin line, its answers as
// stdout lines. Peers run apart so that they never share a CPU queue or a heap with the process measured.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface JsonLineChild {
  child: ChildProcessByStdio<Writable, Readable, null>;
  /** The child's next stdout line, parsed; rejects if the child exits first. */
  next<T>(): Promise<T>;
  /** Resolves when the child has exited. */
  exited: Promise<void>;
}

/**
 * Runs a bench file in its own Node process and writes `request` as its first line: TypeScript through tsx, plain
 * JavaScript (`.mjs`) with plain `node` (for children whose memory is measured, without the loader's).
 */
export function spawnJsonLineChild(script: URL, request: unknown, nodeFlags: readonly string[] = []): JsonLineChild {
  const loader = script.pathname.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...nodeFlags, ...loader, script.pathname], {
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
