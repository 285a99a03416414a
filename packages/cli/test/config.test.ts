// Which configuration `wxpay <path>` uses: -c, profiles (XDG), WXPAY_CONFIG / WXPAY_PROFILE, WXPAY_* overrides and
// --base-url; and what a missing or broken one says (exit 78, the file, field or variable named, never a secret).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callEnv, GLOBAL_MCHID, pemBody, secretsOf, writeProfiles } from './support/call-support.js';
import { type CliSandbox, MCHID, startCliSandbox } from './support/cli-sandbox.js';

let cli: CliSandbox;
let home: string;
let profilesFile: string;
let secrets: string[];
/** The global merchant's config, inline PEM. */
let globalOptions: Record<string, unknown>;
/** The same merchant's PEM files, in the sandbox's data directory. */
let files: { key: string; cert: string; ca: string; platformCert: string };

/** Certificates listing: a v3 call that needs no input, answered by the sandbox. */
const CERTIFICATES = ['v3/global/certificates', '--json'];

beforeAll(async () => {
  cli = await startCliSandbox();
  home = join(cli.dir, 'home');
  mkdirSync(home);
  globalOptions = { ...cli.sandbox.merchantConfig(GLOBAL_MCHID) };
  const folder = join(cli.dir, 'sandbox', 'merchants', GLOBAL_MCHID);
  const platformSerial = Object.keys(globalOptions.certs as object).find((k) => !k.startsWith('PUB_KEY')) as string;
  files = {
    key: join(folder, 'apiclient_key.pem'),
    cert: join(folder, 'apiclient_cert.pem'),
    ca: join(cli.dir, 'sandbox', 'ca.pem'),
    platformCert: join(folder, `wechatpay_${platformSerial}.pem`),
  };
  const profilesDir = join(home, '.config', 'wxpay');
  const rel = (path: string) => relative(profilesDir, path);
  profilesFile = writeProfiles(home, {
    default: globalOptions,
    // PEM values as paths relative to the profiles file.
    paths: {
      ...globalOptions,
      privateKey: rel(files.key),
      merchant: { cert: rel(files.cert), key: rel(files.key) },
      ca: rel(files.ca),
      certs: { [platformSerial]: rel(files.platformCert) },
    },
    mainland: cli.sandbox.merchantConfig(MCHID),
    broken: { ...globalOptions, privateKey: 'missing/apiclient_key.pem' },
  });
  secrets = [...secretsOf(cli.sandbox, GLOBAL_MCHID), ...secretsOf(cli.sandbox, MCHID)];
  secrets.push(...secrets.filter((s) => s.includes('-----BEGIN')).map(pemBody));
});
afterAll(() => cli?.close());

const run = (args: readonly string[], extra: NodeJS.ProcessEnv = {}) => call(args, cli.dir, callEnv(home, extra));

function expectNoSecrets(result: { stdout: string; stderr: string }) {
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

describe('profiles', () => {
  it('uses the "default" profile when nothing is named; --profile and WXPAY_PROFILE pick another', async () => {
    const [byDefault, byFlag, byVariable] = await Promise.all([
      run([...CERTIFICATES, '-v']),
      run([...CERTIFICATES, '--profile', 'paths', '-v']),
      run([...CERTIFICATES, '-v'], { WXPAY_PROFILE: 'paths' }),
    ]);
    expect(byDefault.code).toBe(0);
    expect(byDefault.stderr).toContain(`wxpay: config: profile default of ${profilesFile}`);
    expect(JSON.parse(byDefault.stdout).data).toHaveLength(1);
    for (const result of [byFlag, byVariable]) {
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`wxpay: config: profile paths of ${profilesFile}`);
      // Relative PEM paths are read from the profiles file's folder.
      expect(result.stderr).toContain(`wxpay: config privateKey: ${files.key}`);
      expectNoSecrets(result);
    }
    expectNoSecrets(byDefault);
  });

  it('reads $XDG_CONFIG_HOME/wxpay/config.json, else ~/.config/wxpay/config.json', async () => {
    const xdg = join(cli.dir, 'xdg');
    mkdirSync(join(xdg, 'wxpay'), { recursive: true });
    writeFileSync(join(xdg, 'wxpay', 'config.json'), JSON.stringify({ default: globalOptions }));
    const [fromXdg, fromHome] = await Promise.all([
      run([...CERTIFICATES, '-v'], { XDG_CONFIG_HOME: xdg }),
      run([...CERTIFICATES, '-v'], { XDG_CONFIG_HOME: undefined }),
    ]);
    expect(fromXdg.code).toBe(0);
    expect(fromXdg.stderr).toContain(`profile default of ${join(xdg, 'wxpay', 'config.json')}`);
    expect(fromHome.code).toBe(0);
    expect(fromHome.stderr).toContain(`profile default of ${profilesFile}`);
  });

  it('refuses an unknown profile, a broken one, and --profile with -c', async () => {
    const [unknown, broken, both] = await Promise.all([
      run([...CERTIFICATES, '--profile', 'nope']),
      run([...CERTIFICATES, '--profile', 'broken']),
      run([...CERTIFICATES, '--profile', 'paths', '-c', cli.configPath]),
    ]);
    expect(unknown.code).toBe(78);
    expect(unknown.stderr).toBe(
      `wxpay: ${profilesFile}: profile: no profile "nope" (profiles: default, paths, mainland, broken)\n`,
    );
    expect(broken.code).toBe(78);
    expect(broken.stderr).toMatch(/: broken\.privateKey: no such file \(missing\/apiclient_key\.pem\)/);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^wxpay: --profile: not with -c\/--config/);
  });
});

describe('-c, WXPAY_CONFIG and the WXPAY_* variables', () => {
  it('-c beats WXPAY_CONFIG, which beats the default profile', async () => {
    const mainland = cli.file('mainland-only.json', JSON.stringify(cli.sandbox.merchantConfig(MCHID)));
    const global = cli.file('global.json', JSON.stringify(globalOptions));
    const [flag, variable] = await Promise.all([
      run([...CERTIFICATES, '-c', global, '-v'], { WXPAY_CONFIG: mainland }),
      run([...CERTIFICATES, '-v'], { WXPAY_CONFIG: global }),
    ]);
    for (const result of [flag, variable]) {
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`wxpay: config: file ${global}`);
    }
  });

  it('a WXPAY_* variable overrides the file, and --base-url overrides both', async () => {
    const deadBase = 'https://127.0.0.1:1';
    const wrong = cli.file('wrong.json', JSON.stringify({ ...globalOptions, mchid: '1900000000', baseURL: deadBase }));
    const [fixed, flag, dead] = await Promise.all([
      run([...CERTIFICATES, '-c', wrong, '-v'], { WXPAY_MCHID: GLOBAL_MCHID, WXPAY_BASE_URL: cli.sandbox.url }),
      run([...CERTIFICATES, '-c', wrong, '--base-url', cli.sandbox.url], {
        WXPAY_MCHID: GLOBAL_MCHID,
        WXPAY_BASE_URL: deadBase,
      }),
      run([...CERTIFICATES, '-c', wrong], { WXPAY_MCHID: GLOBAL_MCHID }),
    ]);
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toContain('wxpay: config values from WXPAY_MCHID, WXPAY_BASE_URL');
    expect(fixed.stderr).toContain(`"mchid":"${GLOBAL_MCHID}"`);
    expect(flag.code).toBe(0);
    // The file's dead host is used when nothing overrides it.
    expect(dead.code).toBe(5);
    expect(dead.stderr).toMatch(/127\.0\.0\.1:1.*the request was not sent/);
  });

  it('runs on WXPAY_* variables alone (PEM paths relative to the working directory)', async () => {
    const result = await run([...CERTIFICATES, '-v'], {
      WXPAY_MCHID: GLOBAL_MCHID,
      WXPAY_SERIAL: globalOptions.serial as string,
      WXPAY_PRIVATE_KEY: relative(cli.dir, files.key),
      WXPAY_APIV3_KEY: globalOptions.apiv3Key as string,
      WXPAY_CA: relative(cli.dir, files.ca),
      WXPAY_BASE_URL: cli.sandbox.url,
      // An empty variable counts as unset.
      WXPAY_SECRET: '',
      // No profile may be read when variables configure the command.
      XDG_CONFIG_HOME: join(cli.dir, 'no-profiles'),
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('wxpay: config: WXPAY_* variables');
    expect(result.stderr).toContain(`wxpay: config privateKey: ${files.key}`);
    expect(JSON.parse(result.stdout).data[0].serial_no).toMatch(/^[0-9A-F]+$/);
    expectNoSecrets(result);
  });
});

describe('a missing or broken configuration: exit 78, the problem named, no secret shown', () => {
  it('names the file, the field, the variable or the flag', async () => {
    const { secret } = cli.sandbox.merchantConfig(MCHID);
    const broken = cli.file('broken.json', `{\n  "mchid": "10000098",\n  "secret": "${secret}" x\n}`);
    const unknownKey = cli.file('unknown-key.json', JSON.stringify({ ...globalOptions, apiKey: secret }));
    const noSecret = cli.file(
      'no-secret.json',
      JSON.stringify({ ...cli.sandbox.merchantConfig(MCHID), secret: undefined }),
    );
    const nowhere = join(cli.dir, 'no-profiles');
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [CERTIFICATES, { XDG_CONFIG_HOME: nowhere }, /^wxpay: config: none found: give -c <file\.json> or --profile/],
      [[...CERTIFICATES, '-c', 'missing.json'], {}, /missing\.json: config: no such file$/m],
      [[...CERTIFICATES, '-c', broken], {}, /broken\.json: config: not valid JSON/],
      [[...CERTIFICATES, '-c', unknownKey], {}, /unknown-key\.json: apiKey: not a client option \(known: /],
      [CERTIFICATES, { WXPAY_TIMEOUT: 'soon' }, /^wxpay: WXPAY_TIMEOUT: a number$/m],
      [CERTIFICATES, { WXPAY_SERIAL: 'not-hex' }, /^wxpay: WXPAY_SERIAL: hexadecimal certificate serial$/m],
      [
        CERTIFICATES,
        { WXPAY_PRIVATE_KEY: 'nowhere.pem' },
        /^wxpay: WXPAY_PRIVATE_KEY: no such file \(.*nowhere\.pem\)/m,
      ],
      [
        ['v2/pay/orderquery', '-c', noSecret],
        {},
        /no-secret\.json: secret: required for APIv2 calls \(the APIv2 key\); or set WXPAY_SECRET$/m,
      ],
    ];
    const results = await Promise.all(cases.map(([args, env]) => run(args, env)));
    results.forEach((result, i) => {
      const [args, , message] = cases[i] as [string[], NodeJS.ProcessEnv, RegExp];
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 78, stdout: '' });
      expect(result.stderr).toMatch(message);
      expectNoSecrets(result);
    });
  });
});
