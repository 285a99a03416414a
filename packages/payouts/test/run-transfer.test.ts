// The `transfer` kind (APIv3 merchant transfers) end to end against the sandbox: every row paid once with its
// package_info journaled, every bad row reported before a send, changed defaults refused, faults and stops survived.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wxpay } from 'wxpay';
import {
  arraySource,
  BatchChangedError,
  fileSource,
  openSqliteJournal,
  PayoutInputError,
  payoutKinds,
  reconcileBatch,
  runPayouts,
} from '../src/index.js';
import type { RowData } from '../src/kinds/kind.js';
import {
  payoutDefaults as defaults,
  type PayoutMerchant,
  reportOf,
  startPayoutMerchant,
} from './support/sandbox-merchant.js';

let m: PayoutMerchant;
beforeAll(async () => {
  m = await startPayoutMerchant(60);
});
afterAll(() => m?.close());

const csvOf = (rows: ReadonlyArray<readonly [string, number]>) =>
  `openid,amount\n${rows.map(([openid, amount]) => `${openid},${amount}`).join('\n')}\n`;

describe('runPayouts (transfer)', () => {
  it('pays every row once, keeps transfer_bill_no, state and package_info, and reconciles', async () => {
    const rows = m.openids.slice(0, 6).map((o, i) => [o, 100 + i] as const);
    const source = fileSource(m.file('riders.csv', csvOf(rows)));
    const journal = openSqliteJournal(`${m.dir}/transfer.db`);
    const wxpay = m.client();
    const options = { wxpay, journal, kind: 'transfer' as const, source, appid: m.appid, defaults, rate: 1000 };
    try {
      const result = await runPayouts(options);
      expect(result).toMatchObject({ batchId: 'riders', complete: true, counts: { sent: 6, sentAmount: 615 } });
      const bills = m.sandbox.admin.transfers({ mchid: m.config.mchid });
      expect(bills).toHaveLength(6);
      const report = await reportOf(journal, 'riders');
      for (const row of report) {
        const bill = bills.find((b) => b.out_bill_no === row.billno);
        expect(bill).toMatchObject({ openid: row.openid, transfer_amount: row.amount, transfer_bill_no: row.wx_id });
        expect(row).toMatchObject({ state: 'sent', status: 'WAIT_USER_CONFIRM', detail: expect.any(String) });
      }
      // The package_info journaled is the bill's: WeChat Pay answers an identical resend with the same one.
      const first = report[0];
      const settings = { kind: 'transfer' as const, mchid: m.config.mchid, appid: m.appid, clientIp: '127.0.0.1' };
      const data = JSON.parse((await journal.rows('riders', 1, 1))[0]?.data ?? '') as RowData;
      const kind = payoutKinds.transfer;
      const resent = await kind.send?.(wxpay, kind.request(data, settings, first?.billno ?? ''));
      expect(resent?.package_info).toBe(first?.detail);
      // Running it again sends nothing.
      expect((await runPayouts(options)).complete).toBe(true);
      expect(m.sandbox.admin.transfers({ mchid: m.config.mchid })).toHaveLength(6);
      // The payee of row 1 confirms, row 2's transfer fails: reconcile records it (FAIL gives the money back).
      await m.sandbox.admin.confirmTransfer({ mchid: m.config.mchid, outBillNo: report[0]?.billno ?? '' });
      await m.sandbox.admin.failTransfer({ mchid: m.config.mchid, outBillNo: report[1]?.billno ?? '' });
      await m.sandbox.admin.advanceClock(5000);
      const reconciled = await reconcileBatch({ wxpay, journal, batchId: 'riders' });
      expect(reconciled).toMatchObject({ reconciled: 6, failed: 0 });
      expect(reconciled.byStatus).toEqual({ SUCCESS: 1, FAIL: 1, WAIT_USER_CONFIRM: 4 });
      const after = await reportOf(journal, 'riders');
      expect(after[0]).toMatchObject({ status: 'SUCCESS', refund_amount: null });
      expect(after[1]).toMatchObject({ status: 'FAIL', refund_amount: 101 });
    } finally {
      await journal.close();
    }
  });

  it('reports every bad row with line, column and rule before anything is sent', async () => {
    const report = JSON.stringify([{ info_type: '活动名称', info_content: '猜灯谜' }]).replaceAll('"', '""');
    const csv = [
      'openid,amount,user_name,transfer_remark,report_info',
      `${m.openids[0]},5,,,`,
      `${m.openids[1]},250000,,,`,
      `${m.openids[2]},100,,${'长'.repeat(33)},`,
      `${m.openids[3]},100,,,not json`,
      `${m.openids[4]},100,,,"${report}"`,
      `${m.openids[5]},250000,王小明,,`,
    ].join('\n');
    const journal = openSqliteJournal(`${m.dir}/bad-transfer.db`);
    const before = m.sandbox.admin.transfers({ mchid: m.config.mchid }).length;
    try {
      const run = runPayouts({
        wxpay: m.client(),
        journal,
        kind: 'transfer',
        source: fileSource(m.file('bad-riders.csv', csv)),
        appid: m.appid,
        defaults,
      });
      const error = await run.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PayoutInputError);
      expect((error as PayoutInputError).problems).toEqual([
        { line: 2, field: 'amount', rule: 'integer 10..2000000 (fen)' },
        { line: 3, field: 'user_name', rule: expect.stringMatching(/^required from 200000 fen/) },
        { line: 4, field: 'transfer_remark', rule: 'at most 32 characters' },
        { line: 5, field: 'report_info', rule: expect.stringMatching(/JSON array /) },
      ]);
      // Line 6 (one report line) passes here: which lines a scene needs is WeChat Pay's rule (PARAM_ERROR, a stop).
      expect(m.sandbox.admin.transfers({ mchid: m.config.mchid })).toHaveLength(before);
    } finally {
      await journal.close();
    }
  });

  it('refuses the batch when a default changed (the fingerprint holds the scene, remark and report)', async () => {
    const source = arraySource('changed', [{ openid: m.openids[10] as string, amount: 100 }]);
    const journal = openSqliteJournal(`${m.dir}/changed.db`);
    const options = { wxpay: m.client(), journal, kind: 'transfer' as const, source, appid: m.appid, rate: 1000 };
    try {
      expect((await runPayouts({ ...options, defaults })).complete).toBe(true);
      const changed = await runPayouts({ ...options, defaults: { ...defaults, transfer_remark: '另一个备注' } }).catch(
        (caught: unknown) => caught,
      );
      expect(changed).toBeInstanceOf(BatchChangedError);
      expect((changed as Error).message).toMatch(/row 1 \(line 1\) differs in transfer_remark/);
    } finally {
      await journal.close();
    }
  });

  it('under faults pays each recipient exactly once and keeps every package_info', async () => {
    const valid = m.openids.slice(20, 60);
    const source = fileSource(m.file('faults-transfer.csv', csvOf(valid.map((o) => [o, 150] as const))));
    const journal = openSqliteJournal(`${m.dir}/faults-transfer.db`);
    m.sandbox.admin.setFaults({ dropReplyRate: 0.15, systemErrorRate: 0.1, rateLimitPerSecond: 40 });
    try {
      const options = {
        journal,
        kind: 'transfer' as const,
        source,
        appid: m.appid,
        defaults,
        rate: 200,
        concurrency: 8,
      };
      // No retries inside the SDK: every lost reply reaches the engine as an ambiguous row.
      const wxpay = new Wxpay({ ...m.config, maxRetries: 0 });
      const result = await runPayouts({ ...options, wxpay }).finally(() => wxpay.close());
      expect(result).toMatchObject({ complete: true, counts: { sent: 40, failed: 0 } });
      const paid = m.paid('transfer');
      const rows = await reportOf(journal, result.batchId);
      for (const row of rows) {
        expect(paid.get(row.billno)).toBe(row.openid);
        // A row resolved by the query is resent identically to get package_info, which the query does not carry.
        expect(row).toMatchObject({ state: 'sent', status: 'WAIT_USER_CONFIRM', detail: expect.any(String) });
      }
      expect(rows.filter((r) => r.attempts > 1).length).toBeGreaterThan(0);
      const mine = [...paid.entries()].filter(([number]) => rows.some((r) => r.billno === number));
      expect(mine.map(([, openid]) => openid).sort()).toEqual([...valid].sort());
    } finally {
      m.sandbox.admin.resetFaults();
      await journal.close();
    }
  }, 60_000);
});

describe('runPayouts (transfer) stops', () => {
  it('on NOT_ENOUGH: stops, keeps the rows pending, and pays them after a top-up', async () => {
    const appid = 'wxc1c2c3d4e5f60720';
    const config = await m.sandbox.admin.createMerchant({ mchid: '1900777101', appids: { mp: appid }, balance: 250 });
    const wxpay = new Wxpay(config);
    const journal = openSqliteJournal(`${m.dir}/transfer-notenough.db`);
    const source = arraySource(
      'transfer-notenough',
      [1, 2, 3, 4].map((i) => ({ openid: `oNotEnoughPayee${i}`, amount: 100 })),
    );
    const options = { wxpay, journal, kind: 'transfer' as const, source, appid, defaults, concurrency: 1 };
    try {
      const first = await runPayouts(options);
      expect(first).toMatchObject({ complete: false, reason: 'notenough', counts: { sent: 2, pending: 2 } });
      const waiting = (await reportOf(journal, 'transfer-notenough')).filter((r) => r.state !== 'sent');
      expect(waiting.map((r) => [r.state, r.err_code])).toEqual([
        ['pending', 'NOT_ENOUGH'],
        ['pending', null],
      ]);
      m.sandbox.admin.topUp('1900777101', 10_000);
      expect(await runPayouts(options)).toMatchObject({ complete: true, counts: { sent: 4 } });
      expect(m.sandbox.admin.transfers({ mchid: '1900777101' })).toHaveLength(4);
    } finally {
      await journal.close();
      await wxpay.close();
    }
  });

  it('on INVALID_REQUEST (a scene not granted, an amount over the merchant range): stops for the configuration', async () => {
    for (const [name, rows, extra] of [
      ['scene', [{ openid: 'oScenePayee1', amount: 100 }], { transfer_scene_id: '1002' }],
      ['range', [{ openid: 'oRangePayee1', amount: 30_000 }], {}],
    ] as const) {
      const journal = openSqliteJournal(`${m.dir}/transfer-invalid-${name}.db`);
      try {
        const result = await runPayouts({
          wxpay: m.client(),
          journal,
          kind: 'transfer',
          source: arraySource(`invalid-${name}`, rows),
          appid: m.appid,
          defaults: { ...defaults, ...extra },
        });
        expect(result).toMatchObject({ complete: false, reason: 'config', counts: { pending: 1, sent: 0, failed: 0 } });
        expect(result.message).toMatch(/INVALID_REQUEST/);
      } finally {
        await journal.close();
      }
    }
  });

  it('names the payee from 2,000 yuan: user_name is encrypted for WeChat Pay and the bill is created', async () => {
    const appid = 'wxd1d2c3d4e5f60721';
    const config = await m.sandbox.admin.createMerchant({
      mchid: '1900777102',
      appids: { mp: appid },
      balance: 10_000_000,
      settings: { transferMaxAmount: 2_000_000 },
    });
    const wxpay = new Wxpay(config);
    const journal = openSqliteJournal(`${m.dir}/transfer-name.db`);
    try {
      const source = arraySource('named', [{ openid: 'oNamedPayee1', amount: 250_000, user_name: '王小明' }]);
      const result = await runPayouts({ wxpay, journal, kind: 'transfer', source, appid, defaults });
      expect(result).toMatchObject({ complete: true, counts: { sent: 1, sentAmount: 250_000 } });
      const [bill] = m.sandbox.admin.transfers({ mchid: '1900777102' });
      // The query returns the name encrypted for the merchant: it decrypts to the row's.
      expect(wxpay.decrypt(String(bill?.user_name))).toBe('王小明');
    } finally {
      await journal.close();
      await wxpay.close();
    }
  });
});
