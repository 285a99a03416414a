// The daily limits are kept as running totals (daily_totals, schema version 2). A data directory written by a version-1
// sandbox, which had no such table, must keep its limits: the packets already sent today still count after the upgrade.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Wxpay, WxpayResultError } from 'wxpay';
import { type Sandbox, startSandbox } from '../src/index.js';
import { SCHEMA_VERSION } from '../src/store.js';
import { startNextChinaDay } from './support/china-day.js';
import { numberSequence, redpack } from './support/fixtures.js';

const MCH = '10000089';
const APPID = 'wx8989898989898989';
const USER = 'oxTWIuGaIt6gTKsQRLau2M0y89A';

const dataDir = mkdtempSync(join(tmpdir(), 'wxpay-daily-totals-'));
const open: { sandbox?: Sandbox; wxpay?: Wxpay } = {};

afterAll(async () => {
  await open.wxpay?.close();
  await open.sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<Sandbox> {
  const sandbox = await startSandbox({ port: 0, dataDir });
  open.sandbox = sandbox;
  return sandbox;
}

const billno = numberSequence(`${MCH}20250101`);
const send = (wxpay: Wxpay) => {
  const xml = redpack({
    mch_billno: billno(),
    mch_id: MCH,
    wxappid: APPID,
    re_openid: USER,
  });
  return wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml });
};

describe('daily totals across the upgrade from schema version 1', () => {
  it('counts the packets a version-1 store already holds (SENDNUM_LIMIT still holds after the upgrade)', async () => {
    const first = await start();
    const firstClient = new Wxpay(
      await first.admin.createMerchant({
        mchid: MCH,
        appids: { redpack: APPID },
        users: [{ openid: USER }],
        settings: { redpackUserDailyCount: 2 },
      }),
    );
    await startNextChinaDay(first);
    await send(firstClient);
    await send(firstClient);
    await firstClient.close();
    await first.close();
    open.sandbox = undefined;

    // What a version-1 sandbox would have left: no daily_totals table, schema version 1.
    const db = new Database(join(dataDir, 'sandbox.db'));
    db.exec('DROP TABLE daily_totals');
    db.prepare("UPDATE meta SET value = '1' WHERE key = 'schema_version'").run();
    db.close();

    const second = await start();
    open.wxpay = new Wxpay(second.merchantConfig(MCH));
    const error = await send(open.wxpay).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WxpayResultError);
    expect(error).toMatchObject({ errCode: 'SENDNUM_LIMIT', outcome: 'retry' });

    const check = new Database(join(dataDir, 'sandbox.db'), { readonly: true });
    try {
      const version = check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string };
      expect(version.value).toBe(String(SCHEMA_VERSION));
      const user = check
        .prepare("SELECT count, fen FROM daily_totals WHERE product = 'redpack' AND mchid = ? AND openid = ?")
        .get(MCH, USER);
      expect(user).toEqual({ count: 2, fen: 2000 });
    } finally {
      check.close();
    }
  });
});
