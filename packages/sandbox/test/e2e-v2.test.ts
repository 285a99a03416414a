// End-to-end tests of the sandbox's APIv2 side through the wxpay SDK: every endpoint succeeding with realistic fields,
// every error code the sandbox implements surfacing as the right WxpayResultError (code and outcome), re-entry, and
// the life of a red packet as sandbox time moves on.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SendRedpackRequest,
  type SendWorkwxRedpackRequest,
  Transformer,
  type Wxpay,
  type WxpayOptions,
  type XmlObject,
} from 'wxpay';
import { DEFAULT_FAULTS } from '../src/faults.js';
import type { Sandbox } from '../src/index.js';
import { createNonce } from '../src/wire/nonce.js';
import { signV2 } from '../src/wire/v2-sign.js';
import {
  CORPID,
  COUPON_APPID,
  COUPON_STOCK,
  expectResultError,
  LI,
  MCH,
  nextBillno,
  REDPACK_APPID,
  redpack,
  sendCouponRequest,
  startTestSandbox,
  type TestSandbox,
  WANG,
  workwxRedpack,
  ZHANG,
} from './support/fixtures.js';
import { hasValidV2Sign } from './support/v2-replies.js';

/** A second merchant, created by the tests: its certificate is "another merchant's", it has no users and no WeCom. */
const OTHER_MCH = '10000099';
/** The seeded users of 10000098. 张三 gets the ordinary packets, 李四 the ones whose life is followed, 王五 the limits. */

const hourMs = 60 * 60 * 1000;
const dayMs = 24 * hourMs;
const chinaTime = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/**
 * The default 30 requests per second per merchant would trip on this file's bursts (eleven sends in a row, ...), so
 * the file runs with a high limit; the FREQ_LIMIT test lowers it and puts this back.
 */
const BASELINE_FAULTS = { ...DEFAULT_FAULTS, rateLimitPerSecond: 10_000 };

let world: TestSandbox;
let sandbox: Sandbox;
let wxpay: Wxpay;

beforeAll(async () => {
  world = await startTestSandbox({ rateLimitPerSecond: BASELINE_FAULTS.rateLimitPerSecond });
  sandbox = world.sandbox;
  await sandbox.admin.createMerchant({
    mchid: OTHER_MCH,
    name: 'second sandbox merchant',
    appids: { redpack: 'wx9999999999999999' },
  });
  wxpay = client();
});

afterAll(async () => {
  await world?.close();
});

// ---- Helpers.

/** A client of a sandbox merchant (10000098 by default), with some options replaced; closed after the file. */
function client(overrides: Partial<WxpayOptions> = {}, mchid = MCH): Wxpay {
  return world.client(mchid, overrides);
}

function sendRedpack(xml: SendRedpackRequest, via: Wxpay = wxpay) {
  return via.v2.mmpaymkttransfers.sendredpack.post({ xml });
}

function getHbInfo(mchBillno: string, appid = REDPACK_APPID, via: Wxpay = wxpay) {
  return via['v2/mmpaymkttransfers/gethbinfo'].post({
    xml: { mch_billno: mchBillno, mch_id: MCH, appid, bill_type: 'MCHT' },
  });
}

function sendWorkwxRedpack(xml: SendWorkwxRedpackRequest, via: Wxpay = wxpay) {
  return via.chain('v2/mmpaymkttransfers/sendworkwxredpack').post({ xml });
}

function queryWorkwxRedpack(mchBillno: string, via: Wxpay = wxpay) {
  return via.chain('v2/mmpaymkttransfers/queryworkwxredpack').post({
    xml: { mch_billno: mchBillno, mch_id: MCH, appid: CORPID },
  });
}

let tradeSequence = 0;
function nextTradeNo(): string {
  tradeSequence += 1;
  return `${MCH}T${String(tradeSequence).padStart(10, '0')}`;
}

function payToStaff(
  overrides: { partner_trade_no?: string; amount?: number; openid?: string; re_user_name?: string } = {},
  via: Wxpay = wxpay,
) {
  return via.v2.mmpaymkttransfers.promotion.paywwsptrans2pocket.post({
    xml: {
      appid: CORPID,
      mch_id: MCH,
      partner_trade_no: overrides.partner_trade_no ?? nextTradeNo(),
      openid: overrides.openid ?? ZHANG,
      check_name: 'FORCE_CHECK',
      re_user_name: overrides.re_user_name ?? '张三',
      amount: overrides.amount ?? 1000,
      desc: '六月出差报销',
      spbill_create_ip: '10.2.3.10',
      ww_msg_type: 'NORMAL_MSG',
      act_name: '出差报销',
    },
  });
}

function queryCouponStock(couponStockId = COUPON_STOCK) {
  return wxpay['v2/mmpaymkttransfers/query_coupon_stock'].post({
    xml: {
      coupon_stock_id: couponStockId,
      appid: COUPON_APPID,
      mch_id: MCH,
      op_user_id: MCH,
      version: '1.0',
      type: 'XML',
    },
  });
}

function sendCoupon(openid: string, couponStockId = COUPON_STOCK, partnerTradeNo = nextTradeNo()) {
  return wxpay.v2.mmpaymkttransfers.send_coupon.post({
    xml: sendCouponRequest(openid, {
      coupon_stock_id: couponStockId,
      partner_trade_no: partnerTradeNo,
      mch_id: MCH,
      op_user_id: MCH,
      version: '1.0',
      type: 'XML',
    }),
  });
}

function queryCouponsInfo(couponId: string, openid: string, stockId = COUPON_STOCK) {
  return wxpay.v2.mmpaymkttransfers.querycouponsinfo.post({
    xml: {
      coupon_id: couponId,
      openid,
      appid: COUPON_APPID,
      mch_id: MCH,
      stock_id: stockId,
      version: '1.0',
      type: 'XML',
    },
  });
}

/**
 * The admin API has no balance getter, but a top-up answers with the new balance. Each read tops up 1 fen; the fen
 * earlier reads added are subtracted, so two reads compare as if nobody had probed.
 */
let probedFen = 0;
function balance(): number {
  probedFen += 1;
  return sandbox.admin.topUp(MCH, 1).balance - probedFen;
}

function redpacksWithBillno(mchBillno: string) {
  return sandbox.admin.redpacks({ mchid: MCH }).filter((row) => row.mch_billno === mchBillno);
}

/** POSTs `body` as is to an APIv2 path, presenting 10000098's certificate: for what the SDK refuses to send. */
function rawPost(path: string, body: string): Promise<XmlObject> {
  const { merchant } = sandbox.merchantConfig(MCH);
  return new Promise((resolve, reject) => {
    const req = request(
      `${sandbox.url}${path}`,
      {
        method: 'POST',
        ca: sandbox.tls.ca,
        cert: merchant.cert,
        key: merchant.key,
        agent: false,
        headers: { 'content-type': 'text/xml; charset=utf-8' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            expect(res.statusCode).toBe(200);
            resolve(Transformer.toObject(Buffer.concat(chunks)));
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `fields` with a nonce and a correct MD5 `sign`, as XML. */
function signedXml(fields: Record<string, string>): string {
  const withNonce = { nonce_str: createNonce(), ...fields };
  return Transformer.toXml({ ...withNonce, sign: signV2(withNonce, sandbox.merchantConfig(MCH).secret, 'MD5') });
}

/** Asserts a reply of the router's own checks: return_code FAIL, unsigned; returns its description. */
function expectCommunicationFailure(reply: XmlObject, errCode: string): string {
  expect(reply).toMatchObject({ return_code: 'FAIL', err_code: errCode });
  expect(reply.sign).toBeUndefined();
  return String(reply.return_msg);
}

function expectBusinessFailure(reply: XmlObject, errCode: string): string {
  expect(reply).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: errCode });
  return String(reply.err_code_des);
}

// ---- The tests.

describe('every APIv2 endpoint works through the SDK', () => {
  it('sendredpack and gethbinfo: a normal red packet is sent and can be queried', async () => {
    const request = redpack({ scene_id: 'PRODUCT_8' });
    const sent = await sendRedpack(request);
    expect(sent).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      mch_billno: request.mch_billno,
      mch_id: MCH,
      wxappid: REDPACK_APPID,
      re_openid: ZHANG,
      total_amount: '1000',
    });
    expect(sent.send_listid).toMatch(/^\d{20,32}$/);

    const info = await getHbInfo(request.mch_billno);
    expect(info).toMatchObject({
      mch_billno: request.mch_billno,
      mch_id: MCH,
      status: 'SENT',
      send_type: 'API',
      hb_type: 'NORMAL',
      total_num: '1',
      total_amount: '1000',
      wishing: request.wishing,
      remark: request.remark,
      act_name: request.act_name,
    });
    expect(info.send_time).toMatch(chinaTime);
    expect(info.detail_id).toMatch(/^\d+$/);
    expect(info.hblist).toBeUndefined();
    expect(info.refund_time).toBeUndefined();
    // gethbinfo does not sign its replies.
    expect(info).not.toHaveProperty('sign');
  });

  it('sendworkwxredpack and queryworkwxredpack: both replies are signed and verified by the SDK', async () => {
    const request = workwxRedpack();
    const sent = await sendWorkwxRedpack(request);
    expect(sent).toMatchObject({
      mch_billno: request.mch_billno,
      mch_id: MCH,
      wxappid: CORPID,
      re_openid: ZHANG,
      total_amount: '1000',
      sender_name: 'XX活动',
    });
    expect(sent.send_listid).toMatch(/^\d+$/);

    const { data, response } = await queryWorkwxRedpack(request.mch_billno).withResponse();
    expect(data).toMatchObject({
      mch_billno: request.mch_billno,
      status: 'SENT',
      send_type: 'API',
      total_amount: '1000',
      sender_name: 'XX活动',
    });
    expect(data.send_time).toMatch(chinaTime);
    // The SDK resolved, so the sign verified; check the raw reply independently too, with the merchant's APIv2 key.
    const raw = Transformer.toObject(response.body);
    expect(raw.sign).toBe(data.sign);
    expect(hasValidV2Sign(raw, sandbox.merchantConfig(MCH).secret)).toBe(true);
    expect(hasValidV2Sign(raw, 'y'.repeat(32))).toBe(false);
  });

  it('promotion/paywwsptrans2pocket: pays a member of staff after the real-name check', async () => {
    const before = balance();
    const partnerTradeNo = nextTradeNo();
    const paid = await payToStaff({ partner_trade_no: partnerTradeNo, amount: 2345 });
    expect(paid).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', partner_trade_no: partnerTradeNo });
    expect(paid.payment_no).toMatch(/^\d+$/);
    expect(paid.payment_time).toMatch(chinaTime);
    // A resend of the same payout is a re-entry: the same payment, paid once.
    const again = await payToStaff({ partner_trade_no: partnerTradeNo, amount: 2345 });
    expect(again.payment_no).toBe(paid.payment_no);
    expect(balance()).toBe(before - 2345);
  });

  it('query_coupon_stock, send_coupon and querycouponsinfo: a coupon is sent from the seeded stock', async () => {
    const stock = await queryCouponStock();
    expect(stock).toMatchObject({
      coupon_stock_id: COUPON_STOCK,
      appid: COUPON_APPID,
      mch_id: MCH,
      coupon_value: '500',
      coupon_mininumn: '1000',
      coupon_stock_status: '4',
      coupon_total: '10000',
      max_quota: '1',
      is_send_num: '0',
      coupon_budget: '5000000',
    });
    // The coupon tables write times as yyyyMMddHHmmss (docs/endpoints.md#mmpaymkttransfersquery_coupon_stock--query-a-coupon-stock).
    expect(stock.begin_time).toMatch(/^\d{14}$/);
    expect(stock.end_time).toMatch(/^\d{14}$/);

    const openid = 'oCouponUser000000000000000001';
    const sent = await sendCoupon(openid);
    expect(sent).toMatchObject({
      coupon_stock_id: COUPON_STOCK,
      resp_count: '1',
      success_count: '1',
      failed_count: '0',
      openid,
      ret_code: 'SUCCESS',
    });
    const couponId = sent.coupon_id ?? '';
    expect(couponId).toMatch(/^\d+$/);

    expect((await queryCouponStock()).is_send_num).toBe('1');

    const coupon = await queryCouponsInfo(couponId, openid);
    expect(coupon).toMatchObject({
      coupon_stock_id: COUPON_STOCK,
      coupon_id: couponId,
      coupon_value: '500',
      coupon_state: '2',
      coupon_remain_value: '500',
    });
    expect(coupon.send_time).toMatch(/^\d{14}$/);
  });
});

describe('request errors: fix the request and resend', () => {
  it('CA_ERROR: another merchant certificate (no certificate at all is refused by the SDK)', async () => {
    const otherCertificate = client({ merchant: sandbox.merchantConfig(OTHER_MCH).merchant });
    const wrongCert = await expectResultError(sendRedpack(redpack(), otherCertificate), 'CA_ERROR', 'fix');
    expect(wrongCert.returnCode).toBe('FAIL');
    expect(wrongCert.returnMsg).toContain(OTHER_MCH);

    // Without a certificate the SDK refuses before sending (the sandbox's CA_ERROR for that case is in
    // e2e-raw-client.test.ts): asking for no certificate on an endpoint that needs one is a mistake.
    for (const call of [
      () => wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml: redpack(), security: false }),
      () =>
        wxpay.v2.mmpaymkttransfers.gethbinfo.post({
          xml: { mch_billno: nextBillno(), appid: REDPACK_APPID, bill_type: 'MCHT' },
          security: false,
        }),
    ]) {
      await expect(call()).rejects.toMatchObject({ name: 'ValidationError', field: 'security' });
    }
  });

  it('SIGN_ERROR: a client with the wrong APIv2 key', async () => {
    const wrongKey = client({ secret: 'x'.repeat(32) });
    const error = await expectResultError(sendRedpack(redpack(), wrongKey), 'SIGN_ERROR', 'fix');
    expect(error.returnCode).toBe('FAIL');
    // On a signed endpoint too (the failure is unsigned, which the SDK accepts for a failure).
    await expectResultError(
      wrongKey['v2/mmpaymkttransfers/query_coupon_stock'].post({
        xml: { coupon_stock_id: COUPON_STOCK, appid: COUPON_APPID },
      }),
      'SIGN_ERROR',
      'fix',
    );
  });

  it('XML_ERROR (red packets) and REQ_PARAM_XML_ERR (coupons): a body that is not an APIv2 document', async () => {
    const notXml = 'mch_id=10000098&total_amount=1000';
    expectCommunicationFailure(await rawPost('/mmpaymkttransfers/sendredpack', notXml), 'XML_ERROR');
    expectCommunicationFailure(
      await rawPost('/mmpaymkttransfers/gethbinfo', '<xml><mch_id>10000098</mch_id>'),
      'XML_ERROR',
    );
    expectCommunicationFailure(await rawPost('/mmpaymkttransfers/query_coupon_stock', notXml), 'REQ_PARAM_XML_ERR');
  });

  it('PARAM_ERROR names the field: a rule the SDK does not check, a missing field, a wrong appid, an unknown mch_id', async () => {
    // The SDK checks amounts as positive integers; the server caps a packet at 499900 fen.
    const tooMuch = await expectResultError(
      sendRedpack(redpack({ total_amount: 500_000, scene_id: 'PRODUCT_1' })),
      'PARAM_ERROR',
      'fix',
    );
    expect(tooMuch.errCodeDes).toMatch(/^total_amount: /);
    // Business failures echo the request.
    expect(tooMuch.data).toMatchObject({ mch_id: MCH, re_openid: ZHANG, total_amount: '500000' });

    const { wishing: _dropped, ...withoutWishing } = redpack();
    const fields = Object.fromEntries(Object.entries(withoutWishing).map(([name, value]) => [name, String(value)]));
    const missing = await rawPost('/mmpaymkttransfers/sendredpack', signedXml(fields));
    expect(expectBusinessFailure(missing, 'PARAM_ERROR')).toBe('wishing: required');

    const sent = await sendRedpack(redpack());
    const wrongAppid = await expectResultError(getHbInfo(sent.mch_billno, 'wx0000000000000000'), 'PARAM_ERROR', 'fix');
    expect(wrongAppid.errCodeDes).toMatch(/^appid: /);

    const unknownMerchant = client({ mchid: '10000097' });
    const noMerchant = await expectResultError(
      unknownMerchant.v2.mmpaymkttransfers.gethbinfo.post({
        xml: { mch_billno: sent.mch_billno, appid: REDPACK_APPID, bill_type: 'MCHT' },
      }),
      'PARAM_ERROR',
      'fix',
    );
    expect(noMerchant.returnMsg).toMatch(/^mch_id: /);
  });

  it('coupon endpoints have codes of their own for an empty merchant or stock id', async () => {
    const noMerchant = signedXml({ coupon_stock_id: COUPON_STOCK, appid: COUPON_APPID });
    expectCommunicationFailure(await rawPost('/mmpaymkttransfers/query_coupon_stock', noMerchant), 'MCH_ID_EMPTY');
    const noStock = signedXml({ mch_id: MCH, appid: COUPON_APPID });
    const reply = await rawPost('/mmpaymkttransfers/query_coupon_stock', noStock);
    // The coupon tables' description of the code (docs/endpoints.md#apiv2-coupons-代金券).
    expect(expectBusinessFailure(reply, 'COUPON_STOCK_ID_EMPTY')).toBe('批次ID为空');
  });
});

describe('sending rules of red packets', () => {
  it('re-entry: the same billno with the same fields gets the same send_listid and is paid once', async () => {
    const request = redpack({ total_amount: 1500 });
    const before = balance();
    const first = await sendRedpack(request);
    const second = await sendRedpack(request);
    expect(second.send_listid).toBe(first.send_listid);
    expect(balance()).toBe(before - 1500);
    expect(redpacksWithBillno(request.mch_billno)).toHaveLength(1);

    // The same billno with another amount is refused for good (sendredpack's own code for it, see
    // docs/endpoints.md#mmpaymkttransferssendredpack--send-a-normal-red-packet), and changes nothing.
    const changed = await expectResultError(
      sendRedpack({ ...request, total_amount: 1600 }),
      '金额和原始单参数不一致',
      'final',
    );
    expect(changed.data.mch_billno).toBe(request.mch_billno);
    expect(balance()).toBe(before - 1500);
    expect(redpacksWithBillno(request.mch_billno)[0]?.total_amount).toBe(1500);
  });

  it('FREQ_LIMIT (and send_coupon FREQ_OVER_LIMIT): retry later, and the same billno then goes through', async () => {
    const request = redpack();
    sandbox.admin.setFaults({ rateLimitPerSecond: 2 });
    try {
      // Fill this second's allowance; at most two of these get through.
      const queries = await Promise.allSettled([1, 2, 3, 4].map(() => queryCouponStock()));
      expect(queries.filter((settled) => settled.status === 'fulfilled').length).toBeLessThanOrEqual(2);
      await expectResultError(sendRedpack(request), 'FREQ_LIMIT', 'retry');
      await expectResultError(sendCoupon('oCouponUser000000000000000002'), 'FREQ_OVER_LIMIT', 'retry');
      await expectResultError(getHbInfo(request.mch_billno), 'FREQ_LIMIT', 'retry');
    } finally {
      sandbox.admin.setFaults(BASELINE_FAULTS);
    }
    expect(redpacksWithBillno(request.mch_billno)).toHaveLength(0);
    const sent = await sendRedpack(request);
    expect(redpacksWithBillno(request.mch_billno)[0]?.send_listid).toBe(sent.send_listid);
  });

  it('NOTENOUGH: nothing is recorded; after a top-up the same billno succeeds', async () => {
    // A merchant of its own with 500 fen: payouts now have daily limits, so draining 10000098 is no longer possible.
    const poor = '10000095';
    const appid = 'wx9595959595959595';
    const user = 'oxTWIuGaIt6gTKsQRLau2M0yL95A';
    await sandbox.admin.createMerchant({
      mchid: poor,
      balance: 500,
      appids: { redpack: appid },
      users: [{ openid: user }],
    });
    const via = client({}, poor);
    const request = redpack({ mch_id: poor, mch_billno: `${poor}202501010000000001`, wxappid: appid, re_openid: user });
    const error = await expectResultError(sendRedpack(request, via), 'NOTENOUGH', 'retry');
    expect(error.data).toMatchObject({ mch_billno: request.mch_billno, total_amount: '1000' });
    expect(sandbox.admin.redpacks({ mchid: poor })).toHaveLength(0);
    expect(sandbox.admin.balance(poor).balance).toBe(500);

    sandbox.admin.topUp(poor, 10_000_000);
    const sent = await sendRedpack(request, via);
    expect(sent.mch_billno).toBe(request.mch_billno);
    expect(sandbox.admin.redpacks({ mchid: poor })).toHaveLength(1);
    expect(sandbox.admin.balance(poor).balance).toBe(500 + 10_000_000 - 1000);
  });

  // The daily limits send nothing and clear the next day: the same billno may be resent then (retry). Their codes:
  // docs/endpoints.md#mmpaymkttransferssendredpack--send-a-normal-red-packet.
  it('SENDNUM_LIMIT: the 11th packet to one user in a day', async () => {
    for (let i = 0; i < 10; i++) await sendRedpack(redpack({ re_openid: WANG, total_amount: 100 }));
    const eleventh = redpack({ re_openid: WANG, total_amount: 100 });
    await expectResultError(sendRedpack(eleventh), 'SENDNUM_LIMIT', 'retry');
    expect(redpacksWithBillno(eleventh.mch_billno)).toHaveLength(0);
  });

  it('RCVDAMOUNT_LIMIT: more than 100000 fen to one user in a day', async () => {
    const request = redpack({ re_openid: LI, total_amount: 100_001, scene_id: 'PRODUCT_2' });
    await expectResultError(sendRedpack(request), 'RCVDAMOUNT_LIMIT', 'retry');
  });

  it('PARAM_ERROR and OPENID_ERROR: an appid not bound to the merchant, a user who is not its user', async () => {
    // "商户号和wxappid不匹配" is a PARAM_ERROR; ILLEGAL_APPID is for an APP's appid (v2-fidelity-redpack.test.ts).
    await expectResultError(sendRedpack(redpack({ wxappid: 'wx0000000000000000' })), 'PARAM_ERROR', 'fix');
    // The WeCom red packet must come from the merchant's corpid, not from its official account.
    await expectResultError(sendWorkwxRedpack(workwxRedpack({ wxappid: REDPACK_APPID })), 'PARAM_ERROR', 'fix');
    const stranger = 'oxTWIuGaIt6gTKsQRLau2M0yL16Z';
    const error = await expectResultError(sendRedpack(redpack({ re_openid: stranger })), 'OPENID_ERROR', 'final');
    expect(error.data.re_openid).toBe(stranger);
    // 张三 is a user of 10000098, not of 10000099.
    const other = client({}, OTHER_MCH);
    await expectResultError(
      sendRedpack(
        redpack({ mch_id: OTHER_MCH, mch_billno: `${OTHER_MCH}202501010000000001`, wxappid: 'wx9999999999999999' }),
        other,
      ),
      'OPENID_ERROR',
      'final',
    );
  });
});

describe('WeCom: workwx_sign and payouts', () => {
  it('SIGN_ERROR (WORKWX_SIGN_ERROR on pay to pocket) when workwx_sign is made with the wrong WeCom secret', async () => {
    const wrongSecret = client({ workwxSecret: 'w'.repeat(32) });
    const request = workwxRedpack();
    const error = await expectResultError(sendWorkwxRedpack(request, wrongSecret), 'SIGN_ERROR', 'fix');
    expect(error.returnMsg).toMatch(/^workwx_sign: /);
    // Pay to pocket's own table names the code: a business failure WORKWX_SIGN_ERROR (docs/endpoints.md, pay to staff).
    const pocket = await expectResultError(payToStaff({}, wrongSecret), 'WORKWX_SIGN_ERROR', 'fix');
    expect(pocket.returnCode).toBe('SUCCESS');
    expect(redpacksWithBillno(request.mch_billno)).toHaveLength(0);
  });

  it('NO_COMPETENCE: a merchant without WeCom payment', async () => {
    const other = client({ workwxSecret: 'w'.repeat(32) }, OTHER_MCH);
    const request = workwxRedpack({ mch_id: OTHER_MCH, mch_billno: `${OTHER_MCH}202501010000000002` });
    await expectResultError(sendWorkwxRedpack(request, other), 'NO_COMPETENCE', 'final');
  });

  it('payouts: NAME_MISMATCH, and FATAL_ERROR when partner_trade_no is reused with other fields', async () => {
    // docs/endpoints.md#mmpaymkttransferspromotionpaywwsptrans2pocket--wecom-pay-to-staff: fix the name; a changed
    // request under a used number is FATAL_ERROR. 李四, because 张三 was paid less than 15 s ago.
    await expectResultError(payToStaff({ openid: LI, re_user_name: '张三' }), 'NAME_MISMATCH', 'fix');
    const partnerTradeNo = nextTradeNo();
    await payToStaff({ partner_trade_no: partnerTradeNo, amount: 100, openid: LI, re_user_name: '李四' });
    const reused = await expectResultError(
      payToStaff({ partner_trade_no: partnerTradeNo, amount: 200, openid: LI, re_user_name: '李四' }),
      'FATAL_ERROR',
      'final',
    );
    expect(reused.errCodeDes).toMatch(/^partner_trade_no /);
  });
});

describe('coupons', () => {
  it('USER_AL_GET_COUPON past max_quota; a resend of the same partner_trade_no is the same coupon', async () => {
    const openid = 'oCouponUser000000000000000003';
    const partnerTradeNo = nextTradeNo();
    const before = Number((await queryCouponStock()).is_send_num);
    const first = await sendCoupon(openid, COUPON_STOCK, partnerTradeNo);
    const again = await sendCoupon(openid, COUPON_STOCK, partnerTradeNo);
    expect(again.coupon_id).toBe(first.coupon_id);
    expect((await queryCouponStock()).is_send_num).toBe(String(before + 1));

    const error = await expectResultError(sendCoupon(openid), 'USER_AL_GET_COUPON', 'final');
    expect(error.data).toMatchObject({ ret_code: 'FAILED', failed_count: '1', openid });
    expect((await queryCouponStock()).is_send_num).toBe(String(before + 1));
  });

  it('AL_STOCK_OVER once a small stock is sent out; its totals in query_coupon_stock', async () => {
    const stock = sandbox.admin.createCouponStock({
      mchid: MCH,
      name: '满20减1',
      value: 100,
      minimum: 2000,
      total: 2,
      max_quota: 0,
    });
    const id = stock.coupon_stock_id;
    await sendCoupon('oCouponUser000000000000000004', id);
    await sendCoupon('oCouponUser000000000000000004', id);
    await expectResultError(sendCoupon('oCouponUser000000000000000005', id), 'AL_STOCK_OVER', 'final');
    const queried = await queryCouponStock(id);
    expect(queried).toMatchObject({
      coupon_stock_id: id,
      coupon_name: '满20减1',
      coupon_value: '100',
      coupon_mininumn: '2000',
      coupon_stock_status: '4',
      coupon_total: '2',
      max_quota: '0',
      is_send_num: '2',
      coupon_budget: '200',
    });
  });

  it('STOCK_IS_NOT_VALID for a stock that is not activated', async () => {
    const stock = sandbox.admin.createCouponStock({ mchid: MCH, value: 100, total: 10, status: 1 });
    expect((await queryCouponStock(stock.coupon_stock_id)).coupon_stock_status).toBe('1');
    await expectResultError(
      sendCoupon('oCouponUser000000000000000006', stock.coupon_stock_id),
      'STOCK_IS_NOT_VALID',
      'final',
    );
  });

  it('COUPON_STOCK_NOT_FOUND, COUPON_STOCK_ID_NOT_VALID, and COUPON_NOT_FOUND for an unknown coupon', async () => {
    await expectResultError(queryCouponStock('99999999'), 'COUPON_STOCK_NOT_FOUND', 'fix');
    await expectResultError(queryCouponStock('17a57'), 'COUPON_STOCK_ID_NOT_VALID', 'fix');
    // querycouponsinfo's own code (docs/endpoints.md#mmpaymkttransfersquerycouponsinfo--query-one-coupon).
    await expectResultError(queryCouponsInfo('1000000001', 'oCouponUser000000000000000001'), 'COUPON_NOT_FOUND', 'fix');
  });
});

describe('the life of a red packet (moves sandbox time: keep last)', () => {
  it('NOT_FOUND for a billno never sent (outcome unknown: never a reason to switch billno)', async () => {
    await expectResultError(getHbInfo(nextBillno()), 'NOT_FOUND', 'unknown');
    await expectResultError(queryWorkwxRedpack(nextBillno()), 'NOT_FOUND', 'unknown');
  });

  it('SENT -> RECEIVED when opened; unopened -> RFUND_ING after 24 h -> REFUND after 25 h, credited once', async () => {
    const opened = redpack({ re_openid: LI, total_amount: 888 });
    const unopened = redpack({ re_openid: LI, total_amount: 777 });
    await sendRedpack(opened);
    await sendRedpack(unopened);

    sandbox.admin.openRedpack({ mchid: MCH, mch_billno: opened.mch_billno });
    const received = await getHbInfo(opened.mch_billno);
    expect(received.status).toBe('RECEIVED');
    // One receipt parses as an object, several as an array.
    const receipts = [received.hblist?.hbinfo ?? []].flat();
    expect(receipts).toEqual([{ openid: LI, amount: '888', rcv_time: expect.stringMatching(chinaTime) }]);

    await sandbox.admin.advanceClock(24 * hourMs);
    expect((await getHbInfo(unopened.mch_billno)).status).toBe('RFUND_ING');
    expect((await getHbInfo(opened.mch_billno)).status).toBe('RECEIVED');

    // Every packet of this file still unopened is refunding now, and will be refunded in the same hour.
    const refunding = sandbox.admin.redpacks({ mchid: MCH, status: 'RFUND_ING' });
    expect(refunding.map((row) => row.mch_billno)).toContain(unopened.mch_billno);
    const owed = refunding.reduce((sum, row) => sum + row.total_amount, 0);
    const before = balance();

    await sandbox.admin.advanceClock(hourMs);
    const refunded = await getHbInfo(unopened.mch_billno);
    expect(refunded).toMatchObject({ status: 'REFUND', refund_amount: '777' });
    expect(refunded.refund_time).toMatch(chinaTime);
    expect(balance()).toBe(before + owed);

    // Looking again, listing, and more time passing credit nothing more.
    await getHbInfo(unopened.mch_billno);
    sandbox.admin.redpacks();
    await sandbox.admin.advanceClock(hourMs);
    expect(balance()).toBe(before + owed);
    expect(sandbox.admin.redpacks({ mchid: MCH, status: 'RFUND_ING' })).toHaveLength(0);
  });

  it('NOT_FOUND for a packet sent more than 30 days ago (it is still in the sandbox)', async () => {
    const request = redpack({ re_openid: LI });
    await sendRedpack(request);
    expect((await getHbInfo(request.mch_billno)).status).toBe('SENT');
    await sandbox.admin.advanceClock(31 * dayMs);
    const error = await expectResultError(getHbInfo(request.mch_billno), 'NOT_FOUND', 'unknown');
    expect(error.errCodeDes).toContain('30 days');
    expect(redpacksWithBillno(request.mch_billno)[0]?.status).toBe('REFUND');
  });
});
