// The ledger's history end to end: every balance move the sandbox makes (opening balance, red packet, WeCom payout,
// top-up, the refund of an unopened red packet) leaves one row, through the SDK and the admin; refused payments leave
// none; the rows add up to the balance; the admin lists them read-only, in process and under `/_sandbox/ledger`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wxpay } from 'wxpay';
import type { Sandbox } from '../src/index.js';
import { openStore } from '../src/store.js';
import { redpackExpirySeconds, redpackRefundingSeconds } from '../src/v2/redpack.js';
import { startNextChinaDay } from './support/china-day.js';
import {
  adminHttp,
  adminOk,
  CORPID,
  expectResultError,
  MCH,
  merchantConfig,
  nextBillno,
  redpack,
  startTestSandbox,
  type TestSandbox,
  ZHANG,
} from './support/fixtures.js';

/** A merchant of this file alone, so its ledger holds only what the tests here did. */
const OWN = '10000071';
const OWN_APPID = 'wx7171717171717171';
const OWN_USER = 'oxTWIuGaIt6gTKsQRLau2M0y71A';

let world: TestSandbox;
let sandbox: Sandbox;
let wxpay: Wxpay;

beforeAll(async () => {
  world = await startTestSandbox();
  sandbox = world.sandbox;
  wxpay = world.client();
  await sandbox.admin.createMerchant({
    mchid: OWN,
    balance: 1234,
    appids: { redpack: OWN_APPID },
    users: [{ openid: OWN_USER, name: '赵六' }],
  });
});

afterAll(async () => {
  await world?.close();
});

interface Entry {
  seq: number;
  mchid: string;
  amount: number;
  balance: number;
  reason: string;
  reference: string;
  at: number;
}

const ledgerOf = (mchid: string): Entry[] => sandbox.admin.ledger({ mchid });

describe('the ledger', () => {
  it('starts a new merchant with its opening balance', () => {
    expect(ledgerOf(OWN)).toEqual([
      expect.objectContaining({ mchid: OWN, amount: 1234, balance: 1234, reason: 'opening', reference: '' }),
    ]);
  });

  it('keeps one row per move, with reason and reference, and adds up to the balance', async () => {
    await startNextChinaDay(sandbox);
    const before = ledgerOf(MCH).length;
    const billno = nextBillno();
    await wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml: redpack({ mch_billno: billno, total_amount: 1000 }) });
    // A re-entry pays nothing and records nothing.
    await wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml: redpack({ mch_billno: billno, total_amount: 1000 }) });
    await wxpay.v2.mmpaymkttransfers.promotion.paywwsptrans2pocket.post({
      xml: {
        appid: CORPID,
        partner_trade_no: `${MCH}LEDGER0001`,
        openid: ZHANG,
        check_name: 'NO_CHECK',
        amount: 200,
        desc: '报销',
        spbill_create_ip: '10.2.3.10',
        ww_msg_type: 'NORMAL_MSG',
        act_name: '出差报销',
      },
    });
    sandbox.admin.topUp(MCH, 5000);
    // Unopened, the packet expires and its money comes back.
    await sandbox.admin.advanceClock((redpackExpirySeconds + redpackRefundingSeconds) * 1000);

    const entries = ledgerOf(MCH);
    expect(entries.slice(before).map(({ amount, reason, reference }) => ({ amount, reason, reference }))).toEqual([
      { amount: -1000, reason: 'redpack', reference: billno },
      { amount: -200, reason: 'payout', reference: `${MCH}LEDGER0001` },
      { amount: 5000, reason: 'top_up', reference: '' },
      { amount: 1000, reason: 'redpack_refund', reference: billno },
    ]);
    // Each row's balance is the running sum, and the last is the balance the admin reports.
    let running = 0;
    for (const entry of entries) {
      running += entry.amount;
      expect(entry.balance).toBe(running);
    }
    expect(running).toBe(sandbox.admin.balance(MCH).balance);
    const seqs = entries.map((entry) => entry.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('records nothing for a payment refused for want of money (NOTENOUGH)', async () => {
    const before = ledgerOf(OWN);
    const poor = world.client(OWN);
    const xml = redpack({ mch_id: OWN, wxappid: OWN_APPID, re_openid: OWN_USER, total_amount: 5000 });
    await expectResultError(poor.v2.mmpaymkttransfers.sendredpack.post({ xml }), 'NOTENOUGH', 'retry');
    expect(ledgerOf(OWN)).toEqual(before);
    expect(sandbox.admin.balance(OWN).balance).toBe(1234);
  });

  it('is listed under /_sandbox/ledger, by merchant, and cannot be written there', async () => {
    const listed = await adminOk<Entry[]>(sandbox, 'GET', `/_sandbox/ledger?mchid=${OWN}`);
    expect(listed).toEqual(ledgerOf(OWN));
    const all = await adminOk<Entry[]>(sandbox, 'GET', '/_sandbox/ledger');
    expect(all.some((entry) => entry.mchid === MCH) && all.some((entry) => entry.mchid === OWN)).toBe(true);
    expect(all.length).toBeGreaterThan(listed.length);
    expect(await adminOk<Entry[]>(sandbox, 'GET', '/_sandbox/ledger?limit=1')).toHaveLength(1);
    expect((await adminHttp(sandbox, 'GET', '/_sandbox/ledger?mchid=1')).status).toBe(404);
    expect((await adminHttp(sandbox, 'GET', '/_sandbox/ledger?limit=-1')).status).toBe(400);
    expect((await adminHttp(sandbox, 'POST', '/_sandbox/ledger', { mchid: OWN, amount: 1 })).status).toBe(404);
  });
});

describe('a database from before the ledger', () => {
  it('opens each merchant’s ledger with its balance as it stands', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wxpay-ledger-'));
    try {
      const old = openStore(dir);
      const pem = { certPem: '', keyPem: '', serial: '' };
      old.merchants.insert({
        mchid: '10000072',
        kind: 'mainland',
        config: merchantConfig({ apiCert: pem }),
        balance: 777,
      });
      // What a sandbox before the ledger had: no such table.
      old.db.exec('DROP TABLE ledger');
      old.close();
      const upgraded = openStore(dir);
      expect(upgraded.ledger.list()).toEqual([
        expect.objectContaining({ mchid: '10000072', amount: 777, balance: 777, reason: 'opening' }),
      ]);
      upgraded.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
