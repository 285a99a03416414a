// The README's runnable example pays its three recipients once, also when run twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '@wxpay/sandbox';
import { expect, it } from 'vitest';
import { Wxpay } from 'wxpay';
import { payLanternBatch } from '../../../examples/payout-batch.js';

it('examples/payout-batch.ts pays each recipient once, also when run again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxpay-example-test-'));
  const sandbox = await startSandbox({ dataDir: ':memory:' });
  const wxpay = new Wxpay(sandbox.merchantConfig('10000098'));
  try {
    const first = await payLanternBatch(wxpay, dir);
    expect(first.result).toMatchObject({ batchId: 'lantern-2027', complete: true });
    expect(first.rows.map((r) => [r.amount, r.state])).toEqual([
      [188, 'sent'],
      [288, 'sent'],
      [388, 'sent'],
    ]);
    const second = await payLanternBatch(wxpay, dir);
    expect(second.rows).toEqual(first.rows);
    expect(sandbox.admin.redpacks({ mchid: '10000098' })).toHaveLength(3);
  } finally {
    await wxpay.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
