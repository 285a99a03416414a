// Business failures written the way WeChat Pay writes them: `return_msg` holds the official description of the code
// (the 错误描述 column of the endpoint's error table, docs/endpoints.md), `err_code_des` the sandbox's own account of
// what was wrong, which is what a developer reading the SDK's error message needs.
import { fail, type Outcome, type ReplyFields } from './reply.js';

/** A code, the endpoint's official text for it, and the sandbox's explanation. */
export interface Refusal {
  code: string;
  /** What the real service writes in `return_msg` for this code on this endpoint. */
  officialText: string;
  /** The sandbox's explanation, for `err_code_des`. */
  detail: string;
}

/**
 * The failure reply of `refusal`. `fields` are the endpoint's own failure fields (send_coupon's ret_code, the WeCom
 * payout's nonce_str, ...); `return_msg` rides along with them because the reply builder puts an outcome's fields
 * last, over its own defaults.
 */
export function refuse(refusal: Refusal, fields: ReplyFields = {}): Outcome {
  return fail(refusal.code, refusal.detail, { ...fields, return_msg: refusal.officialText });
}
