// Reconcile: asks WeChat Pay about every sent row of a batch and records its status now (RECEIVED, REFUND with the
// amount given back, a coupon's state), so a report shows what was actually received.
import type { Wxpay } from 'wxpay';
import { PayoutConfigError } from './errors.js';
import { allRows } from './journal/all-rows.js';
import type { Journal } from './journal/journal.js';
import { storedBatch } from './journal/stored-batch.js';
import { payoutKinds } from './kinds/index.js';
import type { PayoutKindName, RowData } from './kinds/kind.js';
import { Pacer } from './pacer.js';

export interface ReconcileOptions {
  wxpay: Wxpay;
  journal: Journal;
  batchId: string;
  /** Queries a second (default 30). */
  rate?: number;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number) => void;
  now?: () => number;
}

export interface ReconcileResult {
  batchId: string;
  /** Sent rows whose status was recorded. */
  reconciled: number;
  /** Sent rows whose query failed (run again), with the first error. */
  failed: number;
  firstError: string | undefined;
  /** Rows by status after reconcile. */
  byStatus: Record<string, number>;
}

const PAGE = 500;

export async function reconcileBatch(options: ReconcileOptions): Promise<ReconcileResult> {
  const { journal, batchId, wxpay } = options;
  const { settings } = await storedBatch(journal, batchId);
  const kind = payoutKinds[settings.kind as PayoutKindName];
  if (kind === undefined) throw new PayoutConfigError(`batch ${batchId} has an unknown kind ${settings.kind}`);
  if (wxpay.toJSON().mchid !== settings.mchid) {
    throw new PayoutConfigError(`batch ${batchId} was paid by merchant ${settings.mchid}: use that merchant's config`);
  }
  const now = options.now ?? Date.now;
  const pacer = new Pacer({ rate: options.rate ?? 30, now });
  const result: ReconcileResult = { batchId, reconciled: 0, failed: 0, firstError: undefined, byStatus: {} };
  const reconcile = kind.reconcile;
  // The workers take the sent rows one at a time from one stream of pages.
  const rows = allRows(journal, batchId, 'sent', PAGE);
  const work = async () => {
    for (let next = await rows.next(); !next.done; next = await rows.next()) {
      if (options.signal?.aborted) return;
      const row = next.value;
      let status = row.status;
      if (reconcile) {
        if (!(await pacer.take(options.signal))) return;
        try {
          const found = await reconcile(wxpay, JSON.parse(row.data) as RowData, settings, row.number, row.wxId ?? '');
          if (found) {
            await journal.reconcile(batchId, row.row, found.status, found.refundAmount ?? null, now());
            status = found.status;
            result.reconciled++;
          }
        } catch (error) {
          result.failed++;
          result.firstError ??= `row ${row.row}: ${error instanceof Error ? error.message : String(error)}`;
        }
      } else {
        result.reconciled++;
      }
      const key = status ?? 'UNKNOWN';
      result.byStatus[key] = (result.byStatus[key] ?? 0) + 1;
      options.onProgress?.(result.reconciled + result.failed);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, work));
  return result;
}
