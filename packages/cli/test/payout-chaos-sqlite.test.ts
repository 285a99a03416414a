// The payout chaos drill on a SQLite journal, for each kind: one `wxpay payout run` process killed with SIGKILL at
// random moments (at least 10 times) and restarted until it exits 0; every recipient is paid exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PayoutMerchant, startPayoutMerchant } from '../../payouts/test/support/sandbox-merchant.js';
import { chaosDrills, expectExactlyOnce, runChaos } from './chaos/chaos.js';

let m: PayoutMerchant;
beforeAll(async () => {
  m = await startPayoutMerchant(1000);
}, 120_000);
afterAll(() => m?.close());

describe.each(chaosDrills)('chaos on SQLite: $kind', ({ kind, recipients, refused }) => {
  it(`${recipients} recipients, faults, 10+ kills: exactly once`, { timeout: 240_000 }, async () => {
    const outcome = await runChaos({
      m,
      kind,
      journal: `${m.dir}/chaos-${kind}.db`,
      processes: 1,
      kills: 10,
      recipients,
    });
    expect(outcome.kills).toBeGreaterThanOrEqual(10);
    expect(outcome.rows).toHaveLength(recipients + refused);
    expectExactlyOnce(m, kind, outcome);
  });
});
