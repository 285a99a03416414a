// Merchants created through the control API: their users, rate limit and handler settings take effect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Wxpay, WxpayResultError } from 'wxpay';
import type { Sandbox } from '../src/index.js';
import { redpack, startTestSandbox, type TestSandbox } from './support/fixtures.js';

const MCHID = '10000097';
const APPID = 'wx9797979797979797';
const USER = 'oxTWIuGaIt6gTKsQRLau2M0yL97A';
let world: TestSandbox;
let sandbox: Sandbox;
let wxpay: Wxpay;

beforeAll(async () => {
  // The sandbox's own per-merchant limits, as a merchant created this way meets them.
  world = await startTestSandbox({ rateLimitPerSecond: null });
  sandbox = world.sandbox;
  const config = await sandbox.admin.createMerchant({
    mchid: MCHID,
    appids: { redpack: APPID },
    users: [{ openid: USER, name: '赵六' }],
    settings: { sendingSeconds: 60, redpackMerchantDailyAmount: 1500 },
  });
  wxpay = world.client(config);
});

afterAll(async () => {
  await world?.close();
});

const send = (mch_billno: string, total_amount: number) =>
  wxpay.v2.mmpaymkttransfers.sendredpack.post({
    xml: redpack({ mch_billno, mch_id: MCHID, wxappid: APPID, re_openid: USER, total_amount }),
  });

describe('a merchant created through the control API', () => {
  it('pays its own users, and keeps a new packet SENDING for sendingSeconds', async () => {
    await send('100000972025010100000001', 1000);
    expect(sandbox.admin.redpacks({ mchid: MCHID })[0]?.status).toBe('SENDING');
    await sandbox.admin.advanceClock(61_000);
    expect(sandbox.admin.redpacks({ mchid: MCHID })[0]?.status).toBe('SENT');
  });

  // The merchant's daily amount is SENDAMOUNT_LIMIT, and clears with the next day (docs/endpoints.md#mmpaymkttransferssendredpack--send-a-normal-red-packet).
  it('stops at its own daily amount with SENDAMOUNT_LIMIT', async () => {
    const error = await send('100000972025010100000002', 1000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WxpayResultError);
    expect(error).toMatchObject({ errCode: 'SENDAMOUNT_LIMIT', outcome: 'retry' });
  });

  it('refuses a user that would clash, creating nothing', async () => {
    await expect(
      sandbox.admin.createMerchant({ mchid: '10000096', appids: { redpack: APPID }, users: [{ openid: USER }] }),
    ).rejects.toThrow();
    expect(() => sandbox.merchantConfig('10000096')).toThrow('no sandbox merchant 10000096');
  });
});
