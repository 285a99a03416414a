// Where a command writes: results to stdout, progress and messages to stderr, -v details to stderr as well.
import type { Writable } from 'node:stream';

export interface CommandIO {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  verbose: boolean;
}

/** A message for the person at the terminal (stderr, so stdout stays the command's output). */
export function say(io: CommandIO, line: string): void {
  io.stderr.write(`${line}\n`);
}

/** A detail shown with -v only. Never given a secret: callers pass ids, paths and which credentials are set. */
export function detail(io: CommandIO, line: string): void {
  if (io.verbose) io.stderr.write(`wxpay: ${line}\n`);
}
