// WeCom (企业微信) payouts (APIv2): sendworkwxredpack, queryworkwxredpack and paywwsptrans2pocket.
import {
  amountFen,
  optionalText,
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

export interface SendWorkwxRedpackResponse extends RedpackSendReply, SignedV2Reply {
  sender_name?: string;
  sender_header_media_id?: string;
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
  openid: string;
  amount: string;
  rcv_time: string;
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
    appid: requiredText(32),
    device_info: optionalText(32),
    partner_trade_no: requiredText(32),
    openid: requiredText(64),
    check_name: { required: true, enum: ['NO_CHECK', 'FORCE_CHECK'] },
    amount: amountFen,
    desc: { required: true },
    spbill_create_ip: { required: true },
    workwx_sign: workwxSign,
    ww_msg_type: { required: true, enum: ['NORMAL_MSG', 'APPROVAL_MSG'] },
    act_name: { required: true },
    agentid: { integer: {} },
  },
  crossRules: [
    requiredWhenEquals('re_user_name', 'check_name', 'FORCE_CHECK'),
    requiredWhenEquals('approval_number', 'ww_msg_type', 'APPROVAL_MSG'),
    requiredWhenEquals('approval_type', 'ww_msg_type', 'APPROVAL_MSG'),
  ],
  // docs/endpoints.md lists only the generic codes for this endpoint; the rest stay `unknown`.
  errors: { ...requestErrors, SYSTEMERROR: 'unknown', FREQ_LIMIT: 'retry', NOTENOUGH: 'retry' },
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
  partner_trade_no: string;
  payment_no: string;
  payment_time: string;
}
