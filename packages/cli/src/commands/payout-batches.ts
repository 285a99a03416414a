// The batches a read command works on: the one --batch names, or every batch of the journal.
import type { Journal } from '@wxpay/payouts';
import { ConfigError } from '../errors.js';

export async function chosenBatches(journal: Journal, batch: string | undefined): Promise<string[]> {
  if (batch !== undefined) {
    if ((await journal.batch(batch)) === undefined) {
      const known = (await journal.batches()).map((b) => b.id);
      throw new ConfigError(
        '--batch',
        `no batch ${batch} in ${journal.location}${known.length > 0 ? ` (batches: ${known.join(', ')})` : ''}`,
      );
    }
    return [batch];
  }
  return (await journal.batches()).map((b) => b.id);
}
