// The sandbox is the other side of the wire: it must not share signing, verification or endpoint rules with the SDK
// it tests, or an SDK bug would hide behind a server making the same mistake. Of the SDK it may use the public
// `Transformer` (XML) and public error classes; `wxpay/internal` no longer exists.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sandboxSrc = fileURLToPath(new URL('../src', import.meta.url));
const sdkPackage = fileURLToPath(new URL('../../sdk/package.json', import.meta.url));
/** What the sandbox may take from `wxpay`: the XML codec and error classes (types of the same go with them). */
const allowedFromSdk = new Set(['Transformer', 'XmlObject', 'XmlValue', 'ValidationError']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every `import ... from 'wxpay...'` (and dynamic import or require of it) in a file: the module and the names. */
function sdkImports(text: string): { module: string; names: string[] }[] {
  const found: { module: string; names: string[] }[] = [];
  for (const match of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'(wxpay[^']*)'/g)) {
    const names = (match[2] ?? '')
      .split(',')
      .map(
        (name) =>
          name
            .replace(/^\s*type\s+/, '')
            .trim()
            .split(/\s+as\s+/)[0] ?? '',
      )
      .filter((name) => name !== '');
    found.push({ module: match[3] ?? '', names });
  }
  for (const match of text.matchAll(
    /(?:import\s+\*\s+as\s+\w+\s+from\s+|import\s*\(\s*|require\s*\(\s*)'(wxpay[^']*)'/g,
  )) {
    found.push({ module: match[1] ?? '', names: ['*'] });
  }
  return found;
}

describe('the sandbox shares no wire code with the SDK', () => {
  it('imports from wxpay only the public Transformer and error classes, never a subpath', () => {
    const offending: string[] = [];
    for (const file of sourceFiles(sandboxSrc)) {
      for (const { module, names } of sdkImports(readFileSync(file, 'utf8'))) {
        const bad = module !== 'wxpay' ? names : names.filter((name) => !allowedFromSdk.has(name));
        if (bad.length > 0) offending.push(`${relative(sandboxSrc, file)}: ${bad.join(', ')} from '${module}'`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('the SDK exports no internal entry point', () => {
    const { exports } = JSON.parse(readFileSync(sdkPackage, 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(exports).sort()).toEqual(['.', './package.json']);
    const require = createRequire(import.meta.url);
    expect(() => require.resolve('wxpay/internal')).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }),
    );
  });
});
