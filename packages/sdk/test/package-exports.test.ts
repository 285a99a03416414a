// The built package loads from the repository root both ways: require('wxpay') (CommonJS) and import('wxpay') (ESM).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const probe =
  'const t = m.Transformer.toObject("<xml><a>1</a></xml>").a; console.log(typeof m.Wxpay, t, typeof m.WxpayError);';

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

describe('package exports (after `npm install`, which builds)', () => {
  it('require("wxpay") gives the CommonJS build', () => {
    expect(run(['-e', `const m = require('wxpay'); ${probe}`])).toBe('function 1 function');
  });

  it('import("wxpay") gives the ESM build', () => {
    expect(run(['--input-type=module', '-e', `const m = await import('wxpay'); ${probe}`])).toBe('function 1 function');
  });

  it('both builds ship type declarations', () => {
    const types = run([
      '-e',
      "const p = require('wxpay/package.json'); console.log(p.exports['.'].import.types, p.exports['.'].require.types)",
    ]);
    expect(types).toBe('./dist/esm/index.d.ts ./dist/cjs/index.d.ts');
    expect(
      run([
        '-e',
        "console.log(require('fs').existsSync(require.resolve('wxpay').replace(/index\\.js$/, 'index.d.ts')))",
      ]),
    ).toBe('true');
  });
});
