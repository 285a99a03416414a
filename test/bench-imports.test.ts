// The bench's modules can be imported without side effects: only the peer scripts the bench spawns (bench/*-server.ts)
// read their stdin, so a process importing the bench's constants or helpers never starts reading its own.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Imports `module` in a fresh Node process with stdin open; resolves with whether anything started reading stdin. */
function stdinReadAfterImporting(module: string): Promise<string> {
  const url = new URL(module, import.meta.url).href;
  const script = `await import(${JSON.stringify(url)}); process.stdout.write(String(process.stdin.readableFlowing)); process.exit(0);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`import of ${module} exited ${code}`))));
  });
}

describe('bench modules', () => {
  // readableFlowing stays null until something reads the stream (readline resumes it).
  it.each(['../bench/sandbox.ts', '../bench/payouts.ts', '../bench/payouts-rows.ts', '../bench/payouts-peer.ts'])(
    '%s does not read stdin when imported',
    async (module) => {
      expect(await stdinReadAfterImporting(module)).toBe('null');
    },
  );
});
