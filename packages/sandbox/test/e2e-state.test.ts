// End-to-end tests of the sandbox as a running service, through the wxpay SDK: state, keys and clock surviving a
// restart on the same data directory, the config files other clients start from, the HTTP control API under
// /_sandbox/, and fault injection (SYSTEMERROR, committed-but-dropped replies, delays).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type SendRedpackRequest,
  Wxpay,
  WxpayConnectionError,
  type WxpayOptions,
  WxpayParseError,
  WxpayResultError,
} from 'wxpay';
import { DEFAULT_FAULTS, type FaultSettings } from '../src/faults.js';
import { readSandboxConfig, type Sandbox, type SandboxConfigFile, startSandbox } from '../src/index.js';
import type { Delivery } from '../src/notifier.js';
import type { RedpackView } from '../src/v2/actions.js';
import {
  type AdminReply,
  GLOBAL,
  LI,
  MCH,
  REDPACK_APPID,
  redpack,
  rejectionOf,
  adminHttp as sharedAdminHttp,
  adminOk as sharedAdminOk,
  ZHANG,
} from './support/fixtures.js';

const hourMs = 60 * 60 * 1000;

let dataDir: string;
let sandbox: Sandbox;
let clients: Wxpay[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wxpay-sandbox-'));
  sandbox = await startSandbox({ port: 0, dataDir });
});

afterAll(async () => {
  await closeClients();
  await sandbox?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// ---- Helpers.

/** A client of a sandbox merchant (10000098 by default) on the running sandbox; closed after the file. */
function client(mchid = MCH, overrides: Partial<WxpayOptions> = {}): Wxpay {
  const created = new Wxpay({ ...sandbox.merchantConfig(mchid), ...overrides });
  clients.push(created);
  return created;
}

async function closeClients(): Promise<void> {
  await Promise.all(clients.map((each) => each.close()));
  clients = [];
}

function sendRedpack(wxpay: Wxpay, xml: SendRedpackRequest) {
  return wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml });
}

function getHbInfo(wxpay: Wxpay, mchBillno: string) {
  return wxpay.v2.mmpaymkttransfers.gethbinfo.post({
    xml: { mch_billno: mchBillno, mch_id: MCH, appid: REDPACK_APPID, bill_type: 'MCHT' },
  });
}

function queryCouponStock(wxpay: Wxpay) {
  return wxpay['v2/mmpaymkttransfers/query_coupon_stock'].post({
    xml: { coupon_stock_id: '1757', appid: 'wx5edab3bdfba3dc1c', mch_id: MCH, version: '1.0', type: 'XML' },
  });
}

/** The red packets of 10000098 with this billno, as the admin API sees them. */
function recorded(mchBillno: string): RedpackView[] {
  return sandbox.admin.redpacks({ mchid: MCH }).filter((row) => row.mch_billno === mchBillno);
}

/** Nobody listens on port 1: notifications to it stay pending, with their failed attempts recorded. */
const DEAD_NOTIFY_URL = 'https://127.0.0.1:1/wxpay/notify';

/** An APIv3 Native order of the global merchant (for notifications, and for the APIv3 clock check). */
function createGlobalOrder(wxpay: Wxpay, outTradeNo: string) {
  return wxpay.v3.global.transactions.native.post({
    json: {
      mchid: GLOBAL,
      appid: 'wx2421b1c4370ec43b',
      description: 'Image形象店-深圳腾大-QQ公仔',
      out_trade_no: outTradeNo,
      notify_url: DEAD_NOTIFY_URL,
      trade_type: 'NATIVE',
      merchant_category_code: '4111',
      amount: { total: 1, currency: 'HKD' },
    },
  });
}

/** The admin API has no balance getter; a 1-fen top-up answers with the new balance (this read's fen included). */
function probeBalance(): number {
  return sandbox.admin.topUp(MCH, 1).balance;
}

function adminHttp(method: 'GET' | 'POST', path: string, body?: unknown): Promise<AdminReply> {
  return sharedAdminHttp(sandbox, method, path, body);
}

function adminOk<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  return sharedAdminOk<T>(sandbox, method, path, body);
}

// ---- The tests.

describe('config files', () => {
  it('writes sandbox.json and the PEM files, and readSandboxConfig gives a working client', async () => {
    const configPath = join(dataDir, 'sandbox.json');
    expect(sandbox.configPath).toBe(configPath);
    const file = JSON.parse(readFileSync(configPath, 'utf8')) as SandboxConfigFile;
    expect(file.url).toBe(sandbox.url);
    expect(Object.keys(file.merchants).sort()).toEqual(['10000098', '1230000109', '1900000100', '1900000109']);
    const entry = file.merchants[MCH];
    expect(entry).toBeDefined();
    for (const relative of [file.ca, ...Object.values(entry?.files ?? {})]) {
      expect(existsSync(join(dataDir, relative)), relative).toBe(true);
    }
    expect(entry?.files.platformCert).toBe(`merchants/${MCH}/wechatpay_${entry?.platformCertSerial}.pem`);
    expect(readFileSync(join(dataDir, file.ca), 'utf8')).toBe(sandbox.tls.ca);
    if (process.platform !== 'win32') {
      expect(statSync(join(dataDir, entry?.files.key ?? '')).mode & 0o777).toBe(0o600);
    }

    const fromFiles = readSandboxConfig(dataDir, MCH);
    expect(fromFiles).toEqual(sandbox.merchantConfig(MCH));
    expect(readSandboxConfig(configPath)).toEqual(fromFiles);
    expect(() => readSandboxConfig(dataDir, '10000097')).toThrow(/10000097/);

    const wxpay = new Wxpay(fromFiles);
    clients.push(wxpay);
    const sent = await sendRedpack(wxpay, redpack());
    expect((await getHbInfo(wxpay, sent.mch_billno)).status).toBe('SENT');
    // A signed reply verifies with the key from the files.
    expect((await queryCouponStock(wxpay)).coupon_stock_id).toBe('1757');
  });

  it('a merchant created later is written to the files at once', async () => {
    await sandbox.admin.createMerchant({ mchid: '10000099', appids: { redpack: 'wx9999999999999999' } });
    const config = readSandboxConfig(dataDir, '10000099');
    expect(config).toEqual(sandbox.merchantConfig('10000099'));
    // Its files authenticate it: the certificate and key pass the CA check, the key signs.
    const wxpay = new Wxpay(config);
    clients.push(wxpay);
    const error = await rejectionOf(
      wxpay.v2.mmpaymkttransfers.gethbinfo.post({
        xml: { mch_billno: '100000992025010100000001', appid: 'wx9999999999999999', bill_type: 'MCHT' },
      }),
    );
    expect(error).toBeInstanceOf(WxpayResultError);
    expect((error as WxpayResultError).errCode).toBe('NOT_FOUND');
  });
});

describe('restart on the same data directory', () => {
  it('keeps red packets, balances, merchant keys, the CA and the clock offset', async () => {
    const wxpay = client();
    const request = redpack({ re_openid: LI, total_amount: 1234 });
    const sent = await sendRedpack(wxpay, request);
    await sandbox.admin.advanceClock(2 * hourMs);
    const clockBefore = sandbox.admin.clock();
    const balanceBefore = probeBalance();
    const configBefore = sandbox.merchantConfig(MCH);
    const caBefore = sandbox.tls.ca;
    const urlBefore = sandbox.url;

    await closeClients();
    await sandbox.close();
    sandbox = await startSandbox({ port: 0, dataDir });

    const configAfter = sandbox.merchantConfig(MCH);
    expect(configAfter.serial).toBe(configBefore.serial);
    expect({ ...configAfter, baseURL: '' }).toEqual({ ...configBefore, baseURL: '' });
    expect(sandbox.tls.ca).toBe(caBefore);
    expect(configAfter.baseURL).toBe(sandbox.url);
    // The new port is written to sandbox.json.
    expect(readSandboxConfig(dataDir, MCH).baseURL).toBe(sandbox.url);
    if (sandbox.url !== urlBefore) expect(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')).not.toContain(urlBefore);

    expect(sandbox.admin.clock().offsetMs).toBe(clockBefore.offsetMs);
    expect(sandbox.admin.clock().now).toBeGreaterThanOrEqual(clockBefore.now);
    expect(probeBalance()).toBe(balanceBefore + 1);

    expect(recorded(request.mch_billno)).toEqual([
      expect.objectContaining({ send_listid: sent.send_listid, status: 'SENT', total_amount: 1234 }),
    ]);
    const again = client();
    const info = await getHbInfo(again, request.mch_billno);
    expect(info).toMatchObject({ status: 'SENT', total_amount: '1234' });
    // The re-entry record survived too: a resend is the same packet, not a second payment.
    const resent = await sendRedpack(again, request);
    expect(resent.send_listid).toBe(sent.send_listid);
    expect(probeBalance()).toBe(balanceBefore + 2);
    // Merchants added while the sandbox ran are in the files once it started again.
    expect(readSandboxConfig(dataDir, '10000099')).toEqual(sandbox.merchantConfig('10000099'));
  });

  it('a plain APIv3 client still works after the sandbox clock was advanced', async () => {
    expect(sandbox.admin.clock().offsetMs).toBeGreaterThanOrEqual(2 * hourMs);
    const global = client(GLOBAL);
    const created = await createGlobalOrder(global, `SKEW${Date.now()}`);
    expect(created.code_url).toMatch(/^weixin:\/\//);
  });
});

describe('the HTTP control API under /_sandbox/', () => {
  it('GET /_sandbox/redpacks lists packets; POST /_sandbox/redpacks/open opens one', async () => {
    const wxpay = client();
    const request = redpack({ total_amount: 1500 });
    const sent = await sendRedpack(wxpay, request);

    const all = await adminOk<RedpackView[]>('GET', '/_sandbox/redpacks');
    expect(Array.isArray(all)).toBe(true);
    const listed = all.find((row) => row.mch_billno === request.mch_billno);
    expect(listed).toMatchObject({
      mch_billno: request.mch_billno,
      mch_id: MCH,
      re_openid: ZHANG,
      total_amount: 1500,
      status: 'SENT',
      send_listid: sent.send_listid,
    });
    const sentOnly = await adminOk<RedpackView[]>('GET', `/_sandbox/redpacks?mchid=${MCH}&status=SENT`);
    expect(sentOnly.length).toBeGreaterThan(0);
    expect(sentOnly.every((row) => row.status === 'SENT' && row.mch_id === MCH)).toBe(true);
    expect((await adminHttp('GET', '/_sandbox/redpacks?status=OPENED')).status).toBe(400);

    const opened = await adminOk<RedpackView>('POST', '/_sandbox/redpacks/open', {
      mchid: MCH,
      mch_billno: request.mch_billno,
    });
    expect(opened).toMatchObject({ mch_billno: request.mch_billno, status: 'RECEIVED' });
    expect(opened.rcv_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect((await getHbInfo(wxpay, request.mch_billno)).status).toBe('RECEIVED');
    // Only a SENT packet can be opened: a conflict with its state, and the error says why.
    const twice = await adminHttp('POST', '/_sandbox/redpacks/open', { mchid: MCH, mch_billno: request.mch_billno });
    expect(twice).toMatchObject({ status: 409, json: { code: 'INVALID_STATE' } });
    expect(JSON.stringify(twice.json)).toContain('RECEIVED');
  });

  it('POST /_sandbox/clock/advance moves sandbox time (ms or seconds)', async () => {
    const before = await adminOk<{ now: number; offsetMs: number }>('GET', '/_sandbox/clock');
    const after = await adminOk<{ now: number; offsetMs: number }>('POST', '/_sandbox/clock/advance', { seconds: 60 });
    expect(after.offsetMs).toBe(before.offsetMs + 60_000);
    const more = await adminOk<{ offsetMs: number }>('POST', '/_sandbox/clock/advance', { ms: 500 });
    expect(more.offsetMs).toBe(after.offsetMs + 500);
    expect(sandbox.admin.clock().offsetMs).toBe(more.offsetMs);
    expect((await adminHttp('POST', '/_sandbox/clock/advance', { seconds: -1 })).status).toBe(400);
  });

  it('POST /_sandbox/merchants/topup adds to the balance and answers with it', async () => {
    const first = await adminOk<{ mchid: string; balance: number }>('POST', '/_sandbox/merchants/topup', {
      mchid: MCH,
      amount: 5000,
    });
    expect(first.mchid).toBe(MCH);
    const second = await adminOk<{ balance: number }>('POST', '/_sandbox/merchants/topup', { mchid: MCH, amount: 1 });
    expect(second.balance).toBe(first.balance + 1);
    expect((await adminHttp('POST', '/_sandbox/merchants/topup', { mchid: MCH, amount: 0 })).status).toBe(400);
    expect((await adminHttp('POST', '/_sandbox/merchants/topup', { mchid: '10000097', amount: 1 })).status).toBe(404);
  });

  it('GET and POST /_sandbox/faults read and change the fault settings', async () => {
    try {
      expect(await adminOk<Partial<FaultSettings>>('GET', '/_sandbox/faults')).toEqual({
        systemErrorRate: 0,
        dropReplyRate: 0,
        delayRate: 0,
        delayMs: 0,
      });
      const changed = await adminOk<FaultSettings>('POST', '/_sandbox/faults', { delayRate: 0.5, delayMs: 20 });
      expect(changed).toMatchObject({ delayRate: 0.5, delayMs: 20, systemErrorRate: 0 });
      expect(sandbox.admin.faults()).toMatchObject({ delayRate: 0.5, delayMs: 20 });
      expect(await adminOk<FaultSettings>('GET', '/_sandbox/faults')).toMatchObject({ delayRate: 0.5 });
      // Out-of-range values are refused and change nothing.
      const refused = await adminHttp('POST', '/_sandbox/faults', { systemErrorRate: 2 });
      expect(refused).toMatchObject({ status: 400, json: { code: 'INVALID_REQUEST' } });
      expect(sandbox.admin.faults().systemErrorRate).toBe(0);
    } finally {
      sandbox.admin.setFaults(DEFAULT_FAULTS);
    }
  });

  it('POST /_sandbox/faults can clear a rate limit override with null', async () => {
    try {
      await adminOk('POST', '/_sandbox/faults', { rateLimitPerSecond: 5 });
      expect(sandbox.admin.faults().rateLimitPerSecond).toBe(5);
      await adminOk('POST', '/_sandbox/faults', { rateLimitPerSecond: null });
      expect(sandbox.admin.faults().rateLimitPerSecond).toBeUndefined();
    } finally {
      sandbox.admin.setFaults(DEFAULT_FAULTS);
    }
  });

  it('GET /_sandbox/notifications lists notification deliveries (an order paid over POST /_sandbox/orders/pay)', async () => {
    // The sandbox checks and signs APIv3 timestamps in sandbox time, which earlier tests moved: see the bug below.
    const global = client(GLOBAL);
    const outTradeNo = `E2E${Date.now()}`;
    await createGlobalOrder(global, outTradeNo);
    expect(await adminOk<unknown[]>('GET', `/_sandbox/notifications?mchid=${GLOBAL}`)).toEqual([]);
    await adminOk('POST', '/_sandbox/orders/pay', { mchid: GLOBAL, outTradeNo });

    const deliveries = await adminOk<Delivery[]>('GET', `/_sandbox/notifications?mchid=${GLOBAL}`);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ mchid: GLOBAL, url: DEAD_NOTIFY_URL, eventType: 'TRANSACTION.SUCCESS' });
    expect(deliveries[0]?.state).not.toBe('delivered');
    expect(await adminOk<unknown[]>('GET', `/_sandbox/notifications?mchid=${MCH}`)).toEqual([]);
  });

  it('unknown routes are 404 and a body that is not a JSON object is 400', async () => {
    expect(await adminHttp('GET', '/_sandbox/nothing')).toMatchObject({ status: 404, json: { code: 'NOT_FOUND' } });
    expect(await adminHttp('GET', '/_sandbox/redpacks/open')).toMatchObject({ status: 404 });
    expect(await adminHttp('POST', '/_sandbox/merchants/topup', 'mchid=10000098')).toMatchObject({
      status: 400,
      json: { code: 'PARAM_ERROR' },
    });
    expect(await adminHttp('POST', '/_sandbox/faults', '[1]')).toMatchObject({ status: 400 });
  });
});

describe('faults', () => {
  afterEach(() => {
    sandbox.admin.setFaults(DEFAULT_FAULTS);
  });

  it('systemErrorRate 1: SYSTEMERROR with outcome unknown, and nothing recorded', async () => {
    const wxpay = client();
    const request = redpack();
    const balanceBefore = probeBalance();
    sandbox.admin.setFaults({ systemErrorRate: 1 });
    const error = await rejectionOf(sendRedpack(wxpay, request));
    expect(error).toBeInstanceOf(WxpayResultError);
    expect(error).toMatchObject({ errCode: 'SYSTEMERROR', outcome: 'unknown' });
    expect(recorded(request.mch_billno)).toEqual([]);
    expect(probeBalance()).toBe(balanceBefore + 1);

    // "unknown" means: resend the same billno. With the fault gone it goes through, once.
    sandbox.admin.setFaults(DEFAULT_FAULTS);
    const sent = await sendRedpack(wxpay, request);
    expect(recorded(request.mch_billno)).toEqual([expect.objectContaining({ send_listid: sent.send_listid })]);
    expect(probeBalance()).toBe(balanceBefore + 2 - 1000);
  });

  it('dropReplyRate 1: the SDK sees a broken connection (sent), but the packet WAS recorded; re-entry saves the day', async () => {
    const wxpay = client();
    const request = redpack({ total_amount: 2000 });
    const balanceBefore = probeBalance();
    sandbox.admin.setFaults({ dropReplyRate: 1 });
    const error = await rejectionOf(sendRedpack(wxpay, request));
    expect(error instanceof WxpayConnectionError || error instanceof WxpayParseError, String(error)).toBe(true);
    if (error instanceof WxpayConnectionError) expect(error.sent).toBe(true);

    const [packet] = recorded(request.mch_billno);
    expect(packet).toMatchObject({ status: 'SENT', total_amount: 2000 });
    expect(probeBalance()).toBe(balanceBefore + 1 - 2000);

    // Resending the same billno with the same fields gets the packet that was made, and pays nothing more.
    sandbox.admin.setFaults(DEFAULT_FAULTS);
    const resent = await sendRedpack(wxpay, request);
    expect(resent.send_listid).toBe(packet?.send_listid);
    expect(recorded(request.mch_billno)).toHaveLength(1);
    expect(probeBalance()).toBe(balanceBefore + 2 - 2000);
  });

  it('delayRate 1 with delayMs 300 delays the reply', async () => {
    const wxpay = client();
    await queryCouponStock(wxpay); // connect first, so the measurement is the reply only
    sandbox.admin.setFaults({ delayRate: 1, delayMs: 300 });
    const started = performance.now();
    const stock = await queryCouponStock(wxpay);
    expect(performance.now() - started).toBeGreaterThan(250);
    expect(stock.coupon_stock_id).toBe('1757');
  });
});
