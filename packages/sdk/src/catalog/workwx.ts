// WeCom (企业微信) payouts (APIv2): sendworkwxredpack, queryworkwxredpack and paywwsptrans2pocket.
import {
  amountFen,
  lettersAndDigits,
  optionalText,
  outcomes,
  type PipelineFilledRequest,
  pipelineFilledFields,
  type RedpackQueryRequest,
  type RedpackRecord,
  type RedpackSendReply,
  type RedpackSendRequest,
  redpackQueryErrors,
  redpackQueryFields,
  redpackSendErrors,
  redpackSendFields,
  requestErrors,
  requiredText,
  type SignedV2Reply,
  sceneIdOutsideDefaultRange,
  type V2Reply,
} from './fields.js';
import { mutuallyExclusive, requiredWhenEquals } from './rules.js';
import type { V2EndpointMeta } from './types.js';

/** Filled by the pipeline (MD5 over `workwxFields` + the WeCom payment secret), like `sign`. */
const workwxSign = optionalText(32);

export const sendWorkwxRedpackEndpoint: V2EndpointMeta = {
  path: 'v2/mmpaymkttransfers/sendworkwxredpack',
  cert: true,
  signTypes: ['MD5'],
  workwxFields: ['act_name', 'mch_billno', 'mch_id', 'nonce_str', 're_openid', 'total_amount', 'wxappid'],
  idempotencyKey: 'mch_billno',
  merchantField: 'mch_id',
  fields: {
    ...pipelineFilledFields,
    ...redpackSendFields,
    sender_name: optionalText(128),
    agentid: { integer: {} },
    sender_header_media_id: optionalText(128),
    workwx_sign: workwxSign,
  },
  crossRules: [sceneIdOutsideDefaultRange, mutuallyExclusive('sender_name', 'agentid')],
  // NO_COMPETENCE: the WeCom app or merchant lacks the capability; resending this billno cannot succeed.
  errors: { ...redpackSendErrors, NO_COMPETENCE: 'final' },
};

export interface SendWorkwxRedpackRequest extends RedpackSendRequest {
  /** The WeCom corpid. */
  wxappid: string;
  /** Exclusive with `agentid`. */
  sender_name?: string;
  /** The WeCom app that sends; exclusive with `sender_name`. */
  agentid?: number;
  sender_header_media_id?: string;
  workwx_sign?: string;
}

/** The table marks both sender fields required: with `agentid` they describe the sending app. */
export interface SendWorkwxRedpackResponse extends RedpackSendReply, SignedV2Reply {
  sender_name: string;
  sender_header_media_id: string;
}

export const queryWorkwxRedpackEndpoint: V2EndpointMeta = {
  path: 'v2/mmpaymkttransfers/queryworkwxredpack',
  cert: true,
  signTypes: ['MD5'],
  merchantField: 'mch_id',
  fields: { ...pipelineFilledFields, ...redpackQueryFields },
  errors: redpackQueryErrors,
};

export type QueryWorkwxRedpackRequest = RedpackQueryRequest;

export interface QueryWorkwxRedpackResponse extends RedpackRecord, SignedV2Reply {
  send_type: 'API';
  /** The recipient. */
  openid: string;
  amount: string;
  /** `yyyy-MM-dd HH:mm:ss`; the table marks it required, but a packet not yet opened has no receipt time. */
  rcv_time?: string;
  sender_name: string;
  sender_header_media_id?: string;
}

export const payWwspTrans2PocketEndpoint: V2EndpointMeta = {
  path: 'v2/mmpaymkttransfers/promotion/paywwsptrans2pocket',
  cert: true,
  signTypes: ['MD5'],
  workwxFields: ['amount', 'appid', 'desc', 'mch_id', 'nonce_str', 'openid', 'partner_trade_no', 'ww_msg_type'],
  idempotencyKey: 'partner_trade_no',
  merchantField: 'mch_id',
  fields: {
    ...pipelineFilledFields,
    // Lengths from the official field table (docs/endpoints.md, pay to staff): the corp id may be 128 characters.
    appid: requiredText(128),
    device_info: optionalText(32),
    partner_trade_no: { ...requiredText(32), pattern: lettersAndDigits },
    openid: requiredText(64),
    check_name: { required: true, enum: ['NO_CHECK', 'FORCE_CHECK'] },
    re_user_name: optionalText(64),
    amount: amountFen,
    desc: requiredText(81),
    spbill_create_ip: requiredText(32),
    workwx_sign: optionalText(128),
    ww_msg_type: { required: true, enum: ['NORMAL_MSG', 'APPROVAL_MSG'] },
    approval_type: { integer: { min: 1, max: 1 } },
    act_name: requiredText(50),
    agentid: { integer: {} },
  },
  crossRules: [
    requiredWhenEquals('re_user_name', 'check_name', 'FORCE_CHECK'),
    requiredWhenEquals('approval_number', 'ww_msg_type', 'APPROVAL_MSG'),
    requiredWhenEquals('approval_type', 'ww_msg_type', 'APPROVAL_MSG'),
  ],
  // docs/endpoints.md, the payout's table. Limits that clear with the next day or a raised limit are `retry` (the
  // page: "如果要继续付款必须使用原商户订单号重试"); a request the page says to correct is `fix`.
  errors: {
    ...requestErrors,
    SYSTEMERROR: 'unknown',
    ...outcomes('retry', ['FREQ_LIMIT', 'NOTENOUGH', 'SENDNUM_LIMIT', 'RECEIVED_MONEY_LIMIT', 'SEND_MONEY_LIMIT']),
    ...outcomes('fix', [
      'AMOUNT_LIMIT',
      'OPENID_ERROR',
      'NAME_MISMATCH',
      'WORKWX_SIGN_ERROR',
      'WORKWX_MCHID_ERROR',
      'HTTP_METHOD_ERROR',
    ]),
    ...outcomes('final', ['FATAL_ERROR', 'NOAUTH', 'V2_ACCOUNT_SIMPLE_BAN']),
  },
};

export interface PayWwspTrans2PocketRequest extends PipelineFilledRequest {
  appid: string;
  device_info?: string;
  partner_trade_no: string;
  openid: string;
  check_name: 'NO_CHECK' | 'FORCE_CHECK';
  /** Required with `FORCE_CHECK`. */
  re_user_name?: string;
  /** Integer fen. */
  amount: number;
  desc: string;
  spbill_create_ip: string;
  workwx_sign?: string;
  ww_msg_type: 'NORMAL_MSG' | 'APPROVAL_MSG';
  /** Required with `APPROVAL_MSG`. */
  approval_number?: string;
  /** Required with `APPROVAL_MSG`. */
  approval_type?: string;
  act_name: string;
  agentid?: number;
}

export interface PayWwspTrans2PocketResponse extends V2Reply {
  /** The WeCom corpid. */
  appid: string;
  mch_id: string;
  device_info?: string;
  nonce_str: string;
  partner_trade_no: string;
  payment_no: string;
  payment_time: string;
}
