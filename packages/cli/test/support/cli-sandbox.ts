// Test-only: a sandbox in a temp directory, its seed merchant's config written as a JSON file, and input files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, type SandboxAdmin, startSandbox } from '@wxpay/sandbox';

/** The seed merchant's red packet appid and its users (sandbox defaults). */
export const MCHID = '10000098';
export const REDPACK_APPID = 'wx8888888888888888';
export const USERS = ['oxTWIuGaIt6gTKsQRLau2M0yL16E', 'oxTWIuGaIt6gTKsQRLau2M0yL16F', 'oxTWIuGaIt6gTKsQRLau2M0yL16G'];

/** Flags of a redpack run (the columns the send requires); `null` leaves --wxappid out. */
export function redpackFlags(appid: string | null = REDPACK_APPID): string[] {
  return [
    '--kind',
    'redpack',
    ...(appid === null ? [] : ['--wxappid', appid]),
    '--send-name',
    '天虹百货',
    '--act-name',
    '猜灯谜抢红包活动',
    '--wishing',
    '感谢您参加猜灯谜活动',
    '--remark',
    '猜越多得越多',
  ];
}

export interface CliSandbox {
  sandbox: Sandbox;
  dir: string;
  /** `sandbox.merchantConfig()` as it is, written as JSON. */
  configPath: string;
  /** Writes `name` in the temp dir; returns its path. */
  file(name: string, text: string): string;
  /** Red packets the seed merchant has sent. */
  packets(): ReturnType<SandboxAdmin['redpacks']>;
  close(): Promise<void>;
}

export async function startCliSandbox(): Promise<CliSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'wxpay-cli-'));
  const sandbox = await startSandbox({ dataDir: join(dir, 'sandbox') });
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const configPath = file('merchant.json', JSON.stringify(sandbox.merchantConfig(MCHID), null, 2));
  return {
    sandbox,
    dir,
    configPath,
    file,
    packets: () => sandbox.admin.redpacks({ mchid: MCHID }),
    async close() {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A CSV of `openid,amount` rows. */
export function csv(rows: ReadonlyArray<readonly [string, number | string]>): string {
  return `openid,amount\n${rows.map(([openid, amount]) => `${openid},${amount}`).join('\n')}\n`;
}
