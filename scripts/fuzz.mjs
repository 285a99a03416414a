// The long property-test run: every SDK parser and verifier property with many inputs (>= 1,000,000 in all).
// Usage: npm run fuzz [-- <runs per property>]   (default 60000; `npm test` runs the same properties with 150)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runsPerProperty = process.argv[2] ?? '60000';
if (!/^[1-9][0-9]*$/.test(runsPerProperty)) {
  console.error(`runs per property must be a positive integer, not ${JSON.stringify(runsPerProperty)}`);
  process.exit(2);
}
const folder = mkdtempSync(join(tmpdir(), 'wxpay-fuzz-'));
const report = join(folder, 'inputs.txt');
const started = Date.now();
const run = spawnSync('npx', ['vitest', 'run', 'packages/sdk/test/properties'], {
  stdio: 'inherit',
  env: { ...process.env, WXPAY_FUZZ_RUNS: runsPerProperty, WXPAY_FUZZ_REPORT: report },
});
let inputs = 0;
try {
  for (const line of readFileSync(report, 'utf8').split('\n')) if (line) inputs += Number(line);
} catch {
  // No report: the run failed before any file finished.
}
rmSync(folder, { recursive: true, force: true });
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(
  `fuzz: ${inputs.toLocaleString('en-US')} generated inputs in ${minutes} min, ${run.status === 0 ? 'no failure' : 'FAILED'}`,
);
process.exit(run.status ?? 1);
