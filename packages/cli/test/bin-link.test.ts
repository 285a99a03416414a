// After `npm install` at the repository root, `npx wxpay` is this package's command (the workspace bin link).
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

it('links node_modules/.bin/wxpay to the committed entry point, which runs the build', () => {
  const link = realpathSync(`${root}node_modules/.bin/wxpay`);
  expect(link).toBe(realpathSync(fileURLToPath(new URL('../bin/wxpay.js', import.meta.url))));
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const out = execFileSync('npx', ['--no-install', 'wxpay', '--version'], { cwd: root, encoding: 'utf8' });
  expect(out.trim()).toBe(version);
});
