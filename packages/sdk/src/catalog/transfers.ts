// APIv3 merchant transfers (商家转账, the current payout API; host api.mch): create a transfer bill the user confirms,
// query it by either number, cancel it before it is confirmed. Facts: docs/endpoints.md#apiv3-merchant-transfers.
import { bodyScope, type CodeLimits, jsonRuleText, paramsScope } from './json-rules.js';
import { ID_MAX } from './mainland-fields.js';
import { defineEndpoint, type V3CallParts } from './types.js';

/** `out_bill_no`: 1..32 digits and letters; the idempotency key of a transfer. */
const OUT_BILL_NO: CodeLimits = { min: 1, max: 32, charset: '[0-9A-Za-z]' };

/** Transfers of at least this many fen (2,000 yuan) must name the payee (`user_name`). */
export const USER_NAME_REQUIRED_FROM_FEN = 200_000;

/** One line of the scene report the transfer scene asks for, e.g. `{ info_type: '活动名称', info_content: '...' }`. */
export interface TransferSceneReportInfo {
  info_type: string;
  info_content: string;
}

export interface TransferBillRequest {
  appid: string;
  /** The idempotency key: resend the same number with the same fields, never a new one (a new one pays twice). */
  out_bill_no: string;
  /** The transfer scene the merchant was granted, e.g. `1000` (现金营销). */
  transfer_scene_id: string;
  /** The payee's openid under `appid`. */
  openid: string;
  /**
   * The payee's real name in PLAINTEXT: the SDK encrypts it (RSA-OAEP) with the WeChat Pay key the client trusts and
   * sends that key's id as `Wechatpay-Serial`. Required from 2,000 yuan (200 000 fen).
   */
  user_name?: string;
  /** Integer fen, at least 1. */
  transfer_amount: number;
  /** Up to 32 characters, shown to the payee. */
  transfer_remark: string;
  notify_url?: string;
  /** How the payee sees the reason for the money, from the scene's list. */
  user_recv_perception?: string;
  transfer_scene_report_infos: TransferSceneReportInfo[];
}

export type TransferBillState =
  | 'ACCEPTED'
  | 'PROCESSING'
  | 'WAIT_USER_CONFIRM'
  | 'TRANSFERING'
  | 'SUCCESS'
  | 'FAIL'
  | 'CANCELING'
  | 'CANCELLED';

/** The reply of a new transfer. With `WAIT_USER_CONFIRM`, hand `package_info` to the payee's confirmation page. */
export interface TransferBillCreated {
  out_bill_no: string;
  /** WeChat Pay's number of the transfer. */
  transfer_bill_no: string;
  /** RFC 3339. */
  create_time: string;
  state: TransferBillState;
  fail_reason?: string;
  /** The `package` of `wx.requestMerchantTransfer` / the APP and JSAPI confirmation calls. */
  package_info?: string;
}

/** A transfer as the queries return it (the last 30 days only). */
export interface TransferBill {
  mch_id: string;
  out_bill_no: string;
  transfer_bill_no: string;
  appid: string;
  state: TransferBillState;
  transfer_amount: number;
  transfer_remark: string;
  fail_reason?: string;
  openid?: string;
  /** Encrypted for the merchant: `wxpay.decrypt(user_name)`. */
  user_name?: string;
  create_time: string;
  update_time: string;
}

/** The reply of a cancel: accepted (`CANCELING`) or done (`CANCELLED`); query for the outcome. */
export interface TransferBillCancelled {
  out_bill_no: string;
  transfer_bill_no: string;
  state: TransferBillState;
  update_time: string;
}

/** Limits the pages do not state: generous, only to keep a value a string of sane size. */
const FREE_TEXT_MAX = 1024;

function createTransferRules({ json }: V3CallParts): void {
  const body = bodyScope(json);
  body.text('appid', ID_MAX);
  body.code('out_bill_no', OUT_BILL_NO);
  body.text('transfer_scene_id', 36);
  body.text('openid', 64);
  const amount = body.amount('transfer_amount');
  if (amount >= USER_NAME_REQUIRED_FROM_FEN) {
    body.text(
      'user_name',
      FREE_TEXT_MAX,
      jsonRuleText.requiredAtOrAbove(body.name('transfer_amount'), USER_NAME_REQUIRED_FROM_FEN),
    );
  } else {
    body.optionalText('user_name', FREE_TEXT_MAX);
  }
  body.text('transfer_remark', 32);
  body.notifyUrl('notify_url', true);
  body.optionalText('user_recv_perception', FREE_TEXT_MAX);
  for (const info of body.objects('transfer_scene_report_infos', 1)) {
    info.text('info_type', FREE_TEXT_MAX);
    info.text('info_content', FREE_TEXT_MAX);
  }
}

function outBillNoRules(parts: V3CallParts): void {
  paramsScope(parts).code('out_bill_no', OUT_BILL_NO);
}

function transferBillNoRules(parts: V3CallParts): void {
  paramsScope(parts).text('transfer_bill_no', 64);
}

export const createTransferBillEndpoint = defineEndpoint({
  path: 'v3/fund-app/mch-transfer/transfer-bills',
  verb: 'post',
  host: 'mainland',
  idempotencyKey: 'out_bill_no',
  sensitiveFields: ['user_name'],
  validate: createTransferRules,
});

export const transferBillByOutBillNoEndpoint = defineEndpoint({
  path: 'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}',
  verb: 'get',
  host: 'mainland',
  validate: outBillNoRules,
});

export const transferBillByNoEndpoint = defineEndpoint({
  path: 'v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}',
  verb: 'get',
  host: 'mainland',
  validate: transferBillNoRules,
});

export const cancelTransferBillEndpoint = defineEndpoint({
  path: 'v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel',
  verb: 'post',
  host: 'mainland',
  // Cancelling twice is harmless: a resend for the same bill is a re-entry.
  idempotencyKey: 'out_bill_no',
  validate: outBillNoRules,
});
