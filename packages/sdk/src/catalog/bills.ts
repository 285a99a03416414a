// APIv3 mainland bills: apply for a trade bill or a fund-flow bill (a signed reply naming a download URL and the
// bill's hash). The download itself is unsigned and handled by `wxpay.downloadBill` (bills/download.ts).
// Facts: docs/endpoints.md#apiv3-mainland-bills and docs/protocol.md#apiv3-bill-downloads.
import { queryScope } from './json-rules.js';
import { ID_MAX } from './mainland-fields.js';
import { defineEndpoint, type V3CallParts } from './types.js';

export type TradeBillType = 'ALL' | 'SUCCESS' | 'REFUND';
export type FundAccountType = 'BASIC' | 'OPERATION' | 'FEES';
/** `GZIP`: the download is a gzip stream (the hash is still of the uncompressed bill). */
export type BillTarType = 'GZIP';

export interface TradeBillQuery {
  /** `yyyy-MM-dd`, within the last three months. */
  bill_date: string;
  /** Default `ALL`. */
  bill_type?: TradeBillType;
  tar_type?: BillTarType;
  /** Partner mode: one sub-merchant's bill instead of all of them. */
  sub_mchid?: string;
}

export interface FundFlowBillQuery {
  /** `yyyy-MM-dd`, within the last three months. */
  bill_date: string;
  /** Default `BASIC`. */
  account_type?: FundAccountType;
  tar_type?: BillTarType;
}

/** The reply of both applications: where to download the bill (for a short while) and what its hash must be. */
export interface BillReply {
  /** `SHA1`; any other value is refused by `downloadBill`. */
  hash_type: string;
  /** Hex digest of the uncompressed bill. */
  hash_value: string;
  /** e.g. `https://api.mch.weixin.qq.com/v3/billdownload/file?token=...`; valid for a short time. */
  download_url: string;
}

const tradeBillTypes: readonly TradeBillType[] = ['ALL', 'SUCCESS', 'REFUND'];
const fundAccountTypes: readonly FundAccountType[] = ['BASIC', 'OPERATION', 'FEES'];

function tradeBillRules(parts: V3CallParts): void {
  const query = queryScope(parts);
  query.date('bill_date');
  query.optionalOneOf('bill_type', tradeBillTypes);
  query.optionalOneOf('tar_type', ['GZIP']);
  query.optionalText('sub_mchid', ID_MAX);
}

function fundFlowBillRules(parts: V3CallParts): void {
  const query = queryScope(parts);
  query.date('bill_date');
  query.optionalOneOf('account_type', fundAccountTypes);
  query.optionalOneOf('tar_type', ['GZIP']);
}

export const tradeBillEndpoint = defineEndpoint({
  path: 'v3/bill/tradebill',
  verb: 'get',
  host: 'mainland',
  validate: tradeBillRules,
});

export const fundFlowBillEndpoint = defineEndpoint({
  path: 'v3/bill/fundflowbill',
  verb: 'get',
  host: 'mainland',
  validate: fundFlowBillRules,
});
