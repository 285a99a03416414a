// `wxpay payout status`: where each batch stands, from the journal alone (no call to WeChat Pay).
import { type BatchStatus, batchStatus } from '@wxpay/payouts';
import { type CommandIO, say } from '../io.js';
import { openJournalAt } from '../journal.js';
import { money, yuan } from '../money.js';
import { chosenBatches } from './payout-batches.js';

export interface StatusFlags {
  journal: string;
  batch?: string;
  json?: boolean;
}

export async function payoutStatus(flags: StatusFlags, io: CommandIO): Promise<number> {
  const journal = await openJournalAt(flags.journal, { mustExist: true });
  try {
    const statuses: BatchStatus[] = [];
    for (const id of await chosenBatches(journal, flags.batch)) statuses.push(await batchStatus(journal, id));
    if (flags.json) {
      const records = statuses.map((s) => ({ ...s, complete: left(s) === 0, sentYuan: yuan(s.counts.sentAmount) }));
      io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    } else if (statuses.length === 0) {
      say(io, `no batches in ${journal.location}`);
    } else {
      io.stdout.write(statuses.map(describe).join('\n'));
    }
    return 0;
  } finally {
    await journal.close();
  }
}

function left(status: BatchStatus): number {
  return status.counts.pending + status.counts.sending + status.counts.unknown;
}

function describe(status: BatchStatus): string {
  const c = status.counts;
  const codes = Object.entries(c.byErrCode).sort(([, a], [, b]) => b - a);
  const lines = [
    `batch ${status.batchId} (${status.kind}, merchant ${status.mchid}, ${status.rows} rows, created ${status.createdAt})`,
    `  state:    sent ${c.sent}, failed ${c.failed}, pending ${c.pending}, sending ${c.sending}, unknown ${c.unknown}`,
    `  sent:     ${money(c.sentAmount)}`,
  ];
  if (codes.length > 0) lines.push(`  err_code: ${codes.map(([code, n]) => `${code} ${n}`).join(', ')}`);
  lines.push(left(status) === 0 ? '  complete' : `  ${left(status)} rows left: run the batch's command again`);
  return `${lines.join('\n')}\n`;
}
