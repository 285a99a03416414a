// The batch's report and status, read from the journal: one record per row, and counts by state and err_code.
import { allRows } from './journal/all-rows.js';
import type { Journal, StateCounts } from './journal/journal.js';
import { storedBatch } from './journal/stored-batch.js';

/** The name of WeChat Pay's id of a payout, by kind. */
export const payoutIdNames = {
  redpack: 'send_listid',
  workwx: 'send_listid',
  pocket: 'payment_no',
  coupon: 'coupon_id',
  transfer: 'transfer_bill_no',
} as const;

export interface ReportRecord {
  row: number;
  openid: string;
  amount: number;
  /** The business number (mch_billno / partner_trade_no). */
  billno: string;
  state: string;
  err_code: string | null;
  err_message: string | null;
  /** WeChat Pay's id of the payout (send_listid, payment_no, coupon_id or transfer_bill_no: see `payoutIdNames`). */
  wx_id: string | null;
  /** The status found by reconcile (or reported by the send). */
  status: string | null;
  refund_amount: number | null;
  /** What the merchant still needs from the send's reply, named by the kind's `detailName` (a transfer's package_info). */
  detail: string | null;
  attempts: number;
}

export interface BatchStatus {
  batchId: string;
  kind: string;
  mchid: string;
  rows: number;
  createdAt: string;
  counts: StateCounts;
}

export async function batchStatus(journal: Journal, batchId: string): Promise<BatchStatus> {
  const { batch, settings } = await storedBatch(journal, batchId);
  return {
    batchId,
    kind: settings.kind,
    mchid: settings.mchid,
    rows: batch.rowCount,
    createdAt: new Date(batch.createdAt).toISOString(),
    counts: await journal.counts(batchId),
  };
}

/** Every row of the batch in order, read page by page (a batch of any size in constant memory). */
export async function* reportRows(journal: Journal, batchId: string): AsyncGenerator<ReportRecord> {
  await storedBatch(journal, batchId);
  for await (const row of allRows(journal, batchId)) {
    yield {
      row: row.row,
      openid: row.openid,
      amount: row.amount,
      billno: row.number,
      state: row.state,
      err_code: row.errCode,
      err_message: row.errMessage,
      wx_id: row.wxId,
      status: row.status,
      refund_amount: row.refundAmount,
      detail: row.detail,
      attempts: row.attempts,
    };
  }
}
