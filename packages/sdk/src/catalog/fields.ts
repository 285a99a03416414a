// Pieces shared by the APIv2 catalogue files (field rules, error outcomes, reply shapes), so each fact is written once.
import type { ResultOutcome } from '../errors.js';
import { ruleText } from './rules.js';
import type { CrossFieldRule, FieldSpec } from './types.js';

/** An optional string of at most `maxLength` characters (the "≤ n" of docs/endpoints.md). */
export const optionalText = (maxLength: number): FieldSpec => ({ maxLength });

/** A required string of at most `maxLength` characters. */
export const requiredText = (maxLength: number): FieldSpec => ({ required: true, maxLength });

/** A required money amount: a positive integer number of fen. */
export const amountFen: FieldSpec = { required: true, integer: { min: 1 } };

/** Fields the pipeline fills when absent (random nonce, signature, merchant id from the client option): never required. */
export const pipelineFilledFields = {
  nonce_str: optionalText(32),
  sign: optionalText(32),
  mch_id: optionalText(32),
} satisfies Record<string, FieldSpec>;

/** Request fields the pipeline fills when absent. */
export interface PipelineFilledRequest {
  nonce_str?: string;
  sign?: string;
  mch_id?: string;
}

/**
 * The result layers of a reply the client resolves with. The pipeline throws WxpayResultError when `return_code` or
 * `result_code` is FAIL, so a resolved reply is a successful one; `err_code` may still be present (e.g. `SUCCESS`).
 */
export interface V2Reply {
  return_code: 'SUCCESS';
  return_msg?: string;
  result_code: 'SUCCESS';
  err_code?: string;
  err_code_des?: string;
}

/** A reply from an endpoint that signs its replies (already verified when the client resolves). */
export interface SignedV2Reply extends V2Reply {
  sign: string;
}

/** Maps each code to the same outcome; keeps the error tables short and readable. */
export function outcomes(outcome: ResultOutcome, codes: readonly string[]): Record<string, ResultOutcome> {
  return Object.fromEntries(codes.map((code) => [code, outcome]));
}

/** Errors that mean the request itself (certificate, signature, XML, a field) is wrong. */
export const requestErrors = outcomes('fix', ['CA_ERROR', 'SIGN_ERROR', 'XML_ERROR', 'PARAM_ERROR']);

// ---- red packets (normal and WeCom) ----

/** Letters and digits only: the charset of the business numbers that make a resend a re-entry. */
export const lettersAndDigits = { re: /^[0-9A-Za-z]+$/, name: ruleText.charset('[0-9A-Za-z]') };

/** The merchant's red packet number: the idempotency key, so its format is checked before anything is sent. */
export const mchBillno: FieldSpec = { required: true, maxLength: 28, pattern: lettersAndDigits };

export const sceneIds = [
  'PRODUCT_1',
  'PRODUCT_2',
  'PRODUCT_3',
  'PRODUCT_4',
  'PRODUCT_5',
  'PRODUCT_6',
  'PRODUCT_7',
  'PRODUCT_8',
] as const;
export type SceneId = (typeof sceneIds)[number];

/** Fields both red packet send endpoints (sendredpack, sendworkwxredpack) take, with the same limits. */
export const redpackSendFields = {
  mch_billno: mchBillno,
  wxappid: requiredText(32),
  re_openid: requiredText(32),
  total_amount: amountFen,
  wishing: requiredText(128),
  act_name: requiredText(32),
  remark: requiredText(256),
  scene_id: { maxLength: 32, enum: sceneIds },
} satisfies Record<string, FieldSpec>;

export interface RedpackSendRequest extends PipelineFilledRequest {
  mch_billno: string;
  wxappid: string;
  re_openid: string;
  /** Integer fen. Outside 100..20000 a `scene_id` is required. */
  total_amount: number;
  wishing: string;
  act_name: string;
  remark: string;
  scene_id?: SceneId;
}

/** Without a scene the default limits are 100..20000 fen; outside them WeChat Pay wants to know the scene. */
const defaultAmountRange = { min: 100, max: 20000 } as const;

export const sceneIdOutsideDefaultRange: CrossFieldRule = (fields) => {
  const amount = Number(fields.total_amount);
  const outside = amount < defaultAmountRange.min || amount > defaultAmountRange.max;
  return outside && !fields.scene_id
    ? {
        field: 'scene_id',
        rule: ruleText.requiredWhen(`total_amount < ${defaultAmountRange.min} or > ${defaultAmountRange.max}`),
      }
    : undefined;
};

/**
 * What a failed send means; docs/endpoints.md lists the same codes for both send endpoints. The daily limits
 * (SENDNUM_LIMIT: the user's packets today, RCVDAMOUNT_LIMIT: the user's amount today, SENDAMOUNT_LIMIT: the
 * merchant's amount today) send nothing and clear with the next China day or a raised limit, so the same billno may
 * be resent then: `retry`. MONEY_LIMIT (this packet's amount is outside the allowed range) will not pass as it is.
 */
export const redpackSendErrors: Readonly<Record<string, ResultOutcome>> = {
  ...requestErrors,
  ...outcomes('unknown', ['SYSTEMERROR', 'PROCESSING']),
  ...outcomes('retry', ['FREQ_LIMIT', 'NOTENOUGH', 'SENDNUM_LIMIT', 'RCVDAMOUNT_LIMIT', 'SENDAMOUNT_LIMIT']),
  ...outcomes('final', [
    'SEND_FAILED',
    'FATAL_ERROR',
    // sendredpack's table gives this text itself as the err_code of a resend whose amount changed.
    '金额和原始单参数不一致',
    'NO_AUTH',
    'MONEY_LIMIT',
    'ILLEGAL_APPID',
    'OPENID_ERROR',
    'MSGAPPID_ERROR',
    'ACCEPTMODE_ERROR',
    'API_METHOD_CLOSED',
  ]),
};

/** The echo a send reply carries (business failures echo the same fields). */
export interface RedpackSendReply extends V2Reply {
  mch_billno: string;
  mch_id: string;
  wxappid: string;
  re_openid: string;
  total_amount: string;
  /** WeChat's red packet id. */
  send_listid: string;
}

/** Fields both red packet queries take. */
export const redpackQueryFields = {
  mch_billno: mchBillno,
  appid: requiredText(32),
} satisfies Record<string, FieldSpec>;

export interface RedpackQueryRequest extends PipelineFilledRequest {
  mch_billno: string;
  appid: string;
}

/**
 * What a failed query means. A query never answers `final`: its failure says nothing about the packet, and `final`
 * would invite a resend under a new billno (a second payout). `NOT_FOUND` shortly after sending may be "still processing".
 */
export const redpackQueryErrors: Readonly<Record<string, ResultOutcome>> = {
  ...requestErrors,
  NO_AUTH: 'fix',
  FREQ_LIMIT: 'retry',
  ...outcomes('unknown', ['SYSTEMERROR', 'PSYSTEMERROR', 'NOT_FOUND']),
};

/** `RFUND_ING` is WeChat's spelling. */
export type RedpackStatus = 'SENDING' | 'SENT' | 'FAILED' | 'RECEIVED' | 'RFUND_ING' | 'REFUND';

/** The red packet record both queries return. */
export interface RedpackRecord extends V2Reply {
  mch_billno: string;
  mch_id: string;
  /** WeChat's red packet id (17+ digits: a string, never a number). */
  detail_id: string;
  status: RedpackStatus;
  total_amount: string;
  /** Why sending failed, when it did. */
  reason?: string;
  /** `yyyy-MM-dd HH:mm:ss`. */
  send_time: string;
  refund_time?: string;
  refund_amount?: string;
  wishing?: string;
  remark?: string;
  act_name?: string;
}
