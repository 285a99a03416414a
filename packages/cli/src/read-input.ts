// Input a command reads: a file named on the command line, or stdin until it ends.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './errors.js';

/** Reads a file named by `option`; a missing or unreadable file is the command line's mistake. */
export function readInputFile(path: string, option: string): Buffer {
  try {
    return readFileSync(resolve(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      option,
      code === 'ENOENT' ? `no such file: ${resolve(path)}` : `cannot read ${path} (${code})`,
    );
  }
}

/** Everything on stdin, as bytes (so a signature can be checked over exactly what was given). */
async function readStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** The named file, or stdin when there is none (or it is `-`). */
export function readFileOrStdin(path: string | undefined, option: string): Promise<Buffer> {
  return path === undefined || path === '-' ? readStdin() : Promise.resolve(readInputFile(path, option));
}
