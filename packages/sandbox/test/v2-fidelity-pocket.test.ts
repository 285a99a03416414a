// WeCom pay to staff (promotion/paywwsptrans2pocket) as its official page describes it, end to end through the SDK:
// the 1 yuan minimum, 5000 yuan per payment and per person a day, the merchant's daily total, 10 payments a person a
// day, 15 s between payments to one person, nonce_str in the reply, changed parameters, the corp check and the
// product switch. Facts cited from docs/endpoints.md#mmpaymkttransferspromotionpaywwsptrans2pocket--wecom-pay-to-staff.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PayWwspTrans2PocketRequest, ResultOutcome, Wxpay, WxpayResultError } from 'wxpay';
import type { Sandbox } from '../src/index.js';
import { startNextChinaDay } from './support/china-day.js';
import { expectResultError, numberSequence, startTestSandbox, type TestSandbox } from './support/fixtures.js';

const MCH = '10000092';
const CORPID = 'ww92929292929292';
/** A merchant with WeCom payment but without the pay-to-staff product. */
const NO_PRODUCT = '10000090';
const staff = [
  { openid: 'oxTWIuGaIt6gTKsQRLau2M0y92A', name: '张三', appid: CORPID },
  { openid: 'oxTWIuGaIt6gTKsQRLau2M0y92B', name: '李四', appid: CORPID },
  { openid: 'oxTWIuGaIt6gTKsQRLau2M0y92C', name: '王五', appid: CORPID },
] as const;
const [ZHANG, LI, WANG] = staff;
/** The merchant's daily total, lowered from 100000 yuan so a test reaches it: 10000 yuan. */
const MERCHANT_DAILY = 1_000_000;

let world: TestSandbox;
let sandbox: Sandbox;
let wxpay: Wxpay;
let noProduct: Wxpay;

beforeAll(async () => {
  world = await startTestSandbox();
  sandbox = world.sandbox;
  wxpay = world.client(
    await sandbox.admin.createMerchant({
      mchid: MCH,
      workwxCorpid: CORPID,
      balance: 100_000_000,
      users: [...staff],
      settings: { payToStaffMerchantDailyAmount: MERCHANT_DAILY },
    }),
  );
  noProduct = world.client(
    await sandbox.admin.createMerchant({
      mchid: NO_PRODUCT,
      workwxCorpid: 'ww90909090909090',
      users: [{ openid: 'oxTWIuGaIt6gTKsQRLau2M0y90A', name: '赵六', appid: 'ww90909090909090' }],
      settings: { payToStaffEnabled: 0 },
    }),
  );
});

afterAll(async () => {
  await world?.close();
});

const tradeNo = numberSequence(`${MCH}T`);

function payment(
  person: { openid: string; name: string },
  amount: number,
  overrides: Partial<PayWwspTrans2PocketRequest> = {},
): PayWwspTrans2PocketRequest {
  return {
    appid: CORPID,
    partner_trade_no: tradeNo(),
    openid: person.openid,
    check_name: 'FORCE_CHECK',
    re_user_name: person.name,
    amount,
    desc: '六月出差报销费用',
    spbill_create_ip: '10.2.3.10',
    ww_msg_type: 'NORMAL_MSG',
    act_name: '出差报销',
    ...overrides,
  };
}

const pay = (xml: PayWwspTrans2PocketRequest, via: Wxpay = wxpay) =>
  via.v2.mmpaymkttransfers.promotion.paywwsptrans2pocket.post({ xml });

/** Lets the 15 s between two payments to one person pass. */
const wait15s = () => sandbox.admin.advanceClock(15_000);

async function refusal(call: PromiseLike<unknown>, code: string, outcome: ResultOutcome): Promise<WxpayResultError> {
  const error = await expectResultError(call, code, outcome);
  expect(error.returnCode).toBe('SUCCESS');
  // The reply table marks nonce_str required whenever return_code is SUCCESS.
  expect(error.data.nonce_str).toMatch(/^[0-9A-Za-z]{32}$/);
  return error;
}

const balance = () => sandbox.admin.balance(MCH).balance;

describe('paywwsptrans2pocket: the amounts', () => {
  it('refuses less than 1 yuan with AMOUNT_LIMIT ("付款金额不能小于最低限额"), and more than 5000 yuan a payment', async () => {
    await startNextChinaDay(sandbox);
    const before = balance();
    const low = await refusal(pay(payment(ZHANG, 99)), 'AMOUNT_LIMIT', 'fix');
    expect(low.returnMsg).toBe('付款金额不能小于最低限额');
    expect(low.errCodeDes).toMatch(/^amount: at least 100 fen/);
    const high = await refusal(pay(payment(ZHANG, 500_001)), 'AMOUNT_LIMIT', 'fix');
    expect(high.errCodeDes).toMatch(/^amount: at most 500000 fen/);
    expect(balance()).toBe(before);
    await pay(payment(ZHANG, 100));
  });

  it('pays one person at most 5000 yuan a day (RECEIVED_MONEY_LIMIT, retry the same number tomorrow)', async () => {
    await startNextChinaDay(sandbox);
    await pay(payment(LI, 300_000));
    await wait15s();
    const over = payment(LI, 200_001);
    const error = await refusal(pay(over), 'RECEIVED_MONEY_LIMIT', 'retry');
    expect(error.returnMsg).toBe('已达到今日付款给此用户额度上限');
    await pay(payment(LI, 200_000));

    await startNextChinaDay(sandbox);
    const paid = await pay(over);
    expect(paid.partner_trade_no).toBe(over.partner_trade_no);
  });

  it('pays at most the merchant’s daily total (SEND_MONEY_LIMIT, retry)', async () => {
    await startNextChinaDay(sandbox);
    await pay(payment(ZHANG, 500_000));
    await pay(payment(LI, 400_000));
    const error = await refusal(pay(payment(WANG, 100_100)), 'SEND_MONEY_LIMIT', 'retry');
    expect(error.returnMsg).toBe('已达到今日商户付款额度上限');
    expect(error.errCodeDes).toMatch(new RegExp(`${MERCHANT_DAILY} fen a day`));
    await pay(payment(WANG, 100_000));
  });
});

describe('paywwsptrans2pocket: how often', () => {
  it('pays one person 10 times a day; the 11th is SENDNUM_LIMIT and goes through with the same number tomorrow', async () => {
    await startNextChinaDay(sandbox);
    for (let i = 0; i < 10; i++) {
      await pay(payment(WANG, 100));
      await wait15s();
    }
    const eleventh = payment(WANG, 100);
    const error = await refusal(pay(eleventh), 'SENDNUM_LIMIT', 'retry');
    expect(error.returnMsg).toBe('用户今日付款次数超过限制');
    // "如果要继续付款必须使用原商户订单号重试"
    await startNextChinaDay(sandbox);
    expect((await pay(eleventh)).partner_trade_no).toBe(eleventh.partner_trade_no);
  });

  it('wants 15 s between payments to one person (FREQ_LIMIT, retry the same number)', async () => {
    await startNextChinaDay(sandbox);
    await pay(payment(ZHANG, 100));
    const soon = payment(ZHANG, 100);
    const error = await refusal(pay(soon), 'FREQ_LIMIT', 'retry');
    expect(error.errCodeDes).toMatch(/15 s apart/);
    // Another person may be paid meanwhile.
    await pay(payment(LI, 100));
    await sandbox.admin.advanceClock(14_000);
    await refusal(pay(soon), 'FREQ_LIMIT', 'retry');
    await sandbox.admin.advanceClock(1_000);
    expect((await pay(soon)).partner_trade_no).toBe(soon.partner_trade_no);
  });
});

describe('paywwsptrans2pocket: the reply and the request', () => {
  it('replies with nonce_str, appid, mch_id, payment_no and payment_time', async () => {
    await startNextChinaDay(sandbox);
    const request = payment(ZHANG, 1234, { device_info: '013467007045764' });
    const paid = await pay(request);
    expect(paid).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      appid: CORPID,
      mch_id: MCH,
      device_info: '013467007045764',
      partner_trade_no: request.partner_trade_no,
    });
    expect(paid.nonce_str).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(paid.payment_no).toMatch(/^\d+$/);
    expect(paid.payment_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('answers a changed request under a used partner_trade_no with FATAL_ERROR (final), paying nothing', async () => {
    await startNextChinaDay(sandbox);
    const first = payment(LI, 500);
    const paid = await pay(first);
    const before = balance();
    const error = await refusal(pay({ ...first, amount: 600 }), 'FATAL_ERROR', 'final');
    expect(error.returnMsg).toBe('两次请求参数不一致');
    expect(balance()).toBe(before);
    // The unchanged resend is a re-entry, answered at once (no 15 s wait, no second count).
    expect((await pay(first)).payment_no).toBe(paid.payment_no);
  });

  it('answers a corp id that is not the merchant’s with WORKWX_MCHID_ERROR (fix)', async () => {
    const error = await refusal(pay(payment(ZHANG, 100, { appid: 'ww00000000000000' })), 'WORKWX_MCHID_ERROR', 'fix');
    expect(error.returnMsg).toBe('企业微信商户号和企业关系校验失败');
  });

  it('answers a merchant without the product with NOAUTH (final)', async () => {
    const request = payment({ openid: 'oxTWIuGaIt6gTKsQRLau2M0y90A', name: '赵六' }, 100, {
      appid: 'ww90909090909090',
      partner_trade_no: `${NO_PRODUCT}T0000000001`,
    });
    const error = await refusal(pay(request, noProduct), 'NOAUTH', 'final');
    expect(error.returnMsg).toBe('没有权限');
  });
});
