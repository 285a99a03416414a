// Red packets as the official pages describe them, end to end through the SDK and through a raw node:https client: the
// limit codes and what they mean for the money, re-entry with changed parameters, the appid rules, the WeCom replies'
// required fields, each endpoint's own system-error code, and return_msg / err_code_des as the real service fills them.
// Every fact is cited from docs/endpoints.md, which names the official page it comes from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultOutcome, Wxpay, WxpayResultError } from 'wxpay';
import type { Sandbox, SandboxMerchantConfig } from '../src/index.js';
import { startNextChinaDay } from './support/china-day.js';
import {
  expectResultError,
  numberSequence,
  redpack,
  startTestSandbox,
  type TestSandbox,
  workwxRedpack,
} from './support/fixtures.js';
import { type Fields, postV2, rawMerchant } from './support/raw-v2-client.js';

const MCH = '10000091';
const APPID = 'wx9191919191919191';
/** An APP's appid, also bound to the merchant: red packets may not be sent from it. */
const APP_APPID = 'wx9191919191919100';
const CORPID = 'ww91919191919191';
const [U1, U2, U3] = ['oxTWIuGaIt6gTKsQRLau2M0y91A', 'oxTWIuGaIt6gTKsQRLau2M0y91B', 'oxTWIuGaIt6gTKsQRLau2M0y91C'];

/**
 * Small limits, so each one is reached in a few sends: 2 packets and 3000 fen a user a day, 5000 fen a day for the
 * merchant, and packets of 100..2000 fen (merchant settings, as on the merchant platform).
 */
const settings = {
  redpackUserDailyCount: 2,
  redpackUserDailyAmount: 3000,
  redpackMerchantDailyAmount: 5000,
  redpackMinAmount: 100,
  redpackMaxAmount: 2000,
};

let world: TestSandbox;
let sandbox: Sandbox;
let config: SandboxMerchantConfig;
let wxpay: Wxpay;

beforeAll(async () => {
  world = await startTestSandbox();
  sandbox = world.sandbox;
  config = await sandbox.admin.createMerchant({
    mchid: MCH,
    name: '九一百货',
    appids: { redpack: APPID, app: APP_APPID },
    workwxCorpid: CORPID,
    users: [{ openid: U1 }, { openid: U2 }, { openid: U3 }],
    settings,
  });
  wxpay = world.client(config);
});

afterAll(async () => {
  await world?.close();
});

const billno = numberSequence(`${MCH}20250101`);

/** A normal packet of this file's merchant: `total_amount` fen to `re_openid`, with a scene (any amount allowed). */
function packet(reOpenid: string, totalAmount: number, overrides: Partial<ReturnType<typeof redpack>> = {}) {
  return redpack({
    mch_billno: billno(),
    mch_id: MCH,
    wxappid: APPID,
    re_openid: reOpenid,
    total_amount: totalAmount,
    scene_id: 'PRODUCT_1',
    ...overrides,
  });
}

function wecomPacket(overrides: Partial<ReturnType<typeof workwxRedpack>> = {}) {
  return workwxRedpack({ mch_billno: billno(), mch_id: MCH, wxappid: CORPID, re_openid: U1, ...overrides });
}

const send = (xml: ReturnType<typeof redpack>) => wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml });
const sendWecom = (xml: ReturnType<typeof workwxRedpack>) =>
  wxpay.chain('v2/mmpaymkttransfers/sendworkwxredpack').post({ xml });
const queryWecom = (mchBillno: string) =>
  wxpay.chain('v2/mmpaymkttransfers/queryworkwxredpack').post({ xml: { mch_billno: mchBillno, appid: CORPID } });

async function refusal(call: PromiseLike<unknown>, code: string, outcome: ResultOutcome): Promise<WxpayResultError> {
  const error = await expectResultError(call, code, outcome);
  // A business failure: processed (return_code SUCCESS), refused (result_code FAIL).
  expect(error.returnCode).toBe('SUCCESS');
  return error;
}

function packetsOf(mchBillno: string) {
  return sandbox.admin.redpacks({ mchid: MCH }).filter((row) => row.mch_billno === mchBillno);
}

// docs/endpoints.md#mmpaymkttransferssendredpack--send-a-normal-red-packet: per-user daily count SENDNUM_LIMIT,
// per-user daily amount RCVDAMOUNT_LIMIT, the merchant's daily amount SENDAMOUNT_LIMIT, one packet outside the
// allowed range MONEY_LIMIT. return_msg is the table's description of the code; err_code_des says what was wrong.
describe('the limit codes of the sendredpack table, through the SDK', () => {
  it('SENDNUM_LIMIT is the per-user daily count: retry, and the same billno goes through the next day', async () => {
    await startNextChinaDay(sandbox);
    await send(packet(U1, 100));
    await send(packet(U1, 100));
    const third = packet(U1, 100);
    const error = await refusal(send(third), 'SENDNUM_LIMIT', 'retry');
    expect(error.returnMsg).toBe('该用户今日领取红包个数超过限制');
    expect(error.errCodeDes).toMatch(/2 red packets/);
    expect(packetsOf(third.mch_billno)).toHaveLength(0);
    // Another user is not affected.
    await send(packet(U2, 100));

    await startNextChinaDay(sandbox);
    const sent = await send(third);
    expect(packetsOf(third.mch_billno)[0]?.send_listid).toBe(sent.send_listid);
  });

  it('RCVDAMOUNT_LIMIT is the per-user daily amount (not SENDAMOUNT_LIMIT): retry', async () => {
    await startNextChinaDay(sandbox);
    await send(packet(U1, 2000));
    const error = await refusal(send(packet(U1, 1001)), 'RCVDAMOUNT_LIMIT', 'retry');
    expect(error.returnMsg).toBe('该用户今日领取金额超过限制，如有需要请登录微信支付商户平台更改API安全配置');
    expect(error.errCodeDes).toMatch(/3000 fen a day/);
    // Up to the limit exactly is allowed.
    await send(packet(U1, 1000));
  });

  it('SENDAMOUNT_LIMIT is the merchant daily amount (not MONEY_LIMIT): retry', async () => {
    await startNextChinaDay(sandbox);
    await send(packet(U1, 2000));
    await send(packet(U2, 2000));
    const error = await refusal(send(packet(U3, 1001)), 'SENDAMOUNT_LIMIT', 'retry');
    expect(error.returnMsg).toBe('您的商户号今日发放金额超过限制，如有需要请登录微信支付商户平台更改API安全配置');
    expect(error.errCodeDes).toMatch(/5000 fen a day/);
    await send(packet(U3, 1000));
  });

  it('MONEY_LIMIT is one packet outside the allowed range: final', async () => {
    await startNextChinaDay(sandbox);
    for (const amount of [2001, 99]) {
      const error = await refusal(send(packet(U1, amount)), 'MONEY_LIMIT', 'final');
      expect(error.returnMsg).toBe('红包金额发放限制');
      expect(error.errCodeDes).toMatch(/100\.\.2000 fen/);
    }
    // Nothing was counted: the day's allowance is whole.
    await send(packet(U1, 2000));
    await send(packet(U1, 1000));
  });

  it('the WeCom packets share the limits and the codes', async () => {
    await startNextChinaDay(sandbox);
    await send(packet(U1, 100));
    await sendWecom(wecomPacket({ total_amount: 100, scene_id: 'PRODUCT_1' }));
    await refusal(sendWecom(wecomPacket({ total_amount: 100, scene_id: 'PRODUCT_1' })), 'SENDNUM_LIMIT', 'retry');
  });
});

describe('re-entry with changed parameters, per each endpoint’s table', () => {
  // docs/endpoints.md#mmpaymkttransferssendredpack--send-a-normal-red-packet: a changed openid FATAL_ERROR ("openid和原始单
  // 参数不一致"); a changed amount has the row whose err_code is "金额和原始单参数不一致".
  it('sendredpack: a changed openid is FATAL_ERROR, a changed amount 金额和原始单参数不一致, both final', async () => {
    await startNextChinaDay(sandbox);
    const first = packet(U1, 500);
    const sent = await send(first);
    const openid = await refusal(send({ ...first, re_openid: U2 }), 'FATAL_ERROR', 'final');
    expect(openid.returnMsg).toBe('openid和原始单参数不一致');
    expect(openid.errCodeDes).toMatch(/^re_openid differs/);
    const amount = await refusal(send({ ...first, total_amount: 600 }), '金额和原始单参数不一致', 'final');
    expect(amount.errCodeDes).toMatch(/^total_amount differs/);
    // The first packet is untouched, and the unchanged resend still gets it.
    expect((await send(first)).send_listid).toBe(sent.send_listid);
    expect(packetsOf(first.mch_billno)).toMatchObject([{ re_openid: U1, total_amount: 500 }]);
  });

  // docs/endpoints.md#mmpaymkttransferssendworkwxredpack--send-a-wecom-red-packet: FATAL_ERROR for the openid; a
  // changed amount is PARAM_ERROR ("如果是重试请求，请与原单请求的金额保持一致").
  it('sendworkwxredpack: a changed openid is FATAL_ERROR, a changed amount PARAM_ERROR', async () => {
    await startNextChinaDay(sandbox);
    const first = wecomPacket({ total_amount: 500 });
    await sendWecom(first);
    await refusal(sendWecom({ ...first, re_openid: U2 }), 'FATAL_ERROR', 'final');
    const amount = await refusal(sendWecom({ ...first, total_amount: 600 }), 'PARAM_ERROR', 'fix');
    expect(amount.returnMsg).toBe('请求参数错误');
    expect(amount.errCodeDes).toMatch(/^total_amount: /);
    expect(packetsOf(first.mch_billno)).toMatchObject([{ re_openid: U1, total_amount: 500 }]);
  });
});

// docs/endpoints.md#mmpaymkttransferssendredpack--send-a-normal-red-packet: PARAM_ERROR "商户号和wxappid不匹配";
// ILLEGAL_APPID "非法appid，请确认是否为公众号的appid，不能为APP的appid".
describe('the appid a packet is sent from', () => {
  it('an appid not bound to the merchant is PARAM_ERROR 商户号和wxappid不匹配 (fix)', async () => {
    const error = await refusal(send(packet(U1, 100, { wxappid: 'wx0000000000000000' })), 'PARAM_ERROR', 'fix');
    expect(error.returnMsg).toBe('商户号和wxappid不匹配');
    expect(error.errCodeDes).toMatch(/^wxappid: /);
    await refusal(sendWecom(wecomPacket({ wxappid: APPID })), 'PARAM_ERROR', 'fix');
  });

  it('an APP appid is ILLEGAL_APPID (final)', async () => {
    const error = await refusal(send(packet(U1, 100, { wxappid: APP_APPID })), 'ILLEGAL_APPID', 'final');
    expect(error.returnMsg).toBe('非法appid，请确认是否为公众号的appid，不能为APP的appid');
  });
});

// docs/endpoints.md#mmpaymkttransferssendworkwxredpack--send-a-wecom-red-packet and
// #mmpaymkttransfersqueryworkwxredpack--query-a-wecom-red-packet: the replies' required fields.
describe('the WeCom replies carry every field the tables mark required', () => {
  it('sendworkwxredpack with agentid still names the sender and its avatar, and the query repeats them', async () => {
    await startNextChinaDay(sandbox);
    const { sender_name: _none, ...byApp } = wecomPacket({ total_amount: 300 });
    const request = { ...byApp, agentid: 1000002 };
    const sent = await sendWecom(request);
    expect(sent.sender_name).toBe('WeCom app 1000002');
    expect(sent.sender_header_media_id).toEqual(expect.any(String));
    expect(sent.sender_header_media_id).not.toBe('');
    // The re-entry answers the same.
    const again = await sendWecom(request);
    expect(again).toMatchObject({ sender_name: sent.sender_name, sender_header_media_id: sent.sender_header_media_id });

    const queried = await queryWecom(request.mch_billno);
    expect(queried).toMatchObject({
      openid: U1,
      amount: '300',
      sender_name: sent.sender_name,
      sender_header_media_id: sent.sender_header_media_id,
      send_type: 'API',
      status: 'SENT',
    });
  });

  it('with sender_name and sender_header_media_id given, both replies repeat those', async () => {
    const request = wecomPacket({ sender_name: '财务部', sender_header_media_id: 'media-123' });
    const sent = await sendWecom(request);
    expect(sent).toMatchObject({ sender_name: '财务部', sender_header_media_id: 'media-123' });
    expect(await queryWecom(request.mch_billno)).toMatchObject({
      sender_name: '财务部',
      sender_header_media_id: 'media-123',
    });
  });
});

// docs/endpoints.md#mmpaymkttransfersqueryworkwxredpack--query-a-wecom-red-packet: PSYSTEMERROR is that endpoint's
// code for "busy"; the send endpoints document SYSTEMERROR.
describe('an injected system error uses the endpoint’s own code', () => {
  it('queryworkwxredpack answers PSYSTEMERROR, sendworkwxredpack SYSTEMERROR (both unknown)', async () => {
    await startNextChinaDay(sandbox);
    const request = wecomPacket();
    await sendWecom(request);
    sandbox.admin.setFaults({ systemErrorRate: 1 });
    try {
      await refusal(queryWecom(request.mch_billno), 'PSYSTEMERROR', 'unknown');
      await refusal(sendWecom(wecomPacket()), 'SYSTEMERROR', 'unknown');
    } finally {
      sandbox.admin.setFaults({ systemErrorRate: 0 });
    }
  });
});

describe('the limit codes through a raw node:https client', () => {
  const post = (fields: Fields): Promise<Fields> =>
    postV2(sandbox.url, config.ca, rawMerchant(config), '/mmpaymkttransfers/sendredpack', fields);
  const raw = (reOpenid: string, amount: number): Fields => {
    const { mch_id: _filled, ...fields } = packet(reOpenid, amount);
    return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, String(value)]));
  };
  const expectRefused = (reply: Fields, code: string, returnMsg: string): void => {
    expect(reply).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: code, return_msg: returnMsg });
    // The description of what was wrong, not the table's text again.
    expect(reply.err_code_des).not.toBe(returnMsg);
    expect(reply.err_code_des).not.toBe('');
  };

  it('answers a broken field rule PARAM_ERROR with the table’s text, the field and rule in err_code_des', async () => {
    const reply = await post({ ...raw(U1, 100), client_ip: 'not an ip' });
    expectRefused(reply, 'PARAM_ERROR', '参数错误');
    expect(reply.err_code_des).toMatch(/^client_ip: /);
  });

  it('answers SENDNUM_LIMIT, RCVDAMOUNT_LIMIT, SENDAMOUNT_LIMIT and MONEY_LIMIT with the table’s texts', async () => {
    await startNextChinaDay(sandbox);
    expect(await post(raw(U1, 100))).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
    expect(await post(raw(U1, 100))).toMatchObject({ result_code: 'SUCCESS' });
    expectRefused(await post(raw(U1, 100)), 'SENDNUM_LIMIT', '该用户今日领取红包个数超过限制');

    expect(await post(raw(U2, 2000))).toMatchObject({ result_code: 'SUCCESS' });
    expectRefused(
      await post(raw(U2, 1001)),
      'RCVDAMOUNT_LIMIT',
      '该用户今日领取金额超过限制，如有需要请登录微信支付商户平台更改API安全配置',
    );

    // The merchant has sent 2200 of its 5000 fen today.
    expect(await post(raw(U3, 2000))).toMatchObject({ result_code: 'SUCCESS' });
    expectRefused(
      await post(raw(U2, 801)),
      'SENDAMOUNT_LIMIT',
      '您的商户号今日发放金额超过限制，如有需要请登录微信支付商户平台更改API安全配置',
    );

    expectRefused(await post(raw(U3, 2001)), 'MONEY_LIMIT', '红包金额发放限制');
  });
});
