// The dashboard's static files (packages/sandbox/ui/: plain HTML, CSS and ES modules, no build step), found next to
// this module whether it runs from src/ (tests, tsx) or from dist/esm or dist/cjs, read once and served from memory.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const contentTypes: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

export interface StaticFile {
  contentType: string;
  body: string;
}

/** Every file of the ui folder by name; nothing else can be asked for (no paths, so no way out of the folder). */
export function loadStaticFiles(): ReadonlyMap<string, StaticFile> {
  const folder = uiFolder();
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(folder)) {
    const contentType = contentTypes[name.slice(name.lastIndexOf('.') + 1)];
    if (contentType !== undefined) files.set(name, { contentType, body: readFileSync(join(folder, name), 'utf8') });
  }
  return files;
}

/** packages/sandbox/ui: two folders up from src/ui, three from dist/esm/ui and dist/cjs/ui. */
function uiFolder(): string {
  let dir = thisModuleDir();
  for (let up = 0; up < 4; up++) {
    dir = dirname(dir);
    if (existsSync(join(dir, 'ui', 'index.html'))) return join(dir, 'ui');
  }
  throw new Error(`the dashboard's files (ui/index.html) are missing next to ${thisModuleDir()}`);
}

/**
 * The folder of this module. The same source is built as ESM (which has `import.meta`) and CommonJS (which has
 * `__dirname`), and neither syntax compiles in the other: V8's call site of this very function names the file in both.
 */
function thisModuleDir(): string {
  const original = Error.prepareStackTrace;
  let frames: unknown;
  try {
    Error.prepareStackTrace = (_error, callSites) => callSites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder);
    // Read here: V8 formats the stack on first read, with whatever prepareStackTrace is set then.
    frames = holder.stack;
  } finally {
    Error.prepareStackTrace = original;
  }
  const file = Array.isArray(frames) ? (frames[0] as NodeJS.CallSite | undefined)?.getFileName() : undefined;
  if (file === undefined || file === null) throw new Error('cannot tell where the sandbox dashboard module is');
  return dirname(file.startsWith('file:') ? fileURLToPath(file) : file);
}
