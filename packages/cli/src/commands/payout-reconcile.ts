// `wxpay payout reconcile`: asks WeChat Pay what became of every sent row (received, refunded, ...) and records it.
import { batchStatus, type ReconcileResult, reconcileBatch } from '@wxpay/payouts';
import { type ConfigFlags, commandConfig } from '../command-config.js';
import { clientOf } from '../config-resolve.js';
import { ConfigError } from '../errors.js';
import { EXIT_OK, EXIT_TEMPFAIL } from '../exit-codes.js';
import { type CommandIO, detail, say } from '../io.js';
import { openJournalAt } from '../journal.js';
import { stopOnSignals } from '../signals.js';
import { chosenBatches } from './payout-batches.js';

export interface ReconcileFlags extends ConfigFlags {
  journal: string;
  batch?: string;
  rate?: number;
}

const PROGRESS_INTERVAL_MS = 5000;

export async function payoutReconcile(flags: ReconcileFlags, io: CommandIO): Promise<number> {
  const config = commandConfig(flags, io);
  const wxpay = clientOf(config);
  const mchid = wxpay.toJSON().mchid;
  detail(io, `client: ${JSON.stringify(wxpay.toJSON())}`);
  try {
    const journal = await openJournalAt(flags.journal, { mustExist: true });
    const stop = stopOnSignals((signal) => say(io, `\nwxpay: ${signal}: stopping after the queries in flight`));
    try {
      let exit = EXIT_OK;
      let done = 0;
      const ids = await chosenBatches(journal, flags.batch);
      for (const batchId of ids) {
        const status = await batchStatus(journal, batchId);
        // Without --batch, batches paid by another merchant are another config's to reconcile.
        if (flags.batch === undefined && status.mchid !== mchid) {
          say(io, `batch ${batchId}: skipped (paid by merchant ${status.mchid}, the config is merchant ${mchid})`);
          continue;
        }
        let last = Date.now();
        const result = await reconcileBatch({
          wxpay,
          journal,
          batchId,
          signal: stop.signal,
          ...(flags.rate !== undefined && { rate: flags.rate }),
          onProgress: (n) => {
            if (Date.now() - last < PROGRESS_INTERVAL_MS) return;
            last = Date.now();
            say(io, `${batchId}: ${n} of ${status.counts.sent} sent rows checked`);
          },
        });
        done++;
        io.stdout.write(`${describe(result, status.counts.sent)}\n`);
        if (result.failed > 0 || result.reconciled + result.failed < status.counts.sent) exit = EXIT_TEMPFAIL;
        if (stop.signal.aborted) break;
      }
      if (ids.length > 0 && done === 0 && !stop.signal.aborted) {
        throw new ConfigError('config', `no batch of merchant ${mchid} in ${journal.location}`, config.source);
      }
      if (ids.length === 0) say(io, `no batches in ${journal.location}`);
      return stop.signal.aborted ? EXIT_TEMPFAIL : exit;
    } finally {
      stop.dispose();
      await journal.close();
    }
  } finally {
    await wxpay.close();
  }
}

function describe(result: ReconcileResult, sent: number): string {
  const statuses = Object.entries(result.byStatus)
    .sort(([, a], [, b]) => b - a)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  const unchecked = sent - result.reconciled - result.failed;
  return (
    `batch ${result.batchId}: ${sent} sent rows, ${result.reconciled} reconciled` +
    (statuses ? ` (${statuses})` : '') +
    (result.failed > 0 ? `; ${result.failed} queries failed (first: ${result.firstError}): run again` : '') +
    (unchecked > 0 && result.failed === 0 ? `; ${unchecked} not checked: run again` : '')
  );
}
