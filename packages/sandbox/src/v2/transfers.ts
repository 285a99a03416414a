// WeCom pay-to-staff (promotion/paywwsptrans2pocket): the real-name check, the balance debit, and re-entry by
// partner_trade_no. (workwx_sign is checked by the router, before any of this.)
import type { SandboxContext } from '../context.js';
import {
  debitBalance,
  fail,
  newWechatId,
  type Outcome,
  replyTime,
  requestHash,
  requiredField,
  succeed,
  type V2Request,
  writeTransaction,
} from './reply.js';

/** What a payment leaves behind: enough to answer a resend of the same request. */
interface PaymentRecord {
  hash: string;
  payment_no: string;
  /** Unix seconds, sandbox time. */
  payment_time: number;
}

/**
 * The store has no table for these payouts, so each lives under its own key in the store's key-value table, written
 * in the same transaction as the debit.
 */
const recordKey = (mchid: string, partnerTradeNo: string): string =>
  `v2.paywwsptrans2pocket.${mchid}.${partnerTradeNo}`;

export function payWwspTrans2Pocket(ctx: SandboxContext, { merchant, fields, now }: V2Request): Outcome {
  return writeTransaction(ctx, () => {
    const mchid = merchant.mchid;
    const partnerTradeNo = requiredField(fields, 'partner_trade_no');
    const key = recordKey(mchid, partnerTradeNo);
    const hash = requestHash(fields);
    const paid = readRecord(ctx.store.getKv(key));
    const reply = (record: PaymentRecord): Outcome =>
      succeed({
        partner_trade_no: partnerTradeNo,
        payment_no: record.payment_no,
        payment_time: replyTime(record.payment_time),
      });
    if (paid !== undefined) {
      // Re-entry: same payment_no, no second debit. Changed parameters under the same number have no documented code;
      // a PARAM_ERROR naming the field tells the caller to fix the request rather than retry it.
      if (paid.hash === hash) return reply(paid);
      return fail('PARAM_ERROR', 'partner_trade_no: already used with other parameters');
    }

    const appid = requiredField(fields, 'appid');
    if (appid !== merchant.config.workwx?.corpid) {
      return fail('PARAM_ERROR', 'appid: not the WeCom corpid bound to mch_id');
    }
    // One appid per user in the store, as for red packets: membership of the merchant is what is checked.
    const user = ctx.store.users.get({ openid: requiredField(fields, 'openid'), mchid });
    if (user === undefined) return fail('OPENID_ERROR', 'openid is not a user of this merchant');
    if (fields.check_name === 'FORCE_CHECK' && user.name !== fields.re_user_name) {
      return fail('NAME_MISMATCH', 're_user_name does not match the real name of openid');
    }
    if (!debitBalance(ctx, mchid, Number(requiredField(fields, 'amount')))) {
      return fail('NOTENOUGH', 'merchant balance is too low: top up, then resend with the same partner_trade_no');
    }
    const record: PaymentRecord = { hash, payment_no: newWechatId('1000018301', now), payment_time: now };
    ctx.store.setKv(key, JSON.stringify(record));
    return reply(record);
  });
}

function readRecord(stored: string | undefined): PaymentRecord | undefined {
  if (stored === undefined) return undefined;
  const value: unknown = JSON.parse(stored);
  if (
    typeof value === 'object' &&
    value !== null &&
    'hash' in value &&
    typeof value.hash === 'string' &&
    'payment_no' in value &&
    typeof value.payment_no === 'string' &&
    'payment_time' in value &&
    typeof value.payment_time === 'number'
  ) {
    return { hash: value.hash, payment_no: value.payment_no, payment_time: value.payment_time };
  }
  throw new Error(`damaged payout record in the store: ${stored.slice(0, 80)}`);
}
