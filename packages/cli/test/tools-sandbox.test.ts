// `wxpay sandbox` (run until a signal) and `wxpay sandbox config` (a config for -c) through the built binary.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE } from '../src/exit-codes.js';
import { GLOBAL, MAINLAND, tool, toolsEnv } from './support/tools-sandbox.js';
import { type Running, startWxpay } from './support/wxpay-bin.js';

let dir: string;
let dataDir: string;
let running: Running;
let url: string;

/** Waits (real time) until the running sandbox has printed its URL. */
async function listening(run: Running, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = /listening at (https:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout);
    if (match?.[1]) return match[1];
    if (Date.now() > deadline) throw new Error(`the sandbox did not start: ${run.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wxpay-tools-sandbox-'));
  dataDir = join(dir, 'data');
  running = startWxpay(['sandbox', '--port', '0', '--data-dir', dataDir], { env: toolsEnv() });
  url = await listening(running);
});

afterAll(() => {
  if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('wxpay sandbox', () => {
  it('prints its URL and where sandbox.json is, and writes it', () => {
    expect(running.stdout).toContain(`configuration (keys, certificates, merchants): ${join(dataDir, 'sandbox.json')}`);
    const written = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')) as { url: string };
    expect(written.url).toBe(url);
  });

  it('gives a config that works with -c: keys check, certs download against the running sandbox', async () => {
    const config = join(dir, 'merchant.json');
    const made = await tool(['sandbox', 'config', '--data-dir', dataDir, '--mchid', MAINLAND, '-o', config]);
    expect(made.code).toBe(0);
    expect(made.stdout).toBe('');
    const options = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
    expect(options).toMatchObject({ mchid: MAINLAND, appid: 'wx8888888888888888', baseURL: url });
    // PEM values are paths into the data directory: the private key is not copied into the output.
    expect(options.privateKey).toBe(join(dataDir, 'merchants', MAINLAND, 'apiclient_key.pem'));
    expect(JSON.stringify(options)).not.toContain('PRIVATE KEY');

    const check = await tool(['keys', 'check', '-c', config]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('0 problems');
    const certs = await tool(['certs', 'download', '-c', config, '-o', join(dir, 'certs')]);
    expect(certs.stderr).toBe('');
    expect(certs.code).toBe(0);
    expect(certs.stdout).toMatch(/wechatpay_[0-9A-F]+\.pem {2}serial [0-9A-F]+ {2}valid until/);
  });

  it('marks a global merchant with region, so it downloads from /v3/global/certificates', async () => {
    const printed = await tool(['sandbox', 'config', '--mchid', GLOBAL, '--data-dir', dataDir]);
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toMatchObject({ mchid: GLOBAL, region: 'hk', appid: 'wx2421b1c4370ec43b' });
  });

  it('refuses an unknown merchant or a folder without a sandbox (2)', async () => {
    const merchant = await tool(['sandbox', 'config', '--data-dir', dataDir, '--mchid', '12345678']);
    expect(merchant.code).toBe(EXIT_USAGE);
    expect(merchant.stderr).toContain(`no merchant 12345678 in ${dataDir} (merchants: `);
    const folder = await tool(['sandbox', 'config', '--data-dir', join(dir, 'nothing'), '--mchid', MAINLAND]);
    expect(folder.code).toBe(EXIT_USAGE);
    expect(folder.stderr).toContain('no sandbox.json in');
    const missing = await tool(['sandbox', 'config', '--data-dir', dataDir]);
    expect(missing.code).toBe(EXIT_USAGE);
    expect(missing.stderr).toContain("required option '--mchid <mchid>' not specified");
  });

  it('reads WXPAY_SANDBOX_DIR as the data directory, as npm run sandbox does', async () => {
    const printed = await tool(['sandbox', 'config', '--mchid', MAINLAND], {
      env: toolsEnv({ WXPAY_SANDBOX_DIR: dataDir }),
    });
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toMatchObject({ baseURL: url });
  });

  it('stops on SIGTERM with status 0, keeping its state', async () => {
    running.child.kill('SIGTERM');
    const done = await running.done;
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('SIGTERM: stopping the sandbox');
    expect(existsSync(join(dataDir, 'sandbox.json'))).toBe(true);
  });

  it('refuses a port that is not a number (2)', async () => {
    const result = await tool(['sandbox', '--port', 'eighty']);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toContain('an integer from 0 to 65535');
  });
});
