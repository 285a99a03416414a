// End-to-end tests of the sandbox's mainland APIv3 payments, refunds and bills through the wxpay SDK over real HTTPS:
// the official pages' example requests verbatim (1230000109 direct, and as service provider of 1900000109), the order
// life, the documented error codes, refunds completing with sandbox time or made ABNORMAL by the operator, and bills
// whose totals are the day's orders and refunds, downloaded and verified by downloadBill().
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Notification, parseFundFlowBill, parseTradeBill, type Wxpay } from 'wxpay';
import { DEFAULTS } from '../src/bootstrap.js';
import type { Sandbox } from '../src/sandbox.js';
import { startNextChinaDay } from './support/china-day.js';
import { adminHttp, expectApiError, startTestSandbox, type TestSandbox, uniqueNo } from './support/fixtures.js';

/** The call fails with WeChat Pay's `status` and `code`. */
async function refused(call: PromiseLike<unknown>, status: number, code: string): Promise<void> {
  const error = await expectApiError(call);
  expect({ status: error.status, code: error.code }).toEqual({ status, code });
}

const SP = DEFAULTS.mainlandPay;
const SUB = DEFAULTS.global;
const PAYER = DEFAULTS.globalPayer;
const NOTIFY = 'https://www.weixin.qq.com/wxpay/pay.php';

let world: TestSandbox;
let sandbox: Sandbox;
let wxpay: Wxpay;

beforeAll(async () => {
  world = await startTestSandbox();
  sandbox = world.sandbox;
  wxpay = world.client(SP);
});
afterAll(() => world.close());

/** The JSAPI下单 page's example request, with a fresh out_trade_no. */
function directJsapi(outTradeNo: string, total = 100) {
  return {
    appid: 'wxd678efh567hg6787',
    mchid: '1230000109',
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: outTradeNo,
    time_expire: '2018-06-08T10:34:56+08:00',
    attach: '自定义数据说明',
    notify_url: NOTIFY,
    goods_tag: 'WXG',
    amount: { total, currency: 'CNY' },
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  };
}

function partnerJsapi(outTradeNo: string, total = 100) {
  return {
    sp_appid: 'wx8888888888888888',
    sp_mchid: '1230000109',
    sub_appid: 'wxd678efh567hg6787',
    sub_mchid: '1900000109',
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: outTradeNo,
    notify_url: NOTIFY,
    amount: { total, currency: 'CNY' },
    payer: { sub_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  };
}

type Json = Record<string, unknown>;
const post = (path: string, json: unknown) => wxpay.chain(path).post({ json } as never) as Promise<Json | undefined>;
const get = (path: string, query: Record<string, string>) => wxpay.chain(path).get({ query } as never) as Promise<Json>;

describe('mainland orders', () => {
  it('runs the official direct JSAPI example, pays it and queries it both ways', async () => {
    const no = uniqueNo('J');
    const created = await post('v3/pay/transactions/jsapi', directJsapi(no));
    expect(created?.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{20}$/);
    const unpaid = await get(`v3/pay/transactions/out-trade-no/${no}`, { mchid: SP });
    expect(unpaid).toMatchObject({
      appid: 'wxd678efh567hg6787',
      mchid: SP,
      trade_state: 'NOTPAY',
      trade_type: 'JSAPI',
    });
    expect(unpaid.transaction_id).toBeUndefined();
    const paid = await sandbox.admin.payOrder({ mchid: SP, outTradeNo: no });
    expect(paid).toMatchObject({
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'CFT',
      payer: { openid: PAYER },
      amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
    });
    expect(paid.success_time).toMatch(/\+08:00$/);
    const byId = await get(`v3/pay/transactions/id/${String(paid.transaction_id)}`, { mchid: SP });
    expect(byId).toEqual(paid);
    const notification = sandbox.admin.notifications({ mchid: SP }).find((n) => n.eventType === 'TRANSACTION.SUCCESS');
    expect(notification).toBeDefined();
  });

  it('answers code_url for Native, h5_url for H5 (an MWEB order) and prepay_id for APP', async () => {
    const base = {
      appid: 'wxd678efh567hg6787',
      mchid: SP,
      description: 'QQ公仔',
      notify_url: NOTIFY,
      amount: { total: 1 },
    };
    const native = await post('v3/pay/transactions/native', { ...base, out_trade_no: uniqueNo('N') });
    expect(native?.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const app = await post('v3/pay/transactions/app', { ...base, out_trade_no: uniqueNo('A') });
    expect(typeof app?.prepay_id).toBe('string');
    const h5No = uniqueNo('H');
    const h5 = await post('v3/pay/transactions/h5', {
      ...base,
      out_trade_no: h5No,
      scene_info: { payer_client_ip: '14.23.150.211', h5_info: { type: 'Wap' } },
    });
    expect(h5?.h5_url).toMatch(/^https:\/\//);
    expect((await get(`v3/pay/transactions/out-trade-no/${h5No}`, { mchid: SP })).trade_type).toBe('MWEB');
  });

  it('runs the official partner example for sub-merchant 1900000109', async () => {
    const no = uniqueNo('P');
    await post('v3/pay/partner/transactions/jsapi', partnerJsapi(no));
    const paid = await sandbox.admin.payOrder({ mchid: SP, outTradeNo: no });
    const query = { sp_mchid: SP, sub_mchid: SUB };
    const found = await get(`v3/pay/partner/transactions/id/${String(paid.transaction_id)}`, query);
    expect(found).toMatchObject({
      sp_appid: 'wx8888888888888888',
      sp_mchid: SP,
      sub_appid: 'wxd678efh567hg6787',
      sub_mchid: SUB,
      payer: { sub_openid: PAYER },
      trade_state: 'SUCCESS',
    });
    // The mode's own paths: the direct query does not see a partner order.
    await refused(get(`v3/pay/transactions/out-trade-no/${no}`, { mchid: SP }), 404, 'ORDER_NOT_EXIST');
  });

  it('closes (204, twice harmless); a closed order resent is ORDER_CLOSED, a paid one ORDERPAID', async () => {
    const no = uniqueNo('C');
    await post('v3/pay/transactions/jsapi', directJsapi(no));
    expect(await post(`v3/pay/transactions/out-trade-no/${no}/close`, { mchid: SP })).toBeUndefined();
    expect(await post(`v3/pay/transactions/out-trade-no/${no}/close`, { mchid: SP })).toBeUndefined();
    expect((await get(`v3/pay/transactions/out-trade-no/${no}`, { mchid: SP })).trade_state).toBe('CLOSED');
    await refused(post('v3/pay/transactions/jsapi', directJsapi(no)), 400, 'ORDER_CLOSED');
    const paidNo = uniqueNo('D');
    await post('v3/pay/transactions/jsapi', directJsapi(paidNo));
    await sandbox.admin.payOrder({ mchid: SP, outTradeNo: paidNo });
    await refused(post('v3/pay/transactions/jsapi', directJsapi(paidNo)), 400, 'ORDERPAID');
  });

  it('refuses a reused out_trade_no with other fields, unknown orders, bad fields and foreign appids', async () => {
    const no = uniqueNo('R');
    const first = await post('v3/pay/transactions/jsapi', directJsapi(no));
    expect(await post('v3/pay/transactions/jsapi', directJsapi(no))).toEqual(first);
    await refused(post('v3/pay/transactions/jsapi', directJsapi(no, 200)), 400, 'INVALID_REQUEST');
    await refused(get('v3/pay/transactions/out-trade-no/NOSUCH000', { mchid: SP }), 404, 'ORDER_NOT_EXIST');
    await refused(
      post('v3/pay/transactions/jsapi', { ...directJsapi(uniqueNo('X')), appid: 'wx2421b1c4370ec43b' }),
      400,
      'APPID_MCHID_NOT_MATCH',
    );
    await refused(
      post('v3/pay/partner/transactions/jsapi', { ...partnerJsapi(uniqueNo('Y')), sub_appid: 'wx0000000000000000' }),
      400,
      'APPID_MCHID_NOT_MATCH',
    );
  });

  it('lets the operator fail a payment (PAYERROR) over HTTP', async () => {
    const no = uniqueNo('F');
    await post('v3/pay/transactions/jsapi', directJsapi(no));
    const reply = await adminHttp(sandbox, 'POST', '/_sandbox/orders/pay', {
      mchid: SP,
      out_trade_no: no,
      outcome: 'PAYERROR',
    });
    expect(reply.status).toBe(200);
    expect((await get(`v3/pay/transactions/out-trade-no/${no}`, { mchid: SP })).trade_state).toBe('PAYERROR');
  });
});

describe('mainland notifications', () => {
  it('delivers TRANSACTION.SUCCESS (the order as queried) and REFUND.SUCCESS to a real receiver that verifies them', async () => {
    const received: Notification[] = [];
    const receiver = createServer({ cert: sandbox.tls.cert, key: sandbox.tls.key });
    receiver.on(
      'request',
      wxpay.nodeNotificationHandler((notification) => {
        received.push(notification);
      }),
    );
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}/wxpay/notify`;
      const no = uniqueNo('NT');
      await post('v3/pay/transactions/jsapi', { ...directJsapi(no), notify_url: url });
      await sandbox.admin.payOrder({ mchid: SP, outTradeNo: no });
      const paid = received.find((n) => n.event_type === 'TRANSACTION.SUCCESS');
      expect(paid?.resource).toEqual(await get(`v3/pay/transactions/out-trade-no/${no}`, { mchid: SP }));
      const refundNo = uniqueNo('NTR');
      await post('v3/refund/domestic/refunds', {
        out_trade_no: no,
        out_refund_no: refundNo,
        notify_url: url,
        amount: { refund: 100, total: 100, currency: 'CNY' },
      });
      await sandbox.admin.advanceClock(61_000);
      const refunded = received.find((n) => n.event_type === 'REFUND.SUCCESS');
      expect(refunded?.resource).toMatchObject({
        mchid: SP,
        out_trade_no: no,
        out_refund_no: refundNo,
        refund_status: 'SUCCESS',
        user_received_account: '支付用户零钱',
        amount: { total: 100, refund: 100, payer_total: 100, payer_refund: 100 },
      });
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });
});

describe('mainland refunds', () => {
  async function paidOrder(total: number): Promise<string> {
    const no = uniqueNo('O');
    await post('v3/pay/transactions/jsapi', directJsapi(no, total));
    await sandbox.admin.payOrder({ mchid: SP, outTradeNo: no });
    return no;
  }

  it('refunds in parts: PROCESSING, then SUCCESS once 60 sandbox seconds passed, never more than is left', async () => {
    const no = await paidOrder(300);
    const refundNo = uniqueNo('RF');
    const created = await post('v3/refund/domestic/refunds', {
      out_trade_no: no,
      out_refund_no: refundNo,
      reason: '商品已售完',
      notify_url: NOTIFY,
      amount: { refund: 200, total: 300, currency: 'CNY' },
    });
    expect(created).toMatchObject({ out_refund_no: refundNo, status: 'PROCESSING', channel: 'ORIGINAL' });
    await refused(
      post('v3/refund/domestic/refunds', {
        out_trade_no: no,
        out_refund_no: uniqueNo('RG'),
        amount: { refund: 101, total: 300, currency: 'CNY' },
      }),
      400,
      'INVALID_REQUEST',
    );
    await sandbox.admin.advanceClock(61_000);
    const done = await get(`v3/refund/domestic/refunds/${refundNo}`, {});
    expect(done).toMatchObject({ status: 'SUCCESS', amount: { refund: 200, total: 300, payer_refund: 200 } });
    expect((await get(`v3/pay/transactions/out-trade-no/${no}`, { mchid: SP })).trade_state).toBe('REFUND');
    const events = sandbox.admin.notifications({ mchid: SP }).map((n) => n.eventType);
    expect(events).toContain('REFUND.SUCCESS');
  });

  it('makes a refund ABNORMAL on the operator’s word (in process and over HTTP), with REFUND.ABNORMAL', async () => {
    const no = await paidOrder(100);
    const refundNo = uniqueNo('RA');
    await post('v3/refund/domestic/refunds', {
      transaction_id: String((await get(`v3/pay/transactions/out-trade-no/${no}`, { mchid: SP })).transaction_id),
      out_refund_no: refundNo,
      notify_url: NOTIFY,
      amount: { refund: 100, total: 100, currency: 'CNY' },
    });
    const reply = await adminHttp(sandbox, 'POST', '/_sandbox/refunds/fail', { mchid: SP, out_refund_no: refundNo });
    expect(reply.status).toBe(200);
    expect((await get(`v3/refund/domestic/refunds/${refundNo}`, {})).status).toBe('ABNORMAL');
    expect(
      (await adminHttp(sandbox, 'POST', '/_sandbox/refunds/fail', { mchid: SP, out_refund_no: refundNo })).status,
    ).toBe(409);
    expect(
      (await adminHttp(sandbox, 'POST', '/_sandbox/refunds/fail', { mchid: SP, out_refund_no: 'none' })).status,
    ).toBe(404);
    expect((await adminHttp(sandbox, 'POST', '/_sandbox/refunds/fail', { mchid: SP })).status).toBe(400);
    expect(sandbox.admin.notifications({ mchid: SP }).map((n) => n.eventType)).toContain('REFUND.ABNORMAL');
  });

  it('refuses a refund the merchant balance cannot pay (NOT_ENOUGH) and takes it once topped up', async () => {
    const config = await sandbox.admin.createMerchant({
      mchid: '1230000998',
      kind: 'mainland',
      appids: { pay: 'wxd678efh567hg6787' },
      balance: 0,
    });
    const poor = world.client(config);
    const no = uniqueNo('NE');
    await poor.chain('v3/pay/transactions/native').post({
      json: {
        appid: 'wxd678efh567hg6787',
        mchid: '1230000998',
        description: 'QQ公仔',
        out_trade_no: no,
        notify_url: NOTIFY,
        amount: { total: 100 },
      },
    } as never);
    await sandbox.admin.payOrder({ mchid: '1230000998', outTradeNo: no });
    const refundRequest = {
      out_trade_no: no,
      out_refund_no: uniqueNo('NR'),
      amount: { refund: 60, total: 100, currency: 'CNY' },
    };
    await refused(poor.chain('v3/refund/domestic/refunds').post({ json: refundRequest } as never), 403, 'NOT_ENOUGH');
    sandbox.admin.topUp('1230000998', 60);
    const refund = await poor.chain('v3/refund/domestic/refunds').post({ json: refundRequest } as never);
    expect(refund.status).toBe('PROCESSING');
    expect(sandbox.admin.balance('1230000998').balance).toBe(0);
  });

  it('refunds a partner order with sub_mchid, and refuses an unknown order', async () => {
    const no = uniqueNo('PO');
    await post('v3/pay/partner/transactions/jsapi', partnerJsapi(no, 50));
    await sandbox.admin.payOrder({ mchid: SP, outTradeNo: no });
    const refundNo = uniqueNo('PR');
    await post('v3/refund/domestic/refunds', {
      sub_mchid: SUB,
      out_trade_no: no,
      out_refund_no: refundNo,
      amount: { refund: 50, total: 50, currency: 'CNY' },
    });
    expect((await get(`v3/refund/domestic/refunds/${refundNo}`, { sub_mchid: SUB })).status).toBe('PROCESSING');
    await refused(
      post('v3/refund/domestic/refunds', {
        out_trade_no: 'NOSUCHORDER',
        out_refund_no: uniqueNo('PN'),
        amount: { refund: 1, total: 1, currency: 'CNY' },
      }),
      404,
      'RESOURCE_NOT_EXISTS',
    );
  });
});

describe('mainland bills', () => {
  it('bills a day: totals are the day’s payments and refunds; gzip and plain verify and parse', async () => {
    // The earlier tests' refunds complete first, so none completes on the billed day (near China midnight, one would).
    await sandbox.admin.advanceClock(61_000);
    await startNextChinaDay(sandbox, 9);
    const day = new Date(sandbox.admin.clock().now + 8 * 3_600_000).toISOString().slice(0, 10);
    const totals = [123, 4567];
    const nos: string[] = [];
    for (const total of totals) {
      const no = uniqueNo('B');
      nos.push(no);
      await post('v3/pay/transactions/native', {
        appid: 'wxd678efh567hg6787',
        mchid: SP,
        description: '账单测试, 商品',
        out_trade_no: no,
        notify_url: NOTIFY,
        amount: { total },
      });
      await sandbox.admin.payOrder({ mchid: SP, outTradeNo: no });
    }
    await post('v3/refund/domestic/refunds', {
      out_trade_no: nos[1],
      out_refund_no: uniqueNo('BR'),
      amount: { refund: 567, total: 4567, currency: 'CNY' },
    });
    await sandbox.admin.advanceClock(61_000);
    await refused(get('v3/bill/tradebill', { bill_date: day }), 400, 'STATEMENT_CREATING');
    await sandbox.admin.advanceClock(86_400_000);

    const applied = await get('v3/bill/tradebill', { bill_date: day, tar_type: 'GZIP' });
    expect(applied).toMatchObject({ hash_type: 'SHA1' });
    expect(String(applied.download_url)).toMatch(new RegExp(`^${sandbox.url}/v3/billdownload/file\\?token=`));
    const bill = await wxpay.downloadBill({ tradebill: { bill_date: day, tar_type: 'GZIP' } });
    const { rows, summary } = parseTradeBill(bill.text());
    expect(rows.map((row) => row.trade_state).sort()).toEqual(['REFUND', 'SUCCESS', 'SUCCESS']);
    expect(rows.find((row) => row.out_trade_no === nos[0])?.goods_name).toBe('账单测试, 商品');
    expect(summary).toMatchObject({
      total_count: '3',
      settlement_total_amount: '46.90',
      refund_total_amount: '5.67',
      total_amount: '46.90',
    });
    const fees = rows.reduce((sum, row) => sum + Math.round(Number(row.fee) * 100), 0);
    expect(fees).toBe(Math.round(Number(summary.fee_total_amount) * 100));

    const plain = await wxpay.downloadBill({ tradebill: { bill_date: day, bill_type: 'SUCCESS' } });
    expect(parseTradeBill(plain.text()).rows).toHaveLength(2);

    const flow = parseFundFlowBill((await wxpay.downloadBill({ fundflowbill: { bill_date: day } })).text());
    expect(flow.summary).toMatchObject({ income_count: '2', income_amount: '46.90', expense_count: '1' });
    expect(flow.summary.expense_amount).toBe('5.67');
  });

  it('answers NO_STATEMENT_EXIST for a day without bills and refuses days out of range', async () => {
    const now = sandbox.admin.clock().now + 8 * 3_600_000;
    const dayOf = (offsetDays: number) => new Date(now + offsetDays * 86_400_000).toISOString().slice(0, 10);
    await refused(get('v3/bill/tradebill', { bill_date: dayOf(-40) }), 400, 'NO_STATEMENT_EXIST');
    await refused(get('v3/bill/fundflowbill', { bill_date: dayOf(-40) }), 400, 'NO_STATEMENT_EXIST');
    await refused(get('v3/bill/tradebill', { bill_date: dayOf(3) }), 400, 'INVALID_REQUEST');
    await refused(get('v3/bill/tradebill', { bill_date: dayOf(-100) }), 400, 'INVALID_REQUEST');
  });
});

// Last: it moves the sandbox clock a year on.
describe('mainland refunds over time', () => {
  it('refuses a refund of an order paid more than a year ago with 400 INVALID_REQUEST, recording nothing', async () => {
    // docs/endpoints.md#apiv3-mainland-refunds: refunds within a year (365 days) of payment.
    const no = uniqueNo('YR');
    await post('v3/pay/transactions/native', { ...directJsapi(no, 300), payer: undefined });
    await sandbox.admin.payOrder({ mchid: SP, outTradeNo: no });
    const refund = (outRefundNo: string) => ({
      out_trade_no: no,
      out_refund_no: outRefundNo,
      amount: { refund: 100, total: 300, currency: 'CNY' },
    });
    await sandbox.admin.advanceClock(365 * 86_400_000 - 2000);
    // 365 days less a second after payment: still refundable.
    expect(await post('v3/refund/domestic/refunds', refund(uniqueNo('YI')))).toMatchObject({ status: 'PROCESSING' });
    await sandbox.admin.advanceClock(60_000);
    const late = uniqueNo('YL');
    await refused(post('v3/refund/domestic/refunds', refund(late)), 400, 'INVALID_REQUEST');
    await refused(get(`v3/refund/domestic/refunds/${late}`, {}), 404, 'RESOURCE_NOT_EXISTS');
  });
});
