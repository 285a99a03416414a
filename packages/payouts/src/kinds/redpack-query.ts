// Asking about a red packet (gethbinfo, queryworkwxredpack): what a query found, and its status for reconcile.
import { type Wxpay, WxpayResultError } from 'wxpay';
import type { QueryAnswer, Reconciled } from './kind.js';

/** Reads a red packet record: FAILED means the packet was never paid out; every other status means it was sent. */
function readRecord(data: Readonly<Record<string, unknown>>): QueryAnswer {
  const status = String(data.status ?? '');
  if (status === 'FAILED') {
    return { state: 'failed', code: 'FAILED', message: String(data.reason ?? 'the red packet failed to send') };
  }
  return { state: 'sent', wxId: String(data.detail_id ?? ''), status };
}

/** Which query, and what it takes beside the billno and appid (gethbinfo wants `bill_type`). */
export interface RedpackQuery {
  path: string;
  extra: Readonly<Record<string, string>>;
}

async function fetchRecord(
  wxpay: Wxpay,
  query: RedpackQuery,
  number: string,
  appid: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const xml = { ...query.extra, mch_billno: number, appid };
    return (await wxpay.chain(query.path).post({ xml })) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof WxpayResultError && error.errCode === 'NOT_FOUND') return undefined;
    throw error;
  }
}

export async function queryRedpack(
  wxpay: Wxpay,
  query: RedpackQuery,
  number: string,
  appid: string,
): Promise<QueryAnswer> {
  const data = await fetchRecord(wxpay, query, number, appid);
  return data === undefined ? { state: 'not-found' } : readRecord(data);
}

export async function reconcileRedpack(
  wxpay: Wxpay,
  query: RedpackQuery,
  number: string,
  appid: string,
): Promise<Reconciled | undefined> {
  const data = await fetchRecord(wxpay, query, number, appid);
  if (data === undefined) return undefined;
  const refund = data.refund_amount === undefined ? undefined : Number(data.refund_amount);
  return { status: String(data.status ?? ''), ...(refund !== undefined && { refundAmount: refund }) };
}
