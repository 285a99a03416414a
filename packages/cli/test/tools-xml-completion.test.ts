// `wxpay xml`, `wxpay completion` and the --help of every tool command, through the built binary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE } from '../src/exit-codes.js';
import { tool, wxpayWithInput } from './support/tools-sandbox.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxpay-tools-xml-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REPLY =
  '<xml><return_code><![CDATA[SUCCESS]]></return_code><mch_billno><![CDATA[0010010404201411170000046545]]>' +
  '</mch_billno><total_amount>100</total_amount><send_listid>100000000020150520314766074200</send_listid></xml>';

describe('wxpay xml', () => {
  it('turns XML into JSON, every value an exact string (28-digit ids are not rounded)', async () => {
    const result = await wxpayWithInput(['xml'], REPLY);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      return_code: 'SUCCESS',
      mch_billno: '0010010404201411170000046545',
      total_amount: '100',
      send_listid: '100000000020150520314766074200',
    });
  });

  it('turns a JSON object of fields into <xml>, and back to the same fields', async () => {
    const fields = { mch_billno: '0010010404201411170000046545', total_amount: 100, wishing: '恭喜发财 <&>' };
    const xml = await wxpayWithInput(['xml'], JSON.stringify(fields));
    expect(xml.code).toBe(0);
    expect(xml.stdout).toMatch(/^<xml><mch_billno>0010010404201411170000046545<\/mch_billno><total_amount>100</);
    const back = await wxpayWithInput(['xml', '--to', 'json'], xml.stdout);
    expect(JSON.parse(back.stdout)).toEqual({ ...fields, total_amount: '100' });
  });

  it('reads a file as well as stdin', async () => {
    const file = join(dir, 'reply.xml');
    writeFileSync(file, REPLY);
    const result = await tool(['xml', file]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ return_code: 'SUCCESS' });
  });

  it('refuses a DTD, nested JSON, input of neither kind, and a direction the input does not fit (2)', async () => {
    const dtd = await wxpayWithInput(['xml'], '<!DOCTYPE xml [<!ENTITY x "y">]><xml><a>&x;</a></xml>');
    expect(dtd.code).toBe(EXIT_USAGE);
    expect(dtd.stderr).toContain('DTD');
    const nested = await wxpayWithInput(['xml'], '{"scene":{"id":"1"}}');
    expect(nested.code).toBe(EXIT_USAGE);
    expect(nested.stderr).toContain('scene: string or finite number');
    const neither = await wxpayWithInput(['xml'], 'return_code=SUCCESS');
    expect(neither.code).toBe(EXIT_USAGE);
    const wrongWay = await wxpayWithInput(['xml', '--to', 'xml'], REPLY);
    expect(wrongWay.code).toBe(EXIT_USAGE);
    expect(wrongWay.stderr).toContain('not JSON');
    const badChoice = await wxpayWithInput(['xml', '--to', 'yaml'], REPLY);
    expect(badChoice.code).toBe(EXIT_USAGE);
  });
});

/** What bash completes for the words of a command line (the last one being completed). */
function bashCompletes(script: string, words: string[]): string[] {
  const file = join(dir, 'wxpay.bash');
  writeFileSync(file, script);
  const line = words.map((word) => `'${word}'`).join(' ');
  const run = spawnSync(
    'bash',
    [
      '-c',
      `source '${file}'; COMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _wxpay; echo "\${COMPREPLY[*]}"`,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(run.stderr);
  return run.stdout.trim().split(' ').filter(Boolean);
}

const hasBash = spawnSync('bash', ['--version']).status === 0;

describe('wxpay completion', () => {
  it.runIf(hasBash)('bash: completes commands, subcommands, options and option values of the program', async () => {
    const result = await tool(['completion', 'bash']);
    expect(result.code).toBe(0);
    const script = result.stdout;
    expect(bashCompletes(script, ['wxpay', ''])).toEqual(
      expect.arrayContaining(['payout', 'sandbox', 'certs', 'keys', 'notify', 'xml', 'completion']),
    );
    expect(bashCompletes(script, ['wxpay', 'no'])).toEqual(['notify']);
    expect(bashCompletes(script, ['wxpay', 'notify', ''])).toEqual(['verify', 'verify-v2', 'help']);
    expect(bashCompletes(script, ['wxpay', 'notify', 'verify', '--h'])).toEqual(['--headers', '--help']);
    expect(bashCompletes(script, ['wxpay', 'certs', 'download', '-'])).toEqual(
      expect.arrayContaining(['-c', '--config', '-o', '--output', '--global', '-v', '--verbose']),
    );
    expect(bashCompletes(script, ['wxpay', 'payout', 'run', '--kind', ''])).toEqual([
      'redpack',
      'workwx',
      'pocket',
      'coupon',
      'transfer',
    ]);
    // A value after an option is not taken for a subcommand: `-c keys` does not enter `keys`.
    expect(bashCompletes(script, ['wxpay', 'xml', '--to', 'json', '--t'])).toEqual(['--to']);
    expect(bashCompletes(script, ['wxpay', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('zsh and fish: the same commands and options, in each shell’s own form', async () => {
    const zsh = await tool(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef wxpay\n/);
    expect(zsh.stdout).toContain("'notify verify')");
    expect(zsh.stdout).toContain("'verify-v2:verify a saved APIv2 notification'");
    expect(zsh.stdout).toContain('compdef _wxpay wxpay');
    const fish = await tool(['completion', 'fish']);
    expect(fish.code).toBe(0);
    expect(fish.stdout).toContain("complete -c wxpay -n '__wxpay_at \\'notify verify\\'' -l headers -r -F");
    expect(fish.stdout).toContain("-l kind -x -a 'redpack workwx pocket coupon transfer'");
  });

  it.runIf(spawnSync('zsh', ['--version']).status === 0)('zsh: the script parses', async () => {
    const file = join(dir, '_wxpay');
    writeFileSync(file, (await tool(['completion', 'zsh'])).stdout);
    expect(spawnSync('zsh', ['-n', file], { encoding: 'utf8' }).stderr).toBe('');
  });

  it.runIf(spawnSync('fish', ['--version']).status === 0)('fish: the script parses', async () => {
    const file = join(dir, 'wxpay.fish');
    writeFileSync(file, (await tool(['completion', 'fish'])).stdout);
    expect(spawnSync('fish', ['--no-execute', file], { encoding: 'utf8' }).stderr).toBe('');
  });

  it('refuses a shell it does not know (2)', async () => {
    const result = await tool(['completion', 'tcsh']);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toContain('Allowed choices are bash, zsh, fish');
  });
});

describe('--help of every tool command', () => {
  it.each([
    'sandbox',
    'sandbox config',
    'certs',
    'certs download',
    'certs show',
    'keys',
    'keys check',
    'notify',
    'notify verify',
    'notify verify-v2',
    'xml',
    'completion',
  ])('wxpay %s --help shows an example', async (command) => {
    const result = await tool([...command.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: wxpay ${command}`);
    const example = result.stdout.slice(result.stdout.search(/\nExamples?\b[^\n]*:\n/));
    expect(example).toMatch(/^ {2}\$ .*\bwxpay /m);
  });
});
