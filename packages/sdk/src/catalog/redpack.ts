// Normal red packets (APIv2): sendredpack and gethbinfo — metadata, field rules and request/response types.
import {
  optionalText,
  pipelineFilledFields,
  type RedpackQueryRequest,
  type RedpackRecord,
  type RedpackSendReply,
  type RedpackSendRequest,
  redpackQueryErrors,
  redpackQueryFields,
  redpackSendErrors,
  redpackSendFields,
  requiredText,
  sceneIdOutsideDefaultRange,
} from './fields.js';
import type { V2EndpointMeta } from './types.js';

export const sendRedpackEndpoint: V2EndpointMeta = {
  path: 'v2/mmpaymkttransfers/sendredpack',
  cert: true,
  signTypes: ['MD5'],
  idempotencyKey: 'mch_billno',
  merchantField: 'mch_id',
  fields: {
    ...pipelineFilledFields,
    ...redpackSendFields,
    send_name: requiredText(32),
    total_num: { required: true, integer: { min: 1, max: 1 } },
    client_ip: { required: true, maxLength: 15, ipv4: true },
    risk_info: optionalText(128),
    consume_mch_id: optionalText(32),
  },
  crossRules: [sceneIdOutsideDefaultRange],
  errors: redpackSendErrors,
};

export interface SendRedpackRequest extends RedpackSendRequest {
  send_name: string;
  /** Must be 1. */
  total_num: number;
  /** IPv4 of the calling machine. */
  client_ip: string;
  /** URL-encoded `posttime=..&mobile=..&deviceid=..&clientversion=..`. */
  risk_info?: string;
  consume_mch_id?: string;
}

export type SendRedpackResponse = RedpackSendReply;

export const getHbInfoEndpoint: V2EndpointMeta = {
  path: 'v2/mmpaymkttransfers/gethbinfo',
  cert: true,
  signTypes: ['MD5'],
  merchantField: 'mch_id',
  fields: {
    ...pipelineFilledFields,
    ...redpackQueryFields,
    bill_type: { required: true, enum: ['MCHT'] },
  },
  errors: redpackQueryErrors,
};

export interface GetHbInfoRequest extends RedpackQueryRequest {
  /** Query by the merchant's billno. */
  bill_type: 'MCHT';
}

/** One receipt of a red packet. */
export interface HbInfo {
  openid: string;
  amount: string;
  rcv_time: string;
}

export interface GetHbInfoResponse extends RedpackRecord {
  send_type: 'API' | 'UPLOAD' | 'ACTIVITY';
  hb_type: 'NORMAL' | 'GROUP';
  total_num: string;
  /** XML repeats `hbinfo`, so one receipt parses as an object and several as an array. */
  hblist?: { hbinfo: HbInfo | HbInfo[] };
}
