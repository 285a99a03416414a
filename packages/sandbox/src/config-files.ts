// The sandbox's configuration on disk: PEM files and `sandbox.json`, so any client (or other SDK) can be pointed at it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { SandboxMerchantConfig } from './merchants.js';
import type { MerchantRow } from './store.js';

export const CONFIG_FILE = 'sandbox.json';

interface MerchantEntry {
  kind: string;
  parent_mchid: string | null;
  appids: Record<string, string>;
  /** APIv2 key. */
  secret: string;
  apiv3Key: string;
  /** Merchant API certificate serial (APIv3 `serial`). */
  serial: string;
  workwxSecret?: string;
  workwxCorpid?: string;
  platformCertSerial: string;
  publicKeyId: string;
  /** Paths relative to the data directory. */
  files: { cert: string; key: string; platformCert: string; publicKey: string };
}

export interface SandboxConfigFile {
  url: string;
  /**
   * Lets a browser page of another origin (or any client) change the sandbox: sent in `X-Wxpay-Sandbox-Token`
   * (see the README's "Dashboard"). Clients that send no `Origin` need no token.
   */
  adminToken: string;
  /** Path of the sandbox CA certificate, relative to the data directory. */
  ca: string;
  merchants: Record<string, MerchantEntry>;
}

/** Writes `ca.pem`, one folder of PEM files per merchant, and `sandbox.json`; returns the config file's path. */
export function writeConfigFiles(
  dataDir: string,
  url: string,
  caPem: string,
  merchants: readonly MerchantRow[],
  adminToken: string,
): string {
  mkdirSync(dataDir, { recursive: true });
  const write = (relative: string, text: string) => {
    const path = join(dataDir, relative);
    mkdirSync(dirname(path), { recursive: true });
    // Keys are secrets even in a sandbox: readable by the owner only.
    writeFileSync(path, text, { mode: 0o600 });
    return relative;
  };
  const config: SandboxConfigFile = { url, adminToken, ca: write('ca.pem', caPem), merchants: {} };
  for (const row of merchants) {
    const c = row.config;
    const files = merchantFiles(row);
    config.merchants[row.mchid] = {
      kind: row.kind,
      parent_mchid: row.parent_mchid,
      appids: c.appids,
      secret: c.apiv2Key,
      apiv3Key: c.apiv3Key,
      serial: c.apiCert.serial,
      ...(c.workwx ? { workwxSecret: c.workwx.secret, workwxCorpid: c.workwx.corpid } : {}),
      platformCertSerial: c.platformCert.serial,
      publicKeyId: c.publicKey.id,
      files: {
        cert: write(files.cert, c.apiCert.certPem),
        key: write(files.key, c.apiCert.keyPem),
        platformCert: write(files.platformCert, c.platformCert.certPem),
        publicKey: write(files.publicKey, c.publicKey.publicKeyPem),
      },
    };
  }
  write(CONFIG_FILE, `${JSON.stringify(config, null, 2)}\n`);
  return join(dataDir, CONFIG_FILE);
}

/** Where a merchant's key files are written, relative to the data directory (the dashboard shows them too). */
export function merchantFiles(row: MerchantRow): MerchantEntry['files'] {
  const folder = `merchants/${row.mchid}`;
  return {
    cert: `${folder}/apiclient_cert.pem`,
    key: `${folder}/apiclient_key.pem`,
    platformCert: `${folder}/wechatpay_${row.config.platformCert.serial}.pem`,
    publicKey: `${folder}/pub_key.pem`,
  };
}

/**
 * Reads a running sandbox's `sandbox.json` (or its data directory) and returns the `Wxpay` options of one merchant.
 * The default is the mainland merchant 10000098.
 */
export function readSandboxConfig(pathOrDataDir: string, mchid = '10000098'): SandboxMerchantConfig {
  const file = pathOrDataDir.endsWith('.json') ? resolve(pathOrDataDir) : resolve(pathOrDataDir, CONFIG_FILE);
  const dataDir = dirname(file);
  const config = JSON.parse(readFileSync(file, 'utf8')) as SandboxConfigFile;
  const entry = config.merchants[mchid];
  if (!entry) throw new Error(`merchant ${mchid} is not in ${file}`);
  const read = (relative: string) => readFileSync(join(dataDir, relative), 'utf8');
  const cert = read(entry.files.cert);
  const key = read(entry.files.key);
  return {
    mchid,
    secret: entry.secret,
    merchant: { cert, key },
    serial: entry.serial,
    privateKey: key,
    certs: {
      [entry.platformCertSerial]: read(entry.files.platformCert),
      [entry.publicKeyId]: read(entry.files.publicKey),
    },
    apiv3Key: entry.apiv3Key,
    ...(entry.workwxSecret ? { workwxSecret: entry.workwxSecret } : {}),
    baseURL: config.url,
    ca: read(config.ca),
  };
}
