// `wxpay payout report`: one record per row of a batch, streamed from the journal as one JSON array or as CSV.
import {
  batchStatus,
  type PayoutKindName,
  payoutIdNames,
  payoutKinds,
  type ReportRecord,
  reportRows,
} from '@wxpay/payouts';
import { csvLine } from '../csv-field.js';
import { UsageError } from '../errors.js';
import type { CommandIO } from '../io.js';
import { openJournalAt } from '../journal.js';
import { pacedWriter } from '../output.js';
import { chosenBatches } from './payout-batches.js';

export interface ReportFlags {
  journal: string;
  batch?: string;
  format: 'json' | 'csv';
}

/** Output is written in pieces of about this many characters: few writes, little memory. */
const CHUNK_CHARS = 64 * 1024;

export async function payoutReport(flags: ReportFlags, io: CommandIO): Promise<number> {
  const journal = await openJournalAt(flags.journal, { mustExist: true });
  try {
    const batches = await chosenBatches(journal, flags.batch);
    if (batches.length !== 1) {
      throw new UsageError(
        '--batch',
        batches.length === 0
          ? `no batches in ${journal.location}`
          : `required: the journal holds ${batches.length} batches (${batches.join(', ')})`,
      );
    }
    const batchId = batches[0] as string;
    const kind = (await batchStatus(journal, batchId)).kind as PayoutKindName;
    const idName = payoutIdNames[kind] ?? 'wx_id';
    // A kind that keeps part of the send's reply (a transfer's package_info, for the payee's confirmation) shows it.
    const detailName = payoutKinds[kind]?.detailName;
    const columns = ['row', 'openid', 'amount', 'billno', 'state', 'err_code', idName, 'status', 'refund_amount'];
    if (detailName !== undefined) columns.push(detailName);
    const record = (r: ReportRecord) => [
      r.row,
      r.openid,
      r.amount,
      r.billno,
      r.state,
      r.err_code,
      r.wx_id,
      r.status,
      r.refund_amount,
      ...(detailName === undefined ? [] : [r.detail]),
    ];
    const out = pacedWriter(io.stdout);
    let chunk = '';
    const emit = async (text: string) => {
      chunk += text;
      if (chunk.length >= CHUNK_CHARS) {
        const full = chunk;
        chunk = '';
        await out.write(full);
      }
    };
    if (flags.format === 'csv') {
      await emit(csvLine(columns));
      for await (const row of reportRows(journal, batchId)) await emit(csvLine(record(row)));
    } else {
      let first = true;
      await emit('[');
      for await (const row of reportRows(journal, batchId)) {
        const values = record(row);
        const object = Object.fromEntries(columns.map((name, i) => [name, values[i]]));
        await emit(`${first ? '\n' : ',\n'}${JSON.stringify(object)}`);
        first = false;
      }
      await emit(first ? ']\n' : '\n]\n');
    }
    if (chunk) await out.write(chunk);
    return 0;
  } finally {
    await journal.close();
  }
}
