// `wxpay <path>` against the sandbox: v2 and v3 calls with every option, the output forms, -v, refusals (exit 3) and
// command-line mistakes (exit 2). Runs the BUILT binary: cd packages/cli && npm run build.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callEnv, GLOBAL_MCHID, pemBody, secretsOf } from './support/call-support.js';
import { type CliSandbox, MCHID, REDPACK_APPID, startCliSandbox, USERS } from './support/cli-sandbox.js';
import { BIN } from './support/wxpay-bin.js';

let cli: CliSandbox;
let home: string;
let env: NodeJS.ProcessEnv;
let globalConfig: string;
let secrets: string[];

beforeAll(async () => {
  cli = await startCliSandbox();
  home = join(cli.dir, 'home');
  mkdirSync(home);
  env = callEnv(home);
  globalConfig = cli.file('global.json', JSON.stringify(cli.sandbox.merchantConfig(GLOBAL_MCHID)));
  secrets = [...secretsOf(cli.sandbox, MCHID), ...secretsOf(cli.sandbox, GLOBAL_MCHID)];
  secrets.push(...secrets.filter((s) => s.includes('-----BEGIN')).map(pemBody));
});
afterAll(() => cli?.close());

const run = (args: readonly string[], extra: NodeJS.ProcessEnv = {}) => call(args, cli.dir, { ...env, ...extra });

/** Asserts no secret of either merchant's config is in what a run wrote. */
function expectNoSecrets(result: { stdout: string; stderr: string }) {
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

function redpackFields(billno: string): string[] {
  return [
    ...['-d', `mch_billno=${billno}`, '-d', `wxappid=${REDPACK_APPID}`, '-d', 'send_name=天虹百货'],
    ...['-d', `re_openid=${USERS[0]}`, '-d', 'total_amount:=100', '-d', 'total_num=1', '-d', 'wishing=恭喜发财'],
    ...['-d', 'client_ip=127.0.0.1', '-d', 'act_name=猜灯谜', '-d', 'remark=猜越多得越多'],
  ];
}

/** A Native order of the global merchant, created through the command; returns its out_trade_no. */
async function createOrder(outTradeNo: string): Promise<void> {
  const order = {
    mchid: GLOBAL_MCHID,
    appid: 'wx2421b1c4370ec43b',
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: outTradeNo,
    notify_url: 'https://127.0.0.1/wxpay/notify',
    trade_type: 'NATIVE',
    merchant_category_code: '4111',
    amount: { total: 1, currency: 'HKD' },
  };
  const created = await run(['v3/global/transactions/native', '-c', globalConfig, '-d', JSON.stringify(order)]);
  expect(created).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(created.stdout).code_url).toMatch(/^weixin:\/\//);
}

describe('wxpay <path>: APIv2', () => {
  it('sends key=value fields (key:=json for a number), then queries by dot path with @file and --security', async () => {
    const billno = `${MCHID}20261130${String(Date.now()).slice(-10)}`;
    const sent = await run(['v2/mmpaymkttransfers/sendredpack', '-c', cli.configPath, ...redpackFields(billno)]);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    // Indented JSON, and no colour into a pipe.
    expect(sent.stdout).toMatch(/^\{\n {2}"return_code": "SUCCESS",\n/);
    expect(sent.stdout).not.toContain('\u001b[');
    expect(JSON.parse(sent.stdout)).toMatchObject({ result_code: 'SUCCESS', mch_billno: billno, total_amount: '100' });

    writeFileSync(
      join(cli.dir, 'query.json'),
      JSON.stringify({ mch_billno: billno, bill_type: 'MCHT', appid: REDPACK_APPID }),
    );
    const queried = await run([
      'v2.mmpaymkttransfers.gethbinfo',
      '-c',
      'merchant.json',
      '-d',
      '@query.json',
      '--security',
    ]);
    expect(queried).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(queried.stdout)).toMatchObject({ mch_billno: billno, status: 'SENT', total_amount: '100' });

    const raw = await run(['/v2/mmpaymkttransfers/gethbinfo/', '-c', cli.configPath, '-d', '@query.json', '--raw']);
    expect(raw.code).toBe(0);
    expect(raw.stdout).toMatch(/^<xml><return_code>SUCCESS<\/return_code>.*<status>SENT<\/status>.*<\/xml>$/);

    const line = await run(['v2/mmpaymkttransfers/gethbinfo', '-c', cli.configPath, '-d', '@query.json', '--json']);
    expect(line.code).toBe(0);
    expect(line.stdout.split('\n')).toEqual([
      expect.stringMatching(/^\{"return_code":"SUCCESS",.*"status":"SENT"/),
      '',
    ]);
    expectNoSecrets(sent);
  });

  it('exits 3 when WeChat Pay says no, with one JSON line on stderr (err_code, message, outcome)', async () => {
    const result = await run([
      'v2/mmpaymkttransfers/gethbinfo',
      '-c',
      cli.configPath,
      ...['-d', 'mch_billno=10000098201411119999999999', '-d', 'bill_type=MCHT', '-d', `appid=${REDPACK_APPID}`],
    ]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      error: 'WxpayResultError',
      err_code: 'NOT_FOUND',
      result_code: 'FAIL',
      message: expect.stringContaining('NOT_FOUND'),
      outcome: expect.stringMatching(/^(unknown|retry|fix|final)$/),
      requestId: null,
    });
  });

  it('-v shows the request and the reply on stderr, with sign and secrets redacted', async () => {
    const result = await run([
      'v2/mmpaymkttransfers/gethbinfo',
      '-c',
      cli.configPath,
      '-v',
      ...['-d', 'mch_billno=10000098201411119999999999', '-d', 'bill_type=MCHT', '-d', `appid=${REDPACK_APPID}`],
      ...['-H', 'X-Trace: call-test'],
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^> POST https:\/\/127\.0\.0\.1:\d+\/mmpaymkttransfers\/gethbinfo$/m);
    expect(result.stderr).toMatch(/^> x-trace: call-test$/im);
    expect(result.stderr).toMatch(/^> <xml>.*<mch_id>10000098<\/mch_id>.*<sign>\[redacted\]<\/sign><\/xml>$/m);
    expect(result.stderr).not.toMatch(/<sign>(?!\[redacted\])/);
    expect(result.stderr).toMatch(/^< 200$/m);
    expect(result.stderr).toMatch(/^< <xml><return_code>SUCCESS<\/return_code>.*NOT_FOUND/m);
    expect(result.stderr).toContain('wxpay: config: file ');
    expectNoSecrets(result);
  });
});

describe('wxpay <path>: APIv3', () => {
  it('POSTs a JSON body, then GETs with path parameters (both forms) and a query; --json and --raw', async () => {
    const outTradeNo = `call${Date.now()}`;
    await createOrder(outTradeNo);
    const byNo = await run([
      'v3.global.transactions.outTradeNo._out_trade_no_',
      ...['-p', `out_trade_no=${outTradeNo}`, '-q', `mchid=${GLOBAL_MCHID}`, '-c', globalConfig, '--json'],
    ]);
    expect(byNo).toMatchObject({ code: 0, stderr: '' });
    expect(byNo.stdout.split('\n')).toHaveLength(2);
    const order = JSON.parse(byNo.stdout) as { id: string; trade_state: string };
    expect(order).toMatchObject({ out_trade_no: outTradeNo, trade_state: 'NOTPAY' });

    const raw = await run([
      'call',
      'v3/global/transactions/id/{id}',
      ...['-p', `id=${order.id}`, '-q', `mchid=${GLOBAL_MCHID}`, '-c', globalConfig, '--raw'],
    ]);
    expect(raw).toMatchObject({ code: 0, stderr: '' });
    // Exactly the body: no newline added, the server's own key order.
    expect(raw.stdout.endsWith('}')).toBe(true);
    expect(JSON.parse(raw.stdout)).toMatchObject({ id: order.id, out_trade_no: outTradeNo });

    // -m with a body: the close answers 204, and nothing is printed.
    const closed = await run([
      `v3/global/transactions/out-trade-no/{out_trade_no}/close`,
      ...['-m', 'post', '-p', `out_trade_no=${outTradeNo}`, '-d', `mchid=${GLOBAL_MCHID}`, '-c', globalConfig],
    ]);
    expect(closed).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const after = await run([
      'v3/global/transactions/id/{id}',
      ...['-p', `id=${order.id}`, '-q', `mchid=${GLOBAL_MCHID}`, '-c', globalConfig],
    ]);
    expect(JSON.parse(after.stdout)).toMatchObject({ trade_state: 'CLOSED' });
  });

  it('exits 3 on an API error with code, message, outcome and requestId on one JSON line', async () => {
    const result = await run([
      'v3/global/transactions/id/{id}',
      ...['-p', 'id=4200000000000000000000000000', '-q', `mchid=${GLOBAL_MCHID}`, '-c', globalConfig],
    ]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      error: 'WxpayAPIError',
      status: 404,
      code: 'ORDER_NOT_EXIST',
      message: expect.any(String),
      outcome: 'fix',
      requestId: expect.stringMatching(/^[0-9A-F]{32}$/),
    });
  });

  it('-v redacts the Authorization header and never shows a secret', async () => {
    const result = await run([
      'v3/global/transactions/id/{id}',
      ...['-p', 'id=4200000000000000000000000000', '-q', `mchid=${GLOBAL_MCHID}`, '-c', globalConfig, '-v'],
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^> GET https:\/\/127\.0\.0\.1:\d+\/v3\/global\/transactions\/id\/4200000000000000000000000000\?mchid=1900000109$/m,
    );
    expect(result.stderr).toMatch(/^> authorization: WECHATPAY2-SHA256-RSA2048 \[redacted\]$/m);
    expect(result.stderr).not.toContain('signature="');
    expect(result.stderr).toMatch(/^< 404$/m);
    expect(result.stderr).toMatch(/^< request-id: [0-9A-F]{32}$/im);
    expect(result.stderr).toMatch(/^< \{"code":"ORDER_NOT_EXIST"/m);
    expectNoSecrets(result);
  });
});

describe('wxpay <path>: the command line', () => {
  /** Runs each command line (at once) and expects exit 2, nothing on stdout, and its message on stderr. */
  async function expectUsageErrors(cases: Array<[string[], RegExp]>) {
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr).toMatch(message);
    });
  }

  it('exits 2 naming the flag and the rule for a bad path, flag or request field', { timeout: 60_000 }, async () => {
    const v3 = ['-c', globalConfig];
    await expectUsageErrors([
      [['v4/pay/orderquery', ...v3], /<path>: an endpoint path starting with v2 or v3/],
      [['payuot', 'run'], /^wxpay: unknown command "payuot": give a command \(wxpay --help\) or an endpoint path/],
      [['-v', 'payuot'], /<path>: an endpoint path starting with v2 or v3/],
      [['v3/global/transactions/id/{id}', ...v3], /-p\/--param: the path needs \{id\}: give -p id=<value>/],
      [
        ['v3/global/certificates', '-p', 'id=1', ...v3],
        /-p\/--param: id is not a parameter of the path \(the path has none\)/,
      ],
      [['v2/mmpaymkttransfers/gethbinfo', '-c', cli.configPath], /-d\/--data: mch_billno: required/],
      [['v3/global/transactions/native', '-d', 'appid=x', ...v3], /-d\/--data: \/mchid: required/],
      [['v3/global/transactions/native', '-m', 'GET', '-d', 'a=b', ...v3], /-d\/--data: a GET has no body/],
      [['v3/global/certificates', '-m', 'TRACE', ...v3], /argument 'TRACE' is invalid\. one of GET, POST/],
      [['v3/global/certificates', '--json', '--raw', ...v3], /option '--json' cannot be used with option '--raw'/],
      [['v3/global/certificates', '--security', ...v3], /--security: security: only APIv2 calls/],
      [['v3/global/certificates', '--base-url', 'http://127.0.0.1:1', ...v3], /--base-url: https URL/],
    ]);
  });

  it('exits 2 for -q, -H and -d values it cannot read', { timeout: 60_000 }, async () => {
    const v3 = ['-c', globalConfig];
    await expectUsageErrors([
      [['v3/global/certificates', '-q', 'mchid', ...v3], /-q\/--query: key=value, not "mchid"/],
      [['v3/global/certificates', '-H', 'no colon', ...v3], /-H\/--header: 'Name: value'/],
      [['v3/global/certificates', '-H', 'Bad Name: x', ...v3], /-H\/--header: headers\["bad name"\]: header name/],
      [['v3/global/certificates', '-d', '{"a":', '-m', 'POST', ...v3], /-d\/--data: the value is not valid JSON/],
      [['v3/global/certificates', '-d', '@nowhere.json', ...v3], /-d\/--data: .*nowhere\.json: no such file/],
      [['v3/global/certificates', '-d', '{}', '-d', 'a=b', ...v3], /-d\/--data: either one JSON value .* not both/],
      [['v2/pay/orderquery', '-d', '[1]', '-c', cli.configPath], /-d\/--data: APIv2 fields: a JSON object/],
      [['v2/pay/orderquery', '-d', 'a:={"b":1}', '-c', cli.configPath], /-d\/--data: a: string or number/],
    ]);
  });

  it('bare `wxpay` prints the overview on stderr and exits 2; `wxpay <path> --help` is the call help', async () => {
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: wxpay');
    const help = await run(['v2/pay/orderquery', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: wxpay call [options] <path>');
    expect(help.stdout).toContain('--base-url <url>');
  });

  const hasScript = process.platform === 'linux' && existsSync('/usr/bin/script');
  it.skipIf(!hasScript)('colours the JSON on a terminal only, and never with NO_COLOR', async () => {
    const args = [process.execPath, BIN, 'v3/global/certificates', '-c', globalConfig];
    const command = args.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
    const coloured = await runOnTerminal(command, {});
    const esc = '\u001b';
    expect(coloured).toContain(`${esc}[34m"data"${esc}[39m: `);
    const plain = await runOnTerminal(command, { NO_COLOR: '1' });
    expect(plain).toContain('"data": [');
    expect(plain).not.toContain('\u001b[');
  });
});

/**
 * Runs a shell command line under `script`, which gives it a pseudo-terminal as a person at a shell has; asynchronously,
 * since the sandbox answering it runs in this process.
 */
async function runOnTerminal(command: string, extra: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: cli.dir,
    env: { ...process.env, ...env, ...extra } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(0);
  return out;
}
