// Runs that cannot finish: the balance runs out (top up, run again), WeChat Pay refuses the configuration, a daily
// limit holds rows until tomorrow, the caller aborts. Each keeps its rows' state and a rerun pays each row once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wxpay } from 'wxpay';
import { arraySource, openSqliteJournal, runPayouts } from '../src/index.js';
import {
  payoutDefaults as defaults,
  type PayoutMerchant,
  reportOf,
  startPayoutMerchant,
} from './support/sandbox-merchant.js';

let m: PayoutMerchant;
beforeAll(async () => {
  m = await startPayoutMerchant(30);
});
afterAll(() => m?.close());

describe('runPayouts stops', () => {
  it('on NOTENOUGH: stops, keeps the rows pending, and pays them after a top-up', async () => {
    const openids = [1, 2, 3, 4, 5].map((i) => `oNotEnoughUser${i}`);
    const other = m.sandbox;
    const config = await other.admin.createMerchant({
      mchid: '1900777001',
      appids: { redpack: 'wxb1b2c3d4e5f60719' },
      balance: 500,
      users: openids.map((openid) => ({ openid })),
    });
    const wxpay = new Wxpay(config);
    const journal = openSqliteJournal(`${m.dir}/notenough.db`);
    try {
      const source = arraySource(
        'notenough',
        openids.map((openid) => ({ openid, amount: 200 })),
      );
      const options = {
        wxpay,
        journal,
        kind: 'redpack' as const,
        source,
        appid: 'wxb1b2c3d4e5f60719',
        defaults,
        concurrency: 1,
      };
      const first = await runPayouts(options);
      expect(first).toMatchObject({ complete: false, reason: 'notenough', counts: { sent: 2, failed: 0 } });
      expect(first.message).toMatch(/top up/);
      const waiting = (await reportOf(journal, 'notenough')).filter((r) => r.state !== 'sent');
      expect(waiting.map((r) => r.state)).toEqual(['pending', 'pending', 'pending']);
      expect(waiting[0]?.err_code).toBe('NOTENOUGH');
      other.admin.topUp('1900777001', 10_000);
      const second = await runPayouts(options);
      expect(second).toMatchObject({ complete: true, counts: { sent: 5 } });
      expect(other.admin.redpacks({ mchid: '1900777001' })).toHaveLength(5);
    } finally {
      await journal.close();
      await wxpay.close();
    }
  });

  it('on a configuration refusal (an appid not bound to the merchant): stops without failing the rows', async () => {
    const journal = openSqliteJournal(`${m.dir}/config.db`);
    try {
      const source = arraySource(
        'config',
        m.openids.slice(0, 3).map((openid) => ({ openid, amount: 100 })),
      );
      const result = await runPayouts({
        wxpay: m.client(),
        journal,
        kind: 'redpack',
        source,
        appid: 'wx0000000000000000',
        defaults,
      });
      expect(result).toMatchObject({ complete: false, reason: 'config', counts: { sent: 0, failed: 0 } });
      expect(result.message).toMatch(/PARAM_ERROR/);
    } finally {
      await journal.close();
    }
  });

  it('on a daily limit: the row waits for the next China day, the run ends held', async () => {
    const journal = openSqliteJournal(`${m.dir}/held.db`);
    const config = await m.sandbox.admin.createMerchant({
      mchid: '1900777002',
      appids: { redpack: m.appid },
      settings: { redpackUserDailyCount: 2 },
      users: [{ openid: 'oHeldUser0001' }],
    });
    const wxpay = new Wxpay(config);
    try {
      const source = arraySource(
        'held',
        [100, 101, 102].map((amount) => ({ openid: 'oHeldUser0001', amount })),
      );
      const result = await runPayouts({
        wxpay,
        journal,
        kind: 'redpack',
        source,
        appid: m.appid,
        defaults,
        concurrency: 1,
      });
      expect(result).toMatchObject({ complete: false, reason: 'held', counts: { sent: 2, pending: 1 } });
      const held = (await reportOf(journal, 'held'))[2];
      expect(held).toMatchObject({ state: 'pending', err_code: 'SENDNUM_LIMIT' });
    } finally {
      await journal.close();
      await wxpay.close();
    }
  });

  it('on abort: sends in flight finish, nothing else starts, and a rerun completes', async () => {
    const journal = openSqliteJournal(`${m.dir}/abort.db`);
    try {
      const source = arraySource(
        'abort',
        m.openids.slice(0, 20).map((openid) => ({ openid, amount: 100 })),
      );
      const controller = new AbortController();
      const options = { wxpay: m.client(), journal, kind: 'redpack' as const, source, appid: m.appid, defaults };
      const first = await runPayouts({
        ...options,
        rate: 10,
        signal: controller.signal,
        progressIntervalMs: 50,
        onProgress: (p) => {
          if (p.counts.sent >= 3) controller.abort();
        },
      });
      expect(first).toMatchObject({ complete: false, reason: 'stopped' });
      expect(first.counts.sending).toBe(0);
      expect(first.counts.sent).toBeLessThan(20);
      const second = await runPayouts({ ...options, rate: 1000 });
      expect(second).toMatchObject({ complete: true, counts: { sent: 20 } });
      const billnos = (await reportOf(journal, 'abort')).map((r) => r.billno);
      const packets = m.sandbox.admin.redpacks({ mchid: m.config.mchid }).filter((p) => billnos.includes(p.mch_billno));
      expect(packets).toHaveLength(20);
    } finally {
      await journal.close();
    }
  });
});
