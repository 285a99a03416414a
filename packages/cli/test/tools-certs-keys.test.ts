// `wxpay certs download`, `wxpay certs show` and `wxpay keys check` through the built binary, against a sandbox.
import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_API_ERROR, EXIT_SIGNATURE, EXIT_USAGE } from '../src/exit-codes.js';
import { writeProfiles } from './support/call-support.js';
import { testCertificate } from './support/test-certificates.js';
import {
  GLOBAL,
  INSTITUTION,
  MAINLAND,
  secretsOf,
  startToolsSandbox,
  type ToolsSandbox,
  tool,
  toolsEnv,
} from './support/tools-sandbox.js';

let s: ToolsSandbox;
let mainland: string;
let global: string;
/** The platform certificate serial each merchant's config trusts. */
let platformSerial: (mchid: string) => string;

beforeAll(async () => {
  s = await startToolsSandbox();
  mainland = s.config('mainland.json', MAINLAND);
  // As merchantConfig() gives it: no "region", so /v3/global/certificates takes --global.
  global = s.config('global.json', GLOBAL);
  platformSerial = (mchid) => {
    const serial = Object.keys(s.sandbox.merchantConfig(mchid).certs).find((name) => !name.startsWith('PUB_KEY_ID_'));
    if (serial === undefined) throw new Error(`merchant ${mchid} has no platform certificate`);
    return serial;
  };
});
afterAll(() => s?.close());

/** Nothing a command writes may hold a key of either merchant. */
function expectNoSecrets(output: { stdout: string; stderr: string }): void {
  for (const secret of [
    ...secretsOf(s.sandbox.merchantConfig(MAINLAND)),
    ...secretsOf(s.sandbox.merchantConfig(GLOBAL)),
  ]) {
    expect(output.stdout).not.toContain(secret);
    expect(output.stderr).not.toContain(secret);
  }
}

describe('wxpay certs download', () => {
  it("saves a global merchant's platform certificates from /v3/global/certificates", async () => {
    const dir = join(s.dir, 'global-certs');
    const result = await tool(['certs', 'download', '-c', global, '--global', '-o', dir, '-v']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('downloading from /v3/global/certificates');
    const serial = platformSerial(GLOBAL);
    const file = join(dir, `wechatpay_${serial}.pem`);
    expect(result.stdout).toContain(`${file}  serial ${serial}  valid until`);
    const saved = new X509Certificate(readFileSync(file));
    expect(saved.serialNumber.toUpperCase()).toBe(serial);
    expect(saved.toString()).toBe(
      new X509Certificate(s.sandbox.merchantConfig(GLOBAL).certs[serial] as string).toString(),
    );
    expectNoSecrets(result);
  });

  it('bootstraps trust from the download itself when the config holds no WeChat Pay key', async () => {
    const { certs: _certs, ...withoutCerts } = s.sandbox.merchantConfig(MAINLAND);
    const config = s.file('mainland-no-certs.json', withoutCerts);
    const dir = join(s.dir, 'mainland-certs');
    const result = await tool(['certs', 'download', '-c', config, '-o', dir]);
    expect(result.code).toBe(0);
    expect(readdirSync(dir)).toEqual([`wechatpay_${platformSerial(MAINLAND)}.pem`]);
  });

  it('saves nothing when the certificates do not open with the APIv3 key (4)', async () => {
    // 32 bytes, so the config is valid; but not the key the sandbox sealed the certificates with.
    const config = s.config('wrong-apiv3.json', GLOBAL, { apiv3Key: 'A'.repeat(32) });
    const dir = join(s.dir, 'wrong-apiv3-certs');
    const result = await tool(['certs', 'download', '-c', config, '--global', '-o', dir]);
    expect(result.code).toBe(EXIT_SIGNATURE);
    expect(result.stderr).toContain('apiv3Key');
    expect(existsSync(dir)).toBe(false);
  });

  it('passes on the advice for a merchant in public key mode (3)', async () => {
    const config = s.config('institution.json', INSTITUTION);
    const result = await tool(['certs', 'download', '-c', config, '--global', '-o', join(s.dir, 'none')]);
    expect(result.code).toBe(EXIT_API_ERROR);
    expect(result.stderr).toContain('RESOURCE_NOT_EXISTS');
    expect(result.stderr).toContain('PUB_KEY_ID_');
  });
});

describe('wxpay certs show', () => {
  it('shows serial (uppercase hex, no colons), subject, validity and days left', async () => {
    const pem = s.file('platform.pem', s.sandbox.merchantConfig(GLOBAL).certs[platformSerial(GLOBAL)]);
    const text = await tool(['certs', 'show', pem]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`serial:    ${platformSerial(GLOBAL)}\n`);
    expect(text.stdout).toMatch(/subject: {3}CN=.+, OU=1900000109\n/);
    expect(text.stdout).toMatch(/days left: 18\d\d\n/);

    const json = await tool(['certs', 'show', pem, '--json']);
    expect(json.code).toBe(0);
    const [record] = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(record).toMatchObject({ file: pem, serial: platformSerial(GLOBAL) });
    expect(record?.serial).toMatch(/^[0-9A-F]+$/);
  });

  it('writes serials with leading zeros as WeChat Pay does (as `openssl x509 -serial` prints them)', async () => {
    // DER's sign byte before a high bit is no part of the serial; a leading zero digit of a whole byte is.
    const signByte = await testCertificate('CN=sign byte', '00ab12cd34', -1, 100);
    const zeroDigit = await testCertificate('CN=zero digit', '0a1b2c3d', -1, 100);
    const files = [s.file('sign-byte.pem', signByte.certPem), s.file('zero-digit.pem', zeroDigit.certPem)];
    const result = await tool(['certs', 'show', ...files, '--json']);
    expect(result.code).toBe(0);
    const records = JSON.parse(result.stdout) as Array<{ serial: string; daysLeft: number }>;
    expect(records.map((record) => record.serial)).toEqual(['AB12CD34', '0A1B2C3D']);
    expect(records[0]?.daysLeft).toBe(99);
  });

  it('says when a certificate has expired, and shows every certificate of a chain', async () => {
    const expired = await testCertificate('CN=expired', '0102', -400, -35);
    const fresh = await testCertificate('CN=fresh', '0103', -1, 365);
    const result = await tool(['certs', 'show', s.file('chain.pem', `${expired.certPem}\n${fresh.certPem}`)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('subject:   CN=expired');
    expect(result.stdout).toContain('days left: -35 (expired)');
    expect(result.stdout).toContain('subject:   CN=fresh');
  });

  it('refuses a file without a certificate, or no file at all (2)', async () => {
    const notPem = await tool(['certs', 'show', s.file('notes.txt', 'not a certificate\n')]);
    expect(notPem.code).toBe(EXIT_USAGE);
    expect(notPem.stderr).toContain('no certificate');
    const missing = await tool(['certs', 'show', join(s.dir, 'missing.pem')]);
    expect(missing.code).toBe(EXIT_USAGE);
    expect(missing.stderr).toContain('no such file');
  });
});

describe('wxpay keys check', () => {
  it('passes a good config, naming each check (0)', async () => {
    const result = await tool(['keys', 'check', '-c', mainland]);
    expect(result.code).toBe(0);
    for (const line of [
      'ok       merchant.key: matches merchant.cert',
      'ok       privateKey: matches merchant.cert',
      'ok       serial: is the serial of merchant.cert',
      'ok       apiv3Key: 32 bytes',
      'ok       secret: 32 characters',
      '0 problems, 0 warnings',
    ]) {
      expect(result.stdout).toContain(line);
    }
    expectNoSecrets(result);
  });

  it("names a privateKey that is another merchant's key (2)", async () => {
    const other = s.sandbox.merchantConfig(GLOBAL).privateKey;
    const result = await tool(['keys', 'check', '-c', s.config('wrong-key.json', MAINLAND, { privateKey: other })]);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stdout).toMatch(/problem {2}privateKey: does not match merchant\.cert \(serial [0-9A-F]+\)/);
    // The TLS key is still the certificate's own.
    expect(result.stdout).toContain('ok       merchant.key: matches merchant.cert');
    expect(result.stdout).toContain('1 problem, 0 warnings');
    expectNoSecrets(result);
  });

  it('names every problem at once: serial, key lengths, expired and expiring certificates', async () => {
    const expired = await testCertificate('CN=old platform', '0aa1', -400, -2);
    const expiring = await testCertificate('CN=rotating platform', '0aa2', -300, 10);
    const config = s.config('broken.json', MAINLAND, {
      serial: 'ABCDEF',
      apiv3Key: 'short-apiv3-key',
      secret: 'x'.repeat(31),
      merchant: {
        cert: s.sandbox.merchantConfig(MAINLAND).merchant.cert,
        key: s.sandbox.merchantConfig(GLOBAL).merchant.key,
      },
      certs: { [expired.serial]: expired.certPem, [expiring.serial]: expiring.certPem, '0AA3': expiring.certPem },
    });
    const result = await tool(['keys', 'check', '-c', config]);
    expect(result.code).toBe(EXIT_USAGE);
    const lines = result.stdout.split('\n');
    const problem = (start: string) => expect(lines.some((line) => line.startsWith(`problem  ${start}`))).toBe(true);
    problem('merchant.key: does not match merchant.cert');
    problem('serial: ABCDEF is not the serial of merchant.cert');
    problem('apiv3Key: 15 bytes: the APIv3 key is exactly 32');
    problem('secret: 31 characters: the APIv2 key is exactly 32');
    problem(`certs.${expired.serial}: expired`);
    expect(result.stdout).toContain('(2 days ago)');
    problem(`certs.0AA3: the certificate's serial is ${expiring.serial}`);
    expect(result.stdout).toMatch(
      new RegExp(`warning  certs\\.${expiring.serial}: valid until .+ \\((9|10) days left\\): renew it`),
    );
    expect(result.stdout).toContain('6 problems, 2 warnings');
    expectNoSecrets(result);
  });

  it('passes with a warning only: a certificate expiring within 30 days (0)', async () => {
    const expiring = await testCertificate('CN=rotating platform', '0bb1', -300, 20);
    const config = s.config('expiring.json', MAINLAND, { certs: { [expiring.serial]: expiring.certPem } });
    const result = await tool(['keys', 'check', '-c', config]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0 problems, 1 warning');
  });

  it('reports a config that does not load as a problem (2)', async () => {
    const result = await tool(['keys', 'check', '-c', s.file('typo.json', { mchid: MAINLAND, secrte: 'x' })]);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stdout).toContain('problem  ');
    expect(result.stdout).toContain('secrte: not a client option');
  });

  it('checks a --profile, with WXPAY_* variables over it, never showing a key of the profile', async () => {
    const home = join(s.dir, 'home');
    const good = s.sandbox.merchantConfig(MAINLAND);
    const profiles = writeProfiles(home, { prod: good, typo: { ...good, serial: 'ABCDEF' } });
    const env = (extra: NodeJS.ProcessEnv = {}) => toolsEnv({ XDG_CONFIG_HOME: join(home, '.config'), ...extra });

    const byFlag = await tool(['keys', 'check', '--profile', 'prod', '-v'], { env: env() });
    expect(byFlag.stderr).toContain(`config: profile prod of ${profiles}`);
    expect(byFlag.code).toBe(0);
    expect(byFlag.stdout).toContain('ok       privateKey: matches merchant.cert');
    expect(byFlag.stdout).toContain('0 problems, 0 warnings');
    expectNoSecrets(byFlag);

    const typo = await tool(['keys', 'check', '--profile', 'typo'], { env: env() });
    expect(typo.code).toBe(EXIT_USAGE);
    expect(typo.stdout).toContain('problem  serial: ABCDEF is not the serial of merchant.cert');
    // WXPAY_SERIAL replaces the profile's serial, and WXPAY_PROFILE names the profile.
    const fixed = await tool(['keys', 'check', '-v'], {
      env: env({ WXPAY_PROFILE: 'typo', WXPAY_SERIAL: good.serial }),
    });
    expect(fixed.stderr).toContain('config values from WXPAY_SERIAL');
    expect(fixed.code).toBe(0);
    // A value a variable gave is named with the variable.
    expect(fixed.stdout).toContain('ok       serial (WXPAY_SERIAL): is the serial of merchant.cert');
    expectNoSecrets(fixed);

    const short = await tool(['keys', 'check', '--profile', 'prod'], { env: env({ WXPAY_APIV3_KEY: 'short' }) });
    expect(short.code).toBe(EXIT_USAGE);
    expect(short.stdout).toContain('problem  apiv3Key (WXPAY_APIV3_KEY): 5 bytes: the APIv3 key is exactly 32');
    // A variable that does not load is a problem found, like a file that does not load.
    const bad = await tool(['keys', 'check', '--profile', 'prod'], { env: env({ WXPAY_TIMEOUT: 'soon' }) });
    expect(bad.code).toBe(EXIT_USAGE);
    expect(bad.stdout).toBe('problem  WXPAY_TIMEOUT: a number\n');
    const unknown = await tool(['keys', 'check', '--profile', 'nope'], { env: env() });
    expect(unknown.code).toBe(EXIT_USAGE);
    expect(unknown.stdout).toContain(`problem  ${profiles}: profile: no profile "nope"`);
    expectNoSecrets(bad);
  });
});
