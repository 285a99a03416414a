// A batch as the journal stored it, with its settings read back: what the commands after a run (status, report,
// reconcile) start from.
import { PayoutConfigError } from '../errors.js';
import type { BatchSettings } from '../kinds/kind.js';
import type { BatchRecord, Journal } from './journal.js';

export async function storedBatch(
  journal: Journal,
  batchId: string,
): Promise<{ batch: BatchRecord; settings: BatchSettings }> {
  const batch = await journal.batch(batchId);
  if (batch === undefined) throw new PayoutConfigError(`batch ${batchId} is not in the journal ${journal.location}`);
  return { batch, settings: JSON.parse(batch.settings) as BatchSettings };
}
