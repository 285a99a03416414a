// The payout chaos drill on a PostgreSQL journal, for each kind: four `wxpay payout run` processes on one batch at
// once, killed with SIGKILL at random moments (at least 10 kills in all) and restarted until each exits 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../payouts/test/support/postgres.js';
import { type PayoutMerchant, startPayoutMerchant } from '../../payouts/test/support/sandbox-merchant.js';
import { chaosDrills, expectExactlyOnce, runChaos } from './chaos/chaos.js';

let m: PayoutMerchant;
let postgres: TestPostgres;
beforeAll(async () => {
  [m, postgres] = await Promise.all([startPayoutMerchant(1000), startPostgres()]);
}, 180_000);
afterAll(async () => {
  await m?.close();
  await postgres?.stop();
});

describe.each(chaosDrills)('chaos on PostgreSQL, 4 processes: $kind', ({ kind, recipients, refused }) => {
  it(`${recipients} recipients, faults, 10+ kills: exactly once`, { timeout: 240_000 }, async () => {
    const journal = await postgres.createDatabase(`chaos_${kind}`);
    const outcome = await runChaos({ m, kind, journal, processes: 4, kills: 10, recipients });
    expect(outcome.kills).toBeGreaterThanOrEqual(10);
    expect(outcome.rows).toHaveLength(recipients + refused);
    expectExactlyOnce(m, kind, outcome);
  });
});
