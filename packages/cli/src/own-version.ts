// The command's version, read from the package.json of the installed package (the one file that states it).
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = '@wxpay/cli';

/**
 * Walks up from the running script (through the symlink npm puts in `node_modules/.bin`) to this package's
 * package.json. Both builds (dist/esm, dist/cjs) sit under the package, so no path is assumed.
 */
export function ownVersion(script: string | undefined = process.argv[1]): string {
  if (script === undefined) return 'unknown';
  let dir: string;
  try {
    dir = dirname(realpathSync(script));
  } catch {
    return 'unknown';
  }
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // No package.json here (or the build's own {"type": ...} marker): keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
