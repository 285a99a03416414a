// Test-only: runs the BUILT `wxpay` binary as a subprocess (build it first: cd packages/cli && npm run build).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/esm/bin.js', import.meta.url));
/** An XDG_CONFIG_HOME with no profiles file: a developer's default profile must not configure a test's run. */
export const NO_PROFILES = fileURLToPath(new URL('./no-profiles', import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** What the process wrote so far. */
  readonly stdout: string;
  readonly stderr: string;
  done: Promise<Finished>;
}

/**
 * Starts `wxpay ...args`. Asynchronous on purpose: the sandbox answering it runs in this very process, so a
 * synchronous spawn would wait for a reply that can never come.
 */
export function startWxpay(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Running {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build it (cd packages/cli && npm run build)`);
  // A test's environment must not leak a developer's configuration (WXPAY_* variables, profiles) into a run.
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('WXPAY_')) env[name] = value;
  Object.assign(env, { XDG_CONFIG_HOME: NO_PROFILES }, options.env);
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}

export function wxpay(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return startWxpay(args, options).done;
}
