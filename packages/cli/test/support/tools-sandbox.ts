// Test-only: a sandbox in a temp directory for the tool commands, its merchants' configs as files, and runs of the
// built binary with the test's own environment and, when given, input on stdin.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, type SandboxMerchantConfig, startSandbox } from '@wxpay/sandbox';
import { BIN, type Finished, NO_PROFILES } from './wxpay-bin.js';

/** The mainland APIv2 merchant, and the global APIv3 merchant (platform certificate mode). */
export const MAINLAND = '10000098';
export const GLOBAL = '1900000109';
/** The institution: WeChat Pay public key mode, so it has no platform certificates to download. */
export const INSTITUTION = '1900000100';
export const GLOBAL_APPID = 'wx2421b1c4370ec43b';

export interface ToolsSandbox {
  sandbox: Sandbox;
  dir: string;
  /** Writes `value` as JSON (a string as it is) in the temp dir; returns its path. */
  file(name: string, value: unknown): string;
  /** `sandbox.merchantConfig(mchid)` with `changes` over it, written as a config file; returns its path. */
  config(name: string, mchid: string, changes?: Record<string, unknown>): string;
  close(): Promise<void>;
}

export async function startToolsSandbox(): Promise<ToolsSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'wxpay-tools-'));
  const sandbox = await startSandbox({ dataDir: join(dir, 'sandbox') });
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value, null, 2));
    return path;
  };
  return {
    sandbox,
    dir,
    file,
    config: (name, mchid, changes = {}) => file(name, { ...sandbox.merchantConfig(mchid), ...changes }),
    async close() {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The key material of a merchant that must never appear in any output. */
export function secretsOf(config: SandboxMerchantConfig): string[] {
  const keyBody = config.privateKey
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('-----'))
    .slice(0, 2)
    .join('');
  return [config.secret, config.apiv3Key, keyBody, ...(config.workwxSecret ? [config.workwxSecret] : [])];
}

/** The test's own environment: no WXPAY_* variable or profile of the developer's decides a test. */
export function toolsEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('WXPAY_')) env[name] = value;
  return { ...env, XDG_CONFIG_HOME: NO_PROFILES, ...extra };
}

/** Runs `wxpay ...args` with `input` on stdin (closed after it). */
export function wxpayWithInput(
  args: readonly string[],
  input: string | Buffer = '',
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Finished> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: options.env ?? toolsEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `wxpay ...args` with the test's environment and an empty stdin. */
export function tool(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return wxpayWithInput(args, '', options);
}
