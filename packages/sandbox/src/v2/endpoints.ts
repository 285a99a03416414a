// The sandbox's own view of every APIv2 endpoint it serves: whether it needs the client certificate, whether its
// replies are signed, the `workwx_sign` subset, and the documented field rules. Written from docs/endpoints.md and
// docs/protocol.md, never taken from the SDK's catalogue: a mistake there must not be mirrored here.
import { ruleText } from '../rule-text.js';
import { type CrossFieldRule, type FieldRule, notTogether, requiredWhenEquals } from './field-rules.js';

export interface V2Endpoint {
  /** The request must present the merchant API certificate (else CA_ERROR). */
  readonly clientCert: boolean;
  /** Successful replies carry a `sign` (docs/protocol.md, "Unsigned APIv2 replies" lists those that do not). */
  readonly signedReply: boolean;
  /** The fields `workwx_sign` covers, on WeCom endpoints (docs/protocol.md, "WeCom workwx_sign"). */
  readonly workwxFields?: readonly string[];
  /** Checked in this order; the first broken rule is the answer. */
  readonly fields: Readonly<Record<string, FieldRule>>;
  readonly crossRules: readonly CrossFieldRule[];
}

const upTo = (maxLength: number): FieldRule => ({ maxLength });
const required = (maxLength?: number): FieldRule =>
  maxLength === undefined ? { required: true } : { required: true, maxLength };
const lettersAndDigits = { re: /^[0-9A-Za-z]+$/, characters: '[0-9A-Za-z]' };

/** What every request carries besides its own fields. A request without `nonce_str` is malformed. */
const envelope = { nonce_str: required(32), sign: upTo(32), mch_id: upTo(32) } satisfies Record<string, FieldRule>;

// ---- red packets, normal and WeCom

const mchBillno: FieldRule = { required: true, maxLength: 28, charset: lettersAndDigits };
/** 1..499900 fen (4999 yuan, the documented ceiling for a packet sent with a scene). */
const packetAmount: FieldRule = { required: true, integer: { min: 1, max: 499_900 } };
const sceneIds = Array.from({ length: 8 }, (_, i) => `PRODUCT_${i + 1}`);

/** Without a scene, a packet is 100..20000 fen; outside that range `scene_id` is required. */
const sceneIdOutsideDefaultRange: CrossFieldRule = (fields) => {
  const amount = Number(fields.total_amount);
  return (amount < 100 || amount > 20_000) && !fields.scene_id
    ? { field: 'scene_id', rule: ruleText.requiredWhen('total_amount < 100 or > 20000') }
    : undefined;
};

const packetFields = {
  mch_billno: mchBillno,
  wxappid: required(32),
  re_openid: required(32),
  total_amount: packetAmount,
  wishing: required(128),
  act_name: required(32),
  remark: required(256),
  scene_id: { maxLength: 32, oneOf: sceneIds },
} satisfies Record<string, FieldRule>;

const packetQueryFields = { mch_billno: mchBillno, appid: required(32) } satisfies Record<string, FieldRule>;

// ---- coupons

const couponFields = {
  appid: required(32),
  op_user_id: upTo(32),
  device_info: upTo(32),
  version: { oneOf: ['1.0'] },
  type: { oneOf: ['XML'] },
} satisfies Record<string, FieldRule>;

/** By name below `/mmpaymkttransfers/`. */
const endpoints: ReadonlyMap<string, V2Endpoint> = new Map<string, V2Endpoint>([
  [
    'sendredpack',
    {
      clientCert: true,
      signedReply: false,
      fields: {
        ...envelope,
        ...packetFields,
        send_name: required(32),
        total_num: { required: true, integer: { min: 1, max: 1 } },
        client_ip: { required: true, maxLength: 15, ipv4: true },
        risk_info: upTo(128),
        consume_mch_id: upTo(32),
      },
      crossRules: [sceneIdOutsideDefaultRange],
    },
  ],
  [
    'gethbinfo',
    {
      clientCert: true,
      signedReply: false,
      fields: { ...envelope, ...packetQueryFields, bill_type: { required: true, oneOf: ['MCHT'] } },
      crossRules: [],
    },
  ],
  [
    'sendworkwxredpack',
    {
      clientCert: true,
      signedReply: true,
      workwxFields: ['act_name', 'mch_billno', 'mch_id', 'nonce_str', 're_openid', 'total_amount', 'wxappid'],
      fields: {
        ...envelope,
        ...packetFields,
        sender_name: upTo(128),
        agentid: { integer: {} },
        sender_header_media_id: upTo(128),
        workwx_sign: upTo(32),
      },
      crossRules: [sceneIdOutsideDefaultRange, notTogether('sender_name', 'agentid')],
    },
  ],
  [
    'queryworkwxredpack',
    { clientCert: true, signedReply: true, fields: { ...envelope, ...packetQueryFields }, crossRules: [] },
  ],
  [
    // Lengths as the official field table gives them (https://developer.work.weixin.qq.com/document/path/90278).
    'promotion/paywwsptrans2pocket',
    {
      clientCert: true,
      signedReply: false,
      workwxFields: ['amount', 'appid', 'desc', 'mch_id', 'nonce_str', 'openid', 'partner_trade_no', 'ww_msg_type'],
      fields: {
        ...envelope,
        // The WeCom corpid; the official table allows 128 characters.
        appid: required(128),
        device_info: upTo(32),
        partner_trade_no: { required: true, maxLength: 32, charset: lettersAndDigits },
        openid: required(64),
        check_name: { required: true, oneOf: ['NO_CHECK', 'FORCE_CHECK'] },
        re_user_name: upTo(64),
        amount: { required: true, integer: { min: 1 } },
        desc: required(81),
        spbill_create_ip: required(32),
        workwx_sign: upTo(128),
        ww_msg_type: { required: true, oneOf: ['NORMAL_MSG', 'APPROVAL_MSG'] },
        approval_number: {},
        approval_type: { integer: { min: 1, max: 1 } },
        act_name: required(50),
        agentid: { integer: {} },
      },
      crossRules: [
        requiredWhenEquals('re_user_name', 'check_name', 'FORCE_CHECK'),
        requiredWhenEquals('approval_number', 'ww_msg_type', 'APPROVAL_MSG'),
        requiredWhenEquals('approval_type', 'ww_msg_type', 'APPROVAL_MSG'),
      ],
    },
  ],
  [
    'query_coupon_stock',
    {
      clientCert: false,
      signedReply: true,
      fields: { ...envelope, ...couponFields, coupon_stock_id: required() },
      crossRules: [],
    },
  ],
  [
    'send_coupon',
    {
      clientCert: true,
      signedReply: true,
      fields: {
        ...envelope,
        ...couponFields,
        coupon_stock_id: required(),
        openid_count: { required: true, integer: { min: 1, max: 1 } },
        partner_trade_no: required(),
        // No `required` here: an empty openid is answered by the handler, per openid (OPEN_ID_EMPTY, ret_code FAILED,
        // coupon_id ""), as the send_coupon table documents, not as a PARAM_ERROR of the whole request.
        openid: {},
      },
      crossRules: [],
    },
  ],
  [
    'querycouponsinfo',
    {
      clientCert: false,
      signedReply: true,
      fields: { ...envelope, ...couponFields, coupon_id: required(), openid: required(), stock_id: required() },
      crossRules: [],
    },
  ],
]);

/** The endpoint served at `/mmpaymkttransfers/<name>`, or undefined. */
export function v2Endpoint(name: string): V2Endpoint | undefined {
  return endpoints.get(name);
}
