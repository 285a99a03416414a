// Builds the workspace package in the current directory twice: ESM (dist/esm) and CommonJS (dist/cjs).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
// A package that reports its own version (the SDK's User-Agent) reads it from package.json, never a literal of its own.
if (existsSync('src/version.ts')) {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  writeFileSync(
    'src/version.ts',
    "// The SDK's version, as package.json states it (rewritten by scripts/build-package.mjs; a test keeps the two equal).\n" +
      `export const SDK_VERSION = '${version}';\n`,
  );
}
for (const [config, type] of [
  ['tsconfig.esm.json', 'module'],
  ['tsconfig.cjs.json', 'commonjs'],
]) {
  execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
  const out = type === 'module' ? 'dist/esm' : 'dist/cjs';
  mkdirSync(out, { recursive: true });
  // Marks the folder's format so Node loads each build as what it is.
  writeFileSync(`${out}/package.json`, `${JSON.stringify({ type })}\n`);
}
// npm links a workspace's bins before `prepare` builds them, so the built files get their executable bit here.
const { bin } = JSON.parse(readFileSync('package.json', 'utf8'));
for (const path of Object.values(typeof bin === 'string' ? { main: bin } : (bin ?? {}))) {
  if (existsSync(path)) chmodSync(path, 0o755);
}
