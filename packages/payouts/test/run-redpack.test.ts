// The engine end to end against the sandbox: a redpack batch pays every row once, journals it, and resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource, openSqliteJournal, runPayouts } from '../src/index.js';
import {
  payoutDefaults as defaults,
  type PayoutMerchant,
  reportOf,
  startPayoutMerchant,
} from './support/sandbox-merchant.js';

let m: PayoutMerchant;
beforeAll(async () => {
  m = await startPayoutMerchant(20);
});
afterAll(() => m?.close());

describe('runPayouts (redpack)', () => {
  it('pays every row once and records send_listid', async () => {
    const csv = `openid,amount\n${m.openids
      .slice(0, 10)
      .map((o, i) => `${o},${100 + i}`)
      .join('\n')}\n`;
    const source = fileSource(m.file('lantern.csv', csv));
    const journal = openSqliteJournal(`${m.dir}/journal.db`);
    const wxpay = m.client();
    const result = await runPayouts({ wxpay, journal, kind: 'redpack', source, appid: m.appid, defaults, rate: 1000 });
    expect(result).toMatchObject({ batchId: 'lantern', complete: true });
    expect(result.counts).toMatchObject({ sent: 10, failed: 0, sentAmount: 1045 });
    const packets = m.sandbox.admin.redpacks({ mchid: m.config.mchid });
    expect(packets).toHaveLength(10);
    const rows = await reportOf(journal, 'lantern');
    expect(rows.map((r) => r.state)).toEqual(Array(10).fill('sent'));
    for (const row of rows) {
      const packet = packets.find((p) => p.mch_billno === row.billno);
      expect(packet?.re_openid).toBe(row.openid);
      expect(packet?.send_listid).toBe(row.wx_id);
    }
    // Running it again sends nothing.
    const again = await runPayouts({ wxpay, journal, kind: 'redpack', source, appid: m.appid, defaults, rate: 1000 });
    expect(again.complete).toBe(true);
    expect(m.sandbox.admin.redpacks({ mchid: m.config.mchid })).toHaveLength(10);
    await journal.close();
  });
});
