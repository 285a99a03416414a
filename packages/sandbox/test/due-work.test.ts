// The clock's registry of work due as sandbox time passes: jobs run only once their moment is reached (so a request
// pays nothing when nothing is due), `expect` wakes them earlier, a failing job is tried again, deliveries run after
// the jobs, and a timer runs it all in the background. Then the registry as the sandbox uses it, for v2 and v3 alike.
import { afterEach, describe, expect, it } from 'vitest';
import { Transformer } from 'wxpay';
import { SandboxClock } from '../src/clock.js';
import type { SandboxContext } from '../src/context.js';
import { handleV2 } from '../src/v2/router.js';
import { listOrders, payOrder } from '../src/v3/actions.js';
import { createOrder } from '../src/v3/orders.js';
import { createRefund } from '../src/v3/refunds.js';
import { createNonce } from '../src/wire/nonce.js';
import { signV2 } from '../src/wire/v2-sign.js';
import { handlerContext, issueTestKeys, merchantConfig } from './support/fixtures.js';

const startMs = Date.UTC(2025, 0, 15, 2, 0, 0);
const startSeconds = startMs / 1000;

describe('DueWork', () => {
  it('runs a job when its moment is reached, and not before', () => {
    const clock = new SandboxClock(undefined, () => startMs);
    const runs: number[] = [];
    clock.due.register('job', (now) => {
      runs.push(now);
      return now + 60;
    });
    // Unknown at first: the first settle runs it and learns its next moment.
    clock.due.settle();
    expect(runs).toEqual([startSeconds]);
    clock.due.settle();
    clock.advance(59_000);
    clock.due.settle();
    expect(runs).toHaveLength(1);
    clock.advance(1000);
    clock.due.settle();
    expect(runs).toEqual([startSeconds, startSeconds + 60]);
  });

  it('is woken earlier by expect, never later, and settleAll runs everything', () => {
    const clock = new SandboxClock(undefined, () => startMs);
    let runs = 0;
    clock.due.register('job', () => {
      runs += 1;
      return undefined;
    });
    clock.due.settle();
    expect(runs).toBe(1);
    // Nothing pending: settling costs nothing, however late.
    clock.advance(86_400_000);
    clock.due.settle();
    expect(runs).toBe(1);
    const now = clock.nowSeconds();
    clock.due.expect('job', now + 10);
    clock.due.expect('job', now + 3600);
    clock.advance(10_000);
    clock.due.settle();
    expect(runs).toBe(2);
    clock.due.settleAll();
    expect(runs).toBe(3);
    // A name nobody registered has nothing to wake.
    expect(() => clock.due.expect('nobody', now)).not.toThrow();
  });

  it('tries a job that threw again at the next settle', () => {
    const clock = new SandboxClock(undefined, () => startMs);
    let fail = true;
    let runs = 0;
    clock.due.register('job', () => {
      runs += 1;
      if (fail) throw new Error('store busy');
      return undefined;
    });
    expect(() => clock.due.settle()).toThrow('store busy');
    fail = false;
    clock.due.settle();
    expect(runs).toBe(2);
  });

  it('refuses a name twice, and runs deliveries after the jobs', async () => {
    const clock = new SandboxClock(undefined, () => startMs);
    const order: string[] = [];
    clock.due.register('job', () => {
      order.push('job');
      return undefined;
    });
    clock.due.registerDelivery('delivery', async () => {
      order.push('delivery');
    });
    expect(() => clock.due.register('job', () => undefined)).toThrow(/already registered/);
    expect(() => clock.due.registerDelivery('job', async () => {})).toThrow(/already registered/);
    await clock.due.run();
    expect(order).toEqual(['job', 'delivery']);
  });

  describe('the background timer', () => {
    const clock = new SandboxClock(undefined, () => startMs);
    afterEach(() => clock.due.stop());

    it('runs the deliveries on its own between start() and stop()', async () => {
      let deliveries = 0;
      clock.due.registerDelivery('delivery', async () => {
        deliveries += 1;
      });
      clock.due.start(5);
      for (let i = 0; i < 200 && deliveries < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      await clock.due.stop();
      const stopped = deliveries;
      expect(stopped).toBeGreaterThanOrEqual(2);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(deliveries).toBe(stopped);
    });
  });
});

describe('the sandbox’s due work, for APIv2 and APIv3 alike', () => {
  const mainland = '1900000011';
  const global = '1900000012';
  const appid = 'wx1212121212121212';
  const openid = 'oxTWIuGaIt6gTKsQRLau2M0yL12A';
  let ctx: SandboxContext;

  afterEach(() => {
    ctx?.store.close();
  });

  async function context(): Promise<SandboxContext> {
    const keys = await issueTestKeys(startMs, [mainland, global]);
    ctx = handlerContext({ ca: keys.ca, realNow: () => startMs });
    ctx.store.merchants.insert({
      mchid: mainland,
      kind: 'mainland',
      balance: 10_000,
      rate_limit: 1000,
      config: merchantConfig({ apiCert: keys.apiCerts[mainland] ?? keys.ca, appids: { redpack: appid } }),
    });
    ctx.store.users.insert({ openid, mchid: mainland, appid, name: null });
    ctx.store.merchants.insert({
      mchid: global,
      kind: 'global',
      config: merchantConfig({ apiCert: keys.apiCerts[global] ?? keys.ca, appids: { pay: appid } }),
    });
    return ctx;
  }

  it('a completed refund shows in the admin’s order list without any API call in between', async () => {
    const { store, clock } = await context();
    const caller = store.merchants.get({ mchid: global });
    if (caller === undefined) throw new Error('no merchant');
    const order = {
      mchid: global,
      appid,
      description: 'mug',
      out_trade_no: 'DUE1',
      notify_url: 'https://127.0.0.1:1/notify',
      trade_type: 'NATIVE',
      merchant_category_code: '5812',
      amount: { total: 100, currency: 'HKD' },
    };
    createOrder('NATIVE')({ ctx, caller, params: {}, query: {}, json: order });
    payOrder(ctx, { mchid: global, outTradeNo: 'DUE1' });
    const refund = {
      mchid: global,
      appid,
      out_trade_no: 'DUE1',
      out_refund_no: 'R-DUE1',
      amount: { refund: 100, total: 100, currency: 'HKD' },
    };
    createRefund({ ctx, caller, params: {}, query: {}, json: refund });
    expect(listOrders(ctx, { mchid: global })[0]?.trade_state).toBe('SUCCESS');
    clock.advance(60_000);
    expect(listOrders(ctx, { mchid: global })[0]?.trade_state).toBe('REFUND');
  });

  it('an APIv2 call finds an unopened red packet refunded once its time came, the money back in the balance', async () => {
    const { store, clock } = await context();
    store.redpacks.insert({
      mch_id: mainland,
      mch_billno: `${mainland}202501150000000001`,
      send_listid: '1',
      detail_id: '1',
      kind: 'NORMAL',
      wxappid: appid,
      re_openid: openid,
      total_amount: 10_000,
      wishing: 'w',
      act_name: 'a',
      remark: 'r',
      send_name: 's',
      status: 'SENT',
      send_time: startSeconds,
      request_hash: 'h',
      created_at: startSeconds,
    });
    store.merchants.update({ mchid: mainland }, { balance: 0 });
    // 25 hours on, the unopened packet's money is back: a send that needs it goes through.
    clock.advance(25 * 3600_000);
    const key = store.merchants.get({ mchid: mainland })?.config.apiv2Key ?? '';
    const fields: Record<string, string> = {
      nonce_str: createNonce(),
      mch_id: mainland,
      mch_billno: `${mainland}202501160000000001`,
      wxappid: appid,
      send_name: 's',
      re_openid: openid,
      total_amount: '10000',
      total_num: '1',
      wishing: 'w',
      act_name: 'a',
      remark: 'r',
      scene_id: 'PRODUCT_1',
      client_ip: '192.168.0.1',
    };
    fields.sign = signV2(fields, key, 'MD5');
    const reply = handleV2(ctx, {
      method: 'POST',
      pathAndQuery: '/mmpaymkttransfers/sendredpack',
      headers: {},
      rawBody: Buffer.from(Transformer.toXml(fields)),
      clientCert: { ok: true, mchid: mainland, serial: '' },
    });
    const data = Transformer.toObject(reply.body);
    expect(data, String(data.err_code_des)).toMatchObject({ result_code: 'SUCCESS' });
    expect(store.redpacks.get({ mch_id: mainland, mch_billno: `${mainland}202501150000000001` })?.status).toBe(
      'REFUND',
    );
  });
});
