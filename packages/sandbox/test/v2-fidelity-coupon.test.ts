// The APIv2 coupon endpoints as their official tables describe them, through the SDK and a raw node:https client:
// every field the tables mark required, times as yyyyMMddHHmmss, another merchant's stock, an unknown coupon, and
// send_coupon's failure replies. Facts cited from docs/endpoints.md, the coupons' sections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultOutcome, Wxpay, WxpayResultError } from 'wxpay';
import type { Sandbox } from '../src/index.js';
import { sendCoupon as sendCouponHandler } from '../src/v2/coupon.js';
import {
  COUPON_APPID,
  COUPON_STOCK,
  expectResultError,
  handlerContext,
  MCH,
  merchantConfig,
  nextCouponTradeNo,
  sendCouponRequest,
  startTestSandbox,
  type TestSandbox,
} from './support/fixtures.js';
import { type Fields, postV2, rawMerchant } from './support/raw-v2-client.js';

const OTHER_MCH = '10000093';
const OTHER_APPID = 'wx9393939393939393';
const compactTime = /^\d{14}$/;

let world: TestSandbox;
let sandbox: Sandbox;
let wxpay: Wxpay;
let otherStock: string;

beforeAll(async () => {
  world = await startTestSandbox();
  sandbox = world.sandbox;
  wxpay = world.client(MCH);
  await sandbox.admin.createMerchant({ mchid: OTHER_MCH, appids: { coupon: OTHER_APPID } });
  otherStock = sandbox.admin.createCouponStock({ mchid: OTHER_MCH, value: 100, total: 10 }).coupon_stock_id;
});

afterAll(async () => {
  await world?.close();
});

const tradeNo = nextCouponTradeNo;

const queryStock = (couponStockId: string) =>
  wxpay['v2/mmpaymkttransfers/query_coupon_stock'].post({
    xml: { coupon_stock_id: couponStockId, appid: COUPON_APPID },
  });
const sendCoupon = (openid: string, couponStockId = COUPON_STOCK, partnerTradeNo = tradeNo()) =>
  wxpay.v2.mmpaymkttransfers.send_coupon.post({
    xml: sendCouponRequest(openid, { coupon_stock_id: couponStockId, partner_trade_no: partnerTradeNo }),
  });
const queryCoupon = (couponId: string, openid: string, stockId = COUPON_STOCK) =>
  wxpay.v2.mmpaymkttransfers.querycouponsinfo.post({
    xml: { coupon_id: couponId, openid, stock_id: stockId, appid: COUPON_APPID },
  });

function refusal(call: PromiseLike<unknown>, code: string, outcome: ResultOutcome): Promise<WxpayResultError> {
  return expectResultError(call, code, outcome);
}

/**
 * A coupon failure as the coupon tables write one: the code's description (描述) in err_code_des, and no return_msg
 * (the tables give it to communication errors only; their failure examples carry none).
 */
function expectCouponFailure(error: WxpayResultError, description: string): void {
  expect(error.returnCode).toBe('SUCCESS');
  expect(error.errCodeDes).toBe(description);
  expect(error.returnMsg).toBeUndefined();
}

// docs/endpoints.md#mmpaymkttransfersquery_coupon_stock--query-a-coupon-stock
describe('query_coupon_stock', () => {
  it('replies with every required field, and locked_num and used_num, times as yyyyMMddHHmmss', async () => {
    const stock = await queryStock(COUPON_STOCK);
    expect(stock).toMatchObject({
      coupon_stock_id: COUPON_STOCK,
      coupon_value: '500',
      coupon_mininumn: '1000',
      // A minimum order amount, not combinable: 2.
      coupon_type: '2',
      coupon_stock_status: '4',
      coupon_total: '10000',
      locked_num: '0',
      used_num: '0',
    });
    for (const time of [stock.begin_time, stock.end_time, stock.create_time]) expect(time).toMatch(compactTime);
    // The fields the sandbox used to invent are gone.
    expect(stock).not.toHaveProperty('begin_time_t');
  });

  it('answers COUPON_STOCK_ID_NOT_VALID for another merchant’s stock, COUPON_STOCK_NOT_FOUND for none', async () => {
    const error = await refusal(queryStock(otherStock), 'COUPON_STOCK_ID_NOT_VALID', 'fix');
    expectCouponFailure(error, '批次id不正确');
    const none = await refusal(queryStock('99999999'), 'COUPON_STOCK_NOT_FOUND', 'fix');
    expectCouponFailure(none, '批次信息不存在');
  });
});

// docs/endpoints.md#mmpaymkttransfersquerycouponsinfo--query-one-coupon
describe('querycouponsinfo', () => {
  it('replies with coupon_stock_type, coupon_type, coupon_desc, send_source and coupon_name', async () => {
    const openid = 'oCouponFidelity0000000000001';
    const sent = await sendCoupon(openid);
    const coupon = await queryCoupon(sent.coupon_id, openid);
    expect(coupon).toMatchObject({
      coupon_stock_id: COUPON_STOCK,
      coupon_stock_type: '1',
      coupon_id: sent.coupon_id,
      coupon_value: '500',
      coupon_name: '新人立减5元',
      coupon_state: '2',
      coupon_type: '2',
      coupon_desc: '满10元减5元',
      coupon_use_value: '0',
      coupon_remain_value: '500',
      send_source: 'NORMAL',
    });
    for (const time of [coupon.begin_time, coupon.end_time, coupon.send_time]) expect(time).toMatch(compactTime);
  });

  it('names an unnamed stock’s coupon, and describes a coupon without a minimum', async () => {
    const stock = sandbox.admin.createCouponStock({ mchid: MCH, value: 100, total: 5, max_quota: 0 });
    const openid = 'oCouponFidelity0000000000002';
    const sent = await sendCoupon(openid, stock.coupon_stock_id);
    const coupon = await queryCoupon(sent.coupon_id, openid, stock.coupon_stock_id);
    expect(coupon).toMatchObject({ coupon_name: '1元代金券', coupon_type: '1', coupon_desc: '无门槛减1元' });
  });

  it('answers COUPON_NOT_FOUND for an unknown coupon, or one of another user', async () => {
    const openid = 'oCouponFidelity0000000000003';
    const sent = await sendCoupon(openid);
    const error = await refusal(queryCoupon('1000000001', openid), 'COUPON_NOT_FOUND', 'fix');
    expectCouponFailure(error, '券没有查找成功');
    await refusal(queryCoupon(sent.coupon_id, 'oCouponFidelity0000000000004'), 'COUPON_NOT_FOUND', 'fix');
    await refusal(queryCoupon(sent.coupon_id, openid, otherStock), 'COUPON_STOCK_ID_NOT_VALID', 'fix');
  });
});

// docs/endpoints.md#mmpaymkttransferssend_coupon--send-a-coupon
describe('send_coupon', () => {
  it('fails with an empty coupon_id and the table’s ret_msg', async () => {
    const openid = 'oCouponFidelity0000000000005';
    await sendCoupon(openid);
    const error = await refusal(sendCoupon(openid), 'USER_AL_GET_COUPON', 'final');
    expect(error.data).toMatchObject({ ret_code: 'FAILED', coupon_id: '', ret_msg: '你已领取过该代金券' });
    await refusal(sendCoupon(openid, otherStock), 'COUPON_STOCK_ID_NOT_VALID', 'fix');
  });

  it('fails with coupon_id "" as any client reads it (raw client)', async () => {
    const openid = 'oCouponFidelity0000000000006';
    const config = sandbox.merchantConfig(MCH);
    const post = () =>
      postV2(sandbox.url, config.ca, rawMerchant(config), '/mmpaymkttransfers/send_coupon', {
        coupon_stock_id: COUPON_STOCK,
        openid_count: '1',
        partner_trade_no: tradeNo(),
        openid,
        appid: COUPON_APPID,
      });
    expect(await post()).toMatchObject({ result_code: 'SUCCESS', ret_code: 'SUCCESS', ret_msg: '' });
    const reply: Fields = await post();
    expect(reply).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'FAIL',
      err_code: 'USER_AL_GET_COUPON',
      err_code_des: '你已领取过该代金券',
      ret_code: 'FAILED',
      coupon_id: '',
    });
    expect(reply.return_msg).toBeUndefined();
  });

  // The SDK refuses to send a request without openid (its catalogue marks it required), so the wire is checked with
  // a raw client, and the handler on its own for an absent and an empty openid alike.
  it('answers a request without openid OPEN_ID_EMPTY, with an empty coupon_id (raw client)', async () => {
    const config = sandbox.merchantConfig(MCH);
    const reply = await postV2(sandbox.url, config.ca, rawMerchant(config), '/mmpaymkttransfers/send_coupon', {
      coupon_stock_id: COUPON_STOCK,
      openid_count: '1',
      partner_trade_no: tradeNo(),
      appid: COUPON_APPID,
    });
    expect(reply).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'FAIL',
      err_code: 'OPEN_ID_EMPTY',
      err_code_des: '用户openid为空',
      ret_code: 'FAILED',
      ret_msg: '用户openid为空',
      coupon_id: '',
    });
    expect(reply.return_msg).toBeUndefined();
  });

  it('answers OPEN_ID_EMPTY from the handler for an absent and an empty openid alike', () => {
    const pem = { certPem: '', keyPem: '', serial: '' };
    const ctx = handlerContext({ ca: pem, realNow: Date.now });
    const { store } = ctx;
    try {
      store.merchants.insert({
        mchid: MCH,
        kind: 'mainland',
        config: merchantConfig({ apiCert: pem, appids: { coupon: COUPON_APPID } }),
      });
      const merchant = store.merchants.get({ mchid: MCH });
      if (merchant === undefined) throw new Error('merchant not stored');
      const fields = {
        coupon_stock_id: COUPON_STOCK,
        openid_count: '1',
        partner_trade_no: tradeNo(),
        appid: COUPON_APPID,
      };
      for (const openid of [undefined, '']) {
        const outcome = sendCouponHandler(ctx, {
          merchant,
          fields: openid === undefined ? fields : { ...fields, openid },
          now: 0,
        });
        expect(outcome.error).toEqual({ code: 'OPEN_ID_EMPTY', des: '用户openid为空' });
        expect(outcome.fields).toMatchObject({ ret_code: 'FAILED', ret_msg: '用户openid为空', coupon_id: '' });
        expect(outcome.fields.return_msg).toBeUndefined();
      }
      expect(store.coupons.count()).toBe(0);
    } finally {
      store.close();
    }
  });
});

// The failures the front door answers, in the coupon tables' words: docs/endpoints.md#apiv2-coupons-代金券.
describe('the front door of the coupon endpoints', () => {
  const raw = (path: string, fields: Fields) => {
    const config = sandbox.merchantConfig(MCH);
    return postV2(sandbox.url, config.ca, rawMerchant(config), `/mmpaymkttransfers/${path}`, fields);
  };

  it('answers an empty stock id COUPON_STOCK_ID_EMPTY with each table’s text, and a broken rule naming the field', async () => {
    const noStock = await raw('query_coupon_stock', { coupon_stock_id: '', appid: COUPON_APPID });
    expect(noStock).toMatchObject({
      result_code: 'FAIL',
      err_code: 'COUPON_STOCK_ID_EMPTY',
      err_code_des: '批次ID为空',
    });
    expect(noStock.return_msg).toBeUndefined();
    const info = await raw('querycouponsinfo', { coupon_id: '1', openid: 'o1', stock_id: '', appid: COUPON_APPID });
    expect(info).toMatchObject({ err_code: 'COUPON_STOCK_ID_EMPTY', err_code_des: '批次id为空' });
    const param = await raw('query_coupon_stock', { coupon_stock_id: COUPON_STOCK, appid: COUPON_APPID, version: '2' });
    expect(param).toMatchObject({
      err_code: 'PARAM_ERROR',
      err_code_des: expect.stringMatching(/^校验参数错误: version: /),
    });
    expect(param.return_msg).toBeUndefined();
  });

  it('answers too many sends FREQ_OVER_LIMIT "超过发放频率限制，请稍后再试"', async () => {
    sandbox.admin.setFaults({ rateLimitPerSecond: 1 });
    try {
      const send = () =>
        raw('send_coupon', {
          coupon_stock_id: COUPON_STOCK,
          openid_count: '1',
          partner_trade_no: tradeNo(),
          openid: 'oCouponFidelity0000000000009',
          appid: COUPON_APPID,
        });
      const replies = await Promise.all([send(), send(), send()]);
      const limited = replies.find((reply) => reply.err_code === 'FREQ_OVER_LIMIT');
      expect(limited).toMatchObject({ return_code: 'SUCCESS', err_code_des: '超过发放频率限制，请稍后再试' });
      expect(limited?.return_msg).toBeUndefined();
      // send_coupon reports its openid's result on every reply, the front door's failures included.
      expect(limited).toMatchObject({
        coupon_stock_id: COUPON_STOCK,
        openid: 'oCouponFidelity0000000000009',
        ret_code: 'FAILED',
        coupon_id: '',
        ret_msg: '超过发放频率限制，请稍后再试',
        failed_count: '1',
      });
    } finally {
      sandbox.admin.setFaults({ rateLimitPerSecond: 10_000 });
    }
  });

  it('answers a send that breaks a field rule with its result fields and an empty coupon_id', async () => {
    const reply = await raw('send_coupon', {
      coupon_stock_id: COUPON_STOCK,
      openid_count: '2',
      partner_trade_no: tradeNo(),
      openid: 'oCouponFidelity0000000000010',
      appid: COUPON_APPID,
    });
    expect(reply).toMatchObject({
      result_code: 'FAIL',
      err_code: 'PARAM_ERROR',
      ret_code: 'FAILED',
      coupon_id: '',
      openid: 'oCouponFidelity0000000000010',
    });
    expect(reply.return_msg).toBeUndefined();
  });

  // An injected system error is a business failure too: in the coupon tables' style, with send_coupon's result.
  it('answers an injected SYSTEMERROR without return_msg, send_coupon with an empty coupon_id', async () => {
    sandbox.admin.setFaults({ systemErrorRate: 1 });
    try {
      const sent = await raw('send_coupon', {
        coupon_stock_id: COUPON_STOCK,
        openid_count: '1',
        partner_trade_no: tradeNo(),
        openid: 'oCouponFidelity0000000000011',
        appid: COUPON_APPID,
      });
      expect(sent).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'FAIL',
        err_code: 'SYSTEMERROR',
        err_code_des: '系统繁忙，请稍后再试',
        ret_code: 'FAILED',
        coupon_id: '',
        openid: 'oCouponFidelity0000000000011',
      });
      expect(sent.return_msg).toBeUndefined();
      const stock = await raw('query_coupon_stock', { coupon_stock_id: COUPON_STOCK, appid: COUPON_APPID });
      expect(stock).toMatchObject({ result_code: 'FAIL', err_code: 'SYSTEMERROR', appid: COUPON_APPID });
      expect(stock.return_msg).toBeUndefined();
    } finally {
      sandbox.admin.setFaults({ systemErrorRate: 0 });
    }
  });
});
