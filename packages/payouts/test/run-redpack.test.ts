// The engine end to end against the sandbox: a redpack batch pays every row once, journals it, and resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource, openSqliteJournal, reportRows, runPayouts } from '../src/index.js';
import { type PayoutMerchant, startPayoutMerchant } from './support/sandbox-merchant.js';

let m: PayoutMerchant;
beforeAll(async () => {
  m = await startPayoutMerchant(20);
});
afterAll(() => m?.close());

const defaults = {
  send_name: '天虹百货',
  wishing: '感谢您参加猜灯谜活动',
  act_name: '猜灯谜抢红包活动',
  remark: '猜越多得越多',
};

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
    const rows = [];
    for await (const row of reportRows(journal, 'lantern')) rows.push(row);
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
