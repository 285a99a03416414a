// `wxpay payout run` end to end, the built binary against a sandbox: pays once, refuses bad input and bad configs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEnv, pemBody, secretsOf, writeProfiles } from './support/call-support.js';
import {
  type CliSandbox,
  csv,
  MCHID,
  REDPACK_APPID,
  redpackFlags,
  startCliSandbox,
  USERS,
} from './support/cli-sandbox.js';
import { wxpay } from './support/wxpay-bin.js';

let s: CliSandbox;
beforeAll(async () => {
  s = await startCliSandbox();
});
afterAll(() => s?.close());

const [E, F, G] = USERS as [string, string, string];

describe('wxpay payout run', () => {
  it('pays every row once (exit 0), and a second run sends nothing', async () => {
    const file = s.file(
      'lantern.csv',
      csv([
        [E, 100],
        [F, 150],
        [G, 200],
      ]),
    );
    const journal = join(s.dir, 'lantern.db');
    const args = ['payout', 'run', file, ...redpackFlags(), '-c', s.configPath, '--journal', journal];
    const first = await wxpay(args);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('batch lantern: 3 sent, 4.50 yuan (450 fen); 0 failed; complete\n');
    const packets = s.packets();
    expect(packets.map((p) => [p.re_openid, p.total_amount]).sort()).toEqual([
      [E, 100],
      [F, 150],
      [G, 200],
    ]);

    const again = await wxpay(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('complete');
    expect(s.packets()).toHaveLength(3);

    // The same batch with a changed row: refused before anything is sent, naming the row.
    writeFileSync(
      file,
      csv([
        [E, 100],
        [F, 151],
        [G, 200],
      ]),
    );
    const changed = await wxpay(args);
    expect(changed.code).toBe(65);
    expect(changed.stderr).toContain('batch lantern was started with other input: row 2 (line 3) differs in amount');
    expect(s.packets()).toHaveLength(3);
  });

  it('lists every invalid row (line, field, rule) with exit 65 and sends nothing', async () => {
    const before = s.packets().length;
    const file = s.file(
      'invalid.csv',
      csv([
        [E, 100],
        ['', 100],
        [F, '1.5'],
        [G, 'ten'],
      ]),
    );
    const result = await wxpay([
      'payout',
      'run',
      file,
      ...redpackFlags(),
      '-c',
      s.configPath,
      '--journal',
      join(s.dir, 'invalid.db'),
    ]);
    expect(result.code).toBe(65);
    expect(result.stderr).toContain('3 problems (above), nothing was sent');
    expect(result.stderr).toContain('line 3, openid: required');
    expect(result.stderr).toContain('line 4, amount: integer fen');
    expect(result.stderr).toContain('line 5, amount: integer fen');
    expect(result.stdout).toBe('');
    expect(s.packets()).toHaveLength(before);
  });

  it('reads PEM values from files relative to the config, the appid from it, and the path from WXPAY_CONFIG', async () => {
    const before = s.packets().length;
    const config = s.sandbox.merchantConfig(MCHID);
    const serials = Object.keys(config.certs);
    // sandbox.json names the PEM files the sandbox writes for each merchant in its data directory.
    const written = JSON.parse(readFileSync(join(s.sandbox.dataDir, 'sandbox.json'), 'utf8'));
    const files = written.merchants[MCHID].files;
    const fileConfig = {
      ...config,
      appid: REDPACK_APPID,
      merchant: { cert: files.cert, key: files.key },
      privateKey: files.key,
      certs: { [serials[0] as string]: files.platformCert, [serials[1] as string]: files.publicKey },
      ca: written.ca,
    };
    const configPath = join(s.sandbox.dataDir, 'by-path.json');
    writeFileSync(configPath, JSON.stringify(fileConfig));
    const file = s.file('by-path.csv', csv([[E, 123]]));
    const result = await wxpay(
      ['payout', 'run', file, ...redpackFlags(null), '--journal', join(s.dir, 'by-path.db'), '-v'],
      {
        env: { WXPAY_CONFIG: configPath },
      },
    );
    expect(result.code).toBe(0);
    expect(s.packets()).toHaveLength(before + 1);
    // -v says where each PEM came from and which credentials are set, never a value.
    expect(result.stderr).toContain(`merchant.key: ${join(s.sandbox.dataDir, files.key)}`);
    expect(result.stderr).not.toContain(config.secret);
    expect(result.stderr).not.toContain(config.apiv3Key);
    expect(result.stderr).not.toContain('PRIVATE KEY');
  });
});

describe('wxpay payout run with a profile and WXPAY_* variables', () => {
  /** Runs with the profiles of `home` and no other configuration. */
  const runWith = (home: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
    wxpay(['payout', 'run', ...args], { env: callEnv(home, extra) });
  /** Every key of the merchant, and the base64 of its PEM keys: none may appear in what the command writes. */
  const secrets = () => {
    const values = secretsOf(s.sandbox, MCHID);
    return [...values, ...values.filter((v) => v.includes('-----BEGIN')).map(pemBody)];
  };
  const expectNoSecrets = (result: { stdout: string; stderr: string }) => {
    for (const secret of secrets()) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }
  };

  it('pays with --profile (inline keys), and -v never shows a secret of the profile', async () => {
    const home = join(s.dir, 'home-profile');
    const profiles = writeProfiles(home, { lantern: s.sandbox.merchantConfig(MCHID) });
    const before = s.packets().length;
    const file = s.file('by-profile.csv', csv([[E, 111]]));
    const result = await runWith(home, [
      file,
      ...redpackFlags(),
      '--profile',
      'lantern',
      '--journal',
      join(s.dir, 'by-profile.db'),
      '-v',
    ]);
    expect(result.stderr).toContain(`config: profile lantern of ${profiles}`);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('batch by-profile: 1 sent, 1.11 yuan (111 fen); 0 failed; complete\n');
    expect(s.packets()).toHaveLength(before + 1);
    expectNoSecrets(result);

    const unknown = await runWith(home, [file, ...redpackFlags(), '--profile', 'nope', '--journal', 'x.db']);
    expect(unknown.code).toBe(78);
    expect(unknown.stderr).toBe(`wxpay: ${profiles}: profile: no profile "nope" (profiles: lantern)\n`);
  });

  it('takes WXPAY_* variables over the profile (mchid, appid)', async () => {
    const home = join(s.dir, 'home-variables');
    // The default profile names another merchant and no appid: the variables correct both.
    writeProfiles(home, { default: { ...s.sandbox.merchantConfig(MCHID), mchid: '1900000000' } });
    const before = s.packets().length;
    const file = s.file('by-variables.csv', csv([[F, 222]]));
    const args = [file, ...redpackFlags(null), '--journal', join(s.dir, 'by-variables.db'), '-v'];
    const result = await runWith(home, args, { WXPAY_MCHID: MCHID, WXPAY_APPID: REDPACK_APPID });
    expect(result.stderr).toContain('config values from WXPAY_MCHID, WXPAY_APPID');
    expect(result.code).toBe(0);
    expect(s.packets()).toHaveLength(before + 1);
    expect(s.packets().find((p) => p.total_amount === 222)).toMatchObject({ re_openid: F, wxappid: REDPACK_APPID });
    expectNoSecrets(result);

    // A variable that breaks a rule is named, and nothing is sent.
    const bad = await runWith(home, args, { WXPAY_MCHID: MCHID, WXPAY_TIMEOUT: 'soon' });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('wxpay: WXPAY_TIMEOUT: a number');
    expect(s.packets()).toHaveLength(before + 1);
  });
});

describe('wxpay payout run, balance too low', () => {
  it('exits 75 telling to top up, and finishes after the top-up (a config from admin.createMerchant as it is)', async () => {
    const mchid = '1900999001';
    const appid = 'wx1234567890abcdef';
    const openids = ['oLowBalanceUser000001', 'oLowBalanceUser000002', 'oLowBalanceUser000003'];
    const config = await s.sandbox.admin.createMerchant({
      mchid,
      appids: { redpack: appid },
      balance: 250,
      users: openids.map((openid) => ({ openid })),
    });
    const configPath = s.file('low-balance.json', JSON.stringify(config));
    const file = s.file('low.csv', csv(openids.map((openid) => [openid, 100] as const)));
    const args = ['payout', 'run', file, ...redpackFlags(appid), '-c', configPath];
    const low = await wxpay([...args, '--journal', join(s.dir, 'low.db'), '--concurrency', '1']);
    expect(low.code).toBe(75);
    expect(low.stderr).toContain('top up');
    expect(low.stdout).toContain('batch low: 2 sent');
    expect(s.sandbox.admin.redpacks({ mchid })).toHaveLength(2);

    s.sandbox.admin.topUp(mchid, 10_000);
    const after = await wxpay([...args, '--journal', join(s.dir, 'low.db')]);
    expect(after.code).toBe(0);
    expect(
      s.sandbox.admin
        .redpacks({ mchid })
        .map((p) => p.re_openid)
        .sort(),
    ).toEqual(openids);
  });
});

describe('wxpay payout run with a bad configuration (exit 78)', () => {
  const run = (configPath: string | undefined, extra: string[] = []) => {
    const file = s.file('config-check.csv', csv([[E, 100]]));
    const config = configPath === undefined ? [] : ['-c', configPath];
    return wxpay(['payout', 'run', file, ...redpackFlags(), ...config, '--journal', join(s.dir, 'cfg.db'), ...extra]);
  };
  const secret = 'S3cretS3cretS3cretS3cretS3cret12';

  it('names the field and the rule, never the value', async () => {
    const cases: Array<[object | string, string]> = [
      ['{"mchid": "10000098", "secret": ', 'not valid JSON'],
      [{ mchid: MCHID, secret, apiv3Key: 'short' }, 'apiv3Key: exactly 32 bytes'],
      [{ mchid: MCHID, secret, privateKey: 'keys/missing.pem' }, 'privateKey: no such file (keys/missing.pem)'],
      [{ mchid: MCHID, secret, privateKey: secret }, 'privateKey: no such file (the value is not shown)'],
      [{ mchid: MCHID, secret, merchant: { cert: 'a.pem' } }, 'merchant.key: required'],
      [{ mchid: MCHID, scret: secret }, 'scret: not a client option'],
    ];
    for (const [content, expected] of cases) {
      const path = s.file('bad-config.json', typeof content === 'string' ? content + secret : JSON.stringify(content));
      const result = await run(path);
      expect(result.code, expected).toBe(78);
      expect(result.stderr).toContain(expected);
      expect(result.stderr).not.toContain(secret);
    }
    expect(s.packets().length).toBeLessThan(10);
  });

  it('asks for a configuration and for the appid', async () => {
    const none = await run(undefined);
    expect(none.code).toBe(78);
    expect(none.stderr).toContain('config: none found: give -c <file.json> or --profile <name>');
    const missing = await run(join(s.dir, 'nowhere.json'));
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('nowhere.json: config: no such file');

    const file = s.file('no-appid.csv', csv([[E, 100]]));
    const noAppid = await wxpay([
      'payout',
      'run',
      file,
      '--kind',
      'redpack',
      '-c',
      s.configPath,
      '--journal',
      join(s.dir, 'no-appid.db'),
    ]);
    expect(noAppid.code).toBe(78);
    expect(noAppid.stderr).toContain('give --wxappid <appid>');
  });

  it('stops with 78 when WeChat Pay refuses the configuration (an appid not bound to the merchant)', async () => {
    const before = s.packets().length;
    const result = await run(s.configPath, ['--wxappid', 'wx0000000000000000', '--batch', 'wrong-appid']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/WeChat Pay refused the configuration/);
    expect(s.packets()).toHaveLength(before);
  });
});

describe('wxpay', () => {
  it('prints the version of its package.json and a working example in every help', async () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const version = await wxpay(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
    for (const command of [
      [],
      ['payout'],
      ['payout', 'run'],
      ['payout', 'status'],
      ['payout', 'report'],
      ['payout', 'reconcile'],
    ]) {
      const help = await wxpay([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Example');
      expect(help.stdout).toMatch(/\n\s+\$ wxpay \S/);
      // Each example line as a shell reads it: its quotes closed on the line, continued only where it ends in \.
      for (const line of help.stdout.split('\n').filter((text) => /^\s+\$ /.test(text))) {
        expect((line.match(/'/g) ?? []).length % 2, line).toBe(0);
        expect(line, line).not.toMatch(/\S {3,}--/);
      }
    }
    expect(await wxpay(['help', 'payout'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Example') });
  });

  it('refuses a bad command line with 2', async () => {
    const result = await wxpay(['payout', 'run', 'x.csv', '--kind', 'cheque', '--journal', 'j.db']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("argument 'cheque' is invalid");
    const flag = await wxpay(['payout', 'run', 'x.csv', '--kind', 'redpack', '--journal', 'j.db', '--desc', 'x']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--desc: kind redpack has no desc');
  });
});
