// Business failures written the way WeChat Pay writes them, which differs by family (docs/endpoints.md). Red packets
// and payouts: `return_msg` holds the official description of the code (the 错误描述 column of the endpoint's error
// table), `err_code_des` the sandbox's own account of what was wrong, which is what a developer reading the SDK's
// error message needs. Coupons: the tables give `return_msg` to communication errors only (返回信息，如非空，为通信错误原因)
// and their failure examples carry none; the description is in `err_code_des`.
import { fail, type Outcome, type ReplyFields } from './reply.js';

/** A code, the endpoint's official text for it, and the sandbox's explanation. */
export interface Refusal {
  code: string;
  /** The description the endpoint's error table gives the code; undefined where the table gives none. */
  officialText: string | undefined;
  /** The sandbox's explanation. */
  detail: string;
}

/** How an endpoint family fills `return_msg` and `err_code_des` on a business failure. */
export type RefusalStyle = 'payout' | 'coupon';

/**
 * The failure reply of `refusal`. `fields` are the endpoint's own failure fields (send_coupon's ret_code, the WeCom
 * payout's nonce_str, ...); `return_msg` rides along with them because the reply builder puts an outcome's fields
 * last, over its own defaults. A code without an official text keeps the sandbox's explanation in its place.
 */
export function refuse(refusal: Refusal, fields: ReplyFields = {}, style: RefusalStyle = 'payout'): Outcome {
  const { code, officialText, detail } = refusal;
  if (style === 'payout') return fail(code, detail, { ...fields, return_msg: officialText ?? detail });
  const noReturnMsg = { ...fields, return_msg: undefined };
  if (officialText === undefined) return fail(code, detail, noReturnMsg);
  // PARAM_ERROR's description promises the parameter (校验参数错误（会返回具体哪个参数错误）): it follows the text.
  return fail(code, code === 'PARAM_ERROR' ? `${officialText}: ${detail}` : officialText, noReturnMsg);
}
