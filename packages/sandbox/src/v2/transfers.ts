// WeCom pay-to-staff (promotion/paywwsptrans2pocket): the product switch, the corp check, the real-name check, the
// documented limits (1 yuan minimum, 5000 yuan per payment and per person a day, the merchant's daily total, 10
// payments a person a day, 15 s between payments to one person), the balance debit, and re-entry by partner_trade_no.
// (workwx_sign is checked by the router, before any of this.) Sources: docs/endpoints.md, the payout's section.
import type { SandboxContext } from '../context.js';
import { newWechatNumber } from '../ids.js';
import { debit } from '../ledger.js';
import { v2RequestHash } from '../request-hash.js';
import type { MerchantRow, PocketPaymentRow } from '../store.js';
import { createNonce } from '../wire/nonce.js';
import { countPayment, dayTotals, lastPaidAt } from './daily-totals.js';
import { type Refusal, refuse } from './refusals.js';
import { limitsOf, type Outcome, replyTime, requiredField, succeed, type V2Request } from './reply.js';

/**
 * The rules' numbers as `merchant.config.settings` knobs, defaulting to the page's: WeChat lets a merchant change
 * several of them on the merchant platform. `payToStaffEnabled` 0 is a merchant without the product (NOAUTH).
 */
const limits = {
  enabled: { setting: 'payToStaffEnabled', fallback: 1 },
  minAmount: { setting: 'payToStaffMinAmount', fallback: 100 },
  maxAmount: { setting: 'payToStaffMaxAmount', fallback: 500_000 },
  userDailyAmount: { setting: 'payToStaffUserDailyAmount', fallback: 500_000 },
  userDailyCount: { setting: 'payToStaffUserDailyCount', fallback: 10 },
  merchantDailyAmount: { setting: 'payToStaffMerchantDailyAmount', fallback: 10_000_000 },
  intervalSeconds: { setting: 'payToStaffIntervalSeconds', fallback: 15 },
} as const;

export function payWwspTrans2Pocket(ctx: SandboxContext, { merchant, fields, now }: V2Request): Outcome {
  // The reply table marks nonce_str required (the reply is not signed, so nothing else would add one).
  const nonce = createNonce();
  return ctx.store.writeTransaction(() => {
    const mchid = merchant.mchid;
    const limit = limitsOf(merchant, limits);
    const refused = (refusal: Refusal): Outcome => refuse(refusal, { nonce_str: nonce });
    if (limit('enabled') === 0) {
      return refused({ code: 'NOAUTH', officialText: '没有权限', detail: 'mch_id has no WeCom pay-to-staff product' });
    }

    const partnerTradeNo = requiredField(fields, 'partner_trade_no');
    const hash = v2RequestHash(fields);
    const paid = ctx.store.pocketPayments.get({ mchid, partner_trade_no: partnerTradeNo });
    const reply = (record: Pick<PocketPaymentRow, 'payment_no' | 'payment_time'>): Outcome =>
      succeed({
        nonce_str: nonce,
        partner_trade_no: partnerTradeNo,
        payment_no: record.payment_no,
        payment_time: replyTime(record.payment_time),
      });
    if (paid !== undefined) {
      // Re-entry: same payment_no, no second debit, and no limit counted again.
      if (paid.request_hash === hash) return reply(paid);
      return refused({
        code: 'FATAL_ERROR',
        officialText: '两次请求参数不一致',
        detail: 'partner_trade_no was already used with other parameters: resend them unchanged, or use a new number',
      });
    }

    if (requiredField(fields, 'appid') !== merchant.config.workwx?.corpid) {
      return refused({
        code: 'WORKWX_MCHID_ERROR',
        officialText: '企业微信商户号和企业关系校验失败',
        detail: 'appid: not the WeCom corpid bound to mch_id',
      });
    }
    // One appid per user in the store, as for red packets: membership of the merchant is what is checked.
    const openid = requiredField(fields, 'openid');
    const user = ctx.store.users.get({ openid, mchid });
    if (user === undefined) {
      return refused({
        code: 'OPENID_ERROR',
        officialText: 'Openid错误',
        detail: 'openid is not a user of this merchant',
      });
    }
    if (fields.check_name === 'FORCE_CHECK' && user.name !== fields.re_user_name) {
      return refused({
        code: 'NAME_MISMATCH',
        officialText: '姓名校验出错',
        detail: 're_user_name does not match the real name of openid',
      });
    }

    const amount = Number(requiredField(fields, 'amount'));
    const overLimit = limitRefusal(ctx, merchant, openid, amount, now, limit);
    if (overLimit !== undefined) return refused(overLimit);

    if (!debit(ctx.store, mchid, amount, { reason: 'payout', reference: partnerTradeNo, at: now })) {
      return refused({
        code: 'NOTENOUGH',
        officialText: '余额不足',
        detail: 'merchant balance is too low: top up, then resend with the same partner_trade_no',
      });
    }
    // Written in the same transaction as the debit: a payment is recorded exactly when it was paid.
    const payment = {
      mchid,
      partner_trade_no: partnerTradeNo,
      openid,
      amount,
      payment_no: newWechatNumber('payout', now),
      payment_time: now,
      request_hash: hash,
    };
    ctx.store.pocketPayments.insert(payment);
    countPayment(ctx, 'payout', mchid, openid, amount, now);
    return reply(payment);
  });
}

/**
 * The first rule this payment would break. The WeCom page documents AMOUNT_LIMIT (below the minimum) and
 * SENDNUM_LIMIT; for the other limits it names no code, and the sandbox answers with the codes the same rules have
 * on 企业付款到零钱 (AMOUNT_LIMIT for one payment over the maximum, RECEIVED_MONEY_LIMIT, SEND_MONEY_LIMIT,
 * FREQ_LIMIT). Nothing is recorded on any of them, so the same partner_trade_no goes through once the limit allows.
 */
function limitRefusal(
  ctx: SandboxContext,
  merchant: MerchantRow,
  openid: string,
  amount: number,
  now: number,
  limit: (which: keyof typeof limits) => number,
): Refusal | undefined {
  if (amount < limit('minAmount')) {
    return {
      code: 'AMOUNT_LIMIT',
      officialText: '付款金额不能小于最低限额',
      detail: `amount: at least ${limit('minAmount')} fen`,
    };
  }
  if (amount > limit('maxAmount')) {
    return { code: 'AMOUNT_LIMIT', officialText: '金额超限', detail: `amount: at most ${limit('maxAmount')} fen` };
  }
  const { user, merchant: merchantTotal } = dayTotals(ctx, 'payout', merchant.mchid, openid, now);
  if (user.count >= limit('userDailyCount')) {
    return {
      code: 'SENDNUM_LIMIT',
      officialText: '用户今日付款次数超过限制',
      detail: `openid was already paid ${limit('userDailyCount')} times today: resend this partner_trade_no tomorrow`,
    };
  }
  if (user.fen + amount > limit('userDailyAmount')) {
    return {
      code: 'RECEIVED_MONEY_LIMIT',
      officialText: '已达到今日付款给此用户额度上限',
      detail: `openid may be paid at most ${limit('userDailyAmount')} fen a day`,
    };
  }
  if (merchantTotal.fen + amount > limit('merchantDailyAmount')) {
    return {
      code: 'SEND_MONEY_LIMIT',
      officialText: '已达到今日商户付款额度上限',
      detail: `mch_id may pay at most ${limit('merchantDailyAmount')} fen a day`,
    };
  }
  const last = lastPaidAt(ctx, 'payout', merchant.mchid, openid, now);
  if (last !== undefined && now - last < limit('intervalSeconds')) {
    return {
      code: 'FREQ_LIMIT',
      officialText: '超过频率限制，请稍后再试。',
      detail: `openid was paid ${now - last} s ago: payments to one person must be ${limit('intervalSeconds')} s apart`,
    };
  }
  return undefined;
}
