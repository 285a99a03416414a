// The control API's listings of what a client sent, so a test can hold a client's own journal against the sandbox row
// for row: pay-to-staff payments, sent coupons and red packets (by kind), in process and over HTTP, filtered, and the
// pay-to-staff payments a schema-version-2 data directory kept in its key-value table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PayWwspTrans2PocketRequest, Wxpay } from 'wxpay';
import { type Sandbox, startSandbox } from '../src/index.js';
import { openStore, SCHEMA_VERSION } from '../src/store.js';
import {
  adminHttp,
  adminOk,
  CORPID,
  COUPON_APPID,
  LI,
  MCH,
  numberSequence,
  redpack,
  sendCouponRequest,
  startTestSandbox,
  type TestSandbox,
  WANG,
  workwxRedpack,
  ZHANG,
} from './support/fixtures.js';

const chinaTime = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const names: Record<string, string> = { [ZHANG]: '张三', [LI]: '李四', [WANG]: '王五' };

let world: TestSandbox;
let sandbox: Sandbox;
let wxpay: Wxpay;

beforeAll(async () => {
  world = await startTestSandbox();
  sandbox = world.sandbox;
  wxpay = world.client(MCH);
});

afterAll(async () => {
  await world?.close();
});

const tradeNo = numberSequence(`${MCH}L`);

function payment(openid: string, amount: number, partnerTradeNo = tradeNo()): PayWwspTrans2PocketRequest {
  return {
    appid: CORPID,
    partner_trade_no: partnerTradeNo,
    openid,
    check_name: 'FORCE_CHECK',
    re_user_name: names[openid],
    amount,
    desc: '六月出差报销费用',
    spbill_create_ip: '10.2.3.10',
    ww_msg_type: 'NORMAL_MSG',
    act_name: '出差报销',
  };
}

const pay = (xml: PayWwspTrans2PocketRequest, via: Wxpay = wxpay) =>
  via.v2.mmpaymkttransfers.promotion.paywwsptrans2pocket.post({ xml });

describe('admin.pocketPayments', () => {
  it('lists every payment as paid, newest first, the same over HTTP, and a resend adds no row', async () => {
    const journal = [];
    for (const [openid, amount] of [
      [ZHANG, 100],
      [LI, 2_345],
      [WANG, 50_000],
    ] as const) {
      const request = payment(openid, amount);
      const reply = await pay(request);
      journal.unshift({
        mchid: MCH,
        partner_trade_no: request.partner_trade_no,
        openid,
        amount,
        payment_no: reply.payment_no,
        payment_time: reply.payment_time,
      });
    }
    // A resend of the first payment is answered from its record, not paid again.
    const first = journal[2];
    if (first === undefined) throw new Error('three payments were made');
    const resent = await pay(payment(ZHANG, 100, first.partner_trade_no));
    expect(resent.payment_no).toBe(first.payment_no);

    const listed = sandbox.admin.pocketPayments({ mchid: MCH }).slice(0, 3);
    expect(listed).toEqual(journal);
    expect(listed[0]?.payment_time).toMatch(chinaTime);
    expect(sandbox.admin.pocketPayments().filter((row) => row.mchid === MCH)).toHaveLength(3);
    expect(sandbox.admin.pocketPayments({ mchid: '10000099' })).toEqual([]);

    expect(await adminOk(sandbox, 'GET', `/_sandbox/pocket-payments?mchid=${MCH}`)).toEqual(journal);
    expect(await adminOk(sandbox, 'GET', '/_sandbox/pocket-payments?mchid=10000099')).toEqual([]);
  });
});

describe('admin.coupons', () => {
  it('lists every sent coupon with its trade number, stock and owner, filtered by merchant and openid', async () => {
    const stock = sandbox.admin.createCouponStock({ mchid: MCH, value: 300, total: 100, max_quota: 0 });
    const journal = [];
    for (const openid of [ZHANG, LI, ZHANG]) {
      const request = sendCouponRequest(openid, { coupon_stock_id: stock.coupon_stock_id });
      const reply = await wxpay.v2.mmpaymkttransfers.send_coupon.post({ xml: request });
      journal.unshift({
        mchid: MCH,
        partner_trade_no: request.partner_trade_no,
        coupon_id: reply.coupon_id,
        coupon_stock_id: stock.coupon_stock_id,
        openid,
        appid: COUPON_APPID,
        value: 300,
        state: '2',
        send_time: expect.stringMatching(chinaTime),
        use_time: null,
        trade_no: null,
      });
    }

    const ofStock = (rows: { coupon_stock_id: string }[]) =>
      rows.filter((row) => row.coupon_stock_id === stock.coupon_stock_id);
    expect(ofStock(sandbox.admin.coupons())).toEqual(journal);
    expect(ofStock(sandbox.admin.coupons({ mchid: MCH }))).toEqual(journal);
    const zhangs = journal.filter((row) => row.openid === ZHANG);
    expect(ofStock(sandbox.admin.coupons({ mchid: MCH, openid: ZHANG }))).toEqual(zhangs);
    expect(sandbox.admin.coupons({ mchid: '10000099' })).toEqual([]);

    expect(ofStock(await adminOk(sandbox, 'GET', `/_sandbox/coupons?mchid=${MCH}`))).toEqual(journal);
    expect(ofStock(await adminOk(sandbox, 'GET', `/_sandbox/coupons?openid=${ZHANG}`))).toEqual(zhangs);
  });
});

describe('admin.redpacks by kind', () => {
  it('tells sendredpack (NORMAL) from sendworkwxredpack (WORKWX) packets, in process and over HTTP', async () => {
    const normal = redpack({ total_amount: 150 });
    const sentNormal = await wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml: normal });
    const workwx = workwxRedpack({ total_amount: 250 });
    const sentWorkwx = await wxpay.chain('v2/mmpaymkttransfers/sendworkwxredpack').post({ xml: workwx });

    const expected = (
      request: { mch_billno: string; re_openid: string; total_amount: number },
      sendListid: string,
      kind: string,
    ) => ({
      mch_billno: request.mch_billno,
      re_openid: request.re_openid,
      total_amount: request.total_amount,
      send_listid: sendListid,
      status: expect.stringMatching(/^(SENDING|SENT)$/),
      kind,
    });
    const normals = sandbox.admin.redpacks({ mchid: MCH, kind: 'NORMAL' });
    const workwxs = sandbox.admin.redpacks({ mchid: MCH, kind: 'WORKWX' });
    expect(normals.every((row) => row.kind === 'NORMAL')).toBe(true);
    expect(workwxs.every((row) => row.kind === 'WORKWX')).toBe(true);
    expect(normals[0]).toMatchObject(expected(normal, sentNormal.send_listid, 'NORMAL'));
    expect(workwxs[0]).toMatchObject(expected(workwx, sentWorkwx.send_listid, 'WORKWX'));

    const overHttp = await adminOk<unknown[]>(sandbox, 'GET', `/_sandbox/redpacks?mchid=${MCH}&kind=WORKWX`);
    expect(overHttp).toEqual(workwxs);
  });

  it('refuses a kind that is not one (400 naming the field)', async () => {
    expect(() => sandbox.admin.redpacks({ kind: 'normal' })).toThrow(/kind must be one of NORMAL, WORKWX/);
    const reply = await adminHttp(sandbox, 'GET', '/_sandbox/redpacks?kind=GROUP');
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^kind/) });
  });
});

describe('pay-to-staff payments of a schema-version-2 data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wxpay-pocket-upgrade-'));
  const open: { sandbox?: Sandbox; wxpay?: Wxpay } = {};

  afterAll(async () => {
    await open.wxpay?.close();
    await open.sandbox?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('are listed (openid and amount unknown) and still answer resends after the upgrade', async () => {
    const first = await startSandbox({ port: 0, dataDir });
    open.sandbox = first;
    open.wxpay = new Wxpay(first.merchantConfig(MCH));
    const request = payment(ZHANG, 1_000, `${MCH}UPGRADE1`);
    const paid = await pay(request, open.wxpay);
    const balance = first.admin.balance(MCH).balance;
    await open.wxpay.close();
    await first.close();
    open.sandbox = undefined;

    // What a version-2 sandbox would have left: the payment as a key-value pair, no pocket_payments table.
    const db = new Database(join(dataDir, 'sandbox.db'));
    const row = db.prepare('SELECT * FROM pocket_payments').get() as { payment_time: number; request_hash: string };
    db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)').run(
      `v2.paywwsptrans2pocket.${MCH}.${request.partner_trade_no}`,
      JSON.stringify({ hash: row.request_hash, payment_no: paid.payment_no, payment_time: row.payment_time }),
    );
    db.exec('DROP TABLE pocket_payments');
    db.prepare("UPDATE meta SET value = '2' WHERE key = 'schema_version'").run();
    db.close();

    const second = await startSandbox({ port: 0, dataDir });
    open.sandbox = second;
    expect(second.admin.pocketPayments()).toEqual([
      {
        mchid: MCH,
        partner_trade_no: request.partner_trade_no,
        openid: null,
        amount: null,
        payment_no: paid.payment_no,
        payment_time: paid.payment_time,
      },
    ]);
    open.wxpay = new Wxpay(second.merchantConfig(MCH));
    const resent = await pay(request, open.wxpay);
    expect(resent.payment_no).toBe(paid.payment_no);
    expect(second.admin.balance(MCH).balance).toBe(balance);

    const check = new Database(join(dataDir, 'sandbox.db'), { readonly: true });
    try {
      const version = check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string };
      expect(version.value).toBe(String(SCHEMA_VERSION));
      expect(check.prepare("SELECT COUNT(*) AS n FROM kv WHERE key LIKE 'v2.paywwsptrans2pocket.%'").get()).toEqual({
        n: 0,
      });
    } finally {
      check.close();
    }
  });
});

describe('a damaged pay-to-staff record of a schema-version-2 data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wxpay-pocket-damaged-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops the upgrade, naming its key, and leaves the data directory as it was', () => {
    openStore(dataDir).close();
    const db = new Database(join(dataDir, 'sandbox.db'));
    const key = `v2.paywwsptrans2pocket.${MCH}.DAMAGED1`;
    db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)').run(key, '{"hash":"x"}');
    db.exec('DROP TABLE pocket_payments');
    db.prepare("UPDATE meta SET value = '2' WHERE key = 'schema_version'").run();
    db.close();

    expect(() => openStore(dataDir)).toThrow(`damaged pay-to-staff record under ${key}`);
    const check = new Database(join(dataDir, 'sandbox.db'), { readonly: true });
    try {
      expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({ value: '2' });
      expect(check.prepare('SELECT value FROM kv WHERE key = ?').get(key)).toEqual({ value: '{"hash":"x"}' });
    } finally {
      check.close();
    }
  });
});
