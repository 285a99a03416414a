// The dashboard in Debian's Chromium: every view loads without a console error; a red packet sent through the SDK
// shows up live and is opened from the page (RECEIVED in the page and through the control API); a Native order is
// paid from the payer's page its QR code links to, and its notification (refused once, then delivered from the
// notifications view) reaches a receiver; a page of another origin cannot change the sandbox.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wxpay } from 'wxpay';
import { createJsapiOrder } from '../../../examples/jsapi-pay.js';
import { createTransfer } from '../../../examples/transfer.js';
import { DEFAULTS } from '../src/bootstrap.js';
import { type SandboxConfigFile, startSandbox } from '../src/index.js';
import type { Delivery } from '../src/notifier.js';
import { openStore } from '../src/store.js';
import { adminToken } from '../src/ui/browser-guard.js';
import type { RedpackView } from '../src/v2/actions.js';
import {
  adminOk,
  GLOBAL,
  GLOBAL_APPID,
  MCH,
  redpack,
  startTestSandbox,
  type TestSandbox,
  uniqueNo,
} from './support/fixtures.js';
import { launchUiBrowser, type UiBrowser } from './support/ui-browser.js';

/** The mainland payments merchant of examples/jsapi-pay.ts and examples/transfer.ts, whose orders and bills it makes. */
const MAINLAND_PAYMENTS = DEFAULTS.mainlandPay;

/** A notification receiver on 127.0.0.1 that refuses the first POST (500 with a body), then accepts. */
class Receiver {
  readonly bodies: string[] = [];
  readonly server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.bodies.push(Buffer.concat(chunks).toString('utf8'));
      if (this.bodies.length === 1) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"code":"FAIL","message":"busy, try later"}');
      } else {
        res.writeHead(204);
        res.end();
      }
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
  }
}

let world: TestSandbox;
let ui: UiBrowser;
let page: Page;
let mainland: Wxpay;
let global: Wxpay;
const receiver = new Receiver();
let notifyUrl: string;

beforeAll(async () => {
  // Notifications move only when the test (or the page) says so.
  world = await startTestSandbox({ notifyIntervalMs: 3_600_000 });
  mainland = world.client(MCH);
  global = world.client(GLOBAL);
  [ui, notifyUrl] = await Promise.all([launchUiBrowser(world.sandbox), receiver.start()]);
  page = await ui.newPage();
});

afterAll(async () => {
  await ui?.close();
  await world?.close();
  await new Promise((resolve) => receiver.server.close(resolve));
});

const views = [
  'merchants',
  'redpacks',
  'coupons',
  'orders',
  'refunds',
  'transfers',
  'notifications',
  'faults',
  'clock',
];

async function openView(name: string): Promise<void> {
  await page.goto(`/_sandbox/ui/#${name}`);
  await page.locator(`.data[data-view="${name}"][aria-busy="false"]`).waitFor();
}

describe('the dashboard', () => {
  it('sends the browser from / to /_sandbox/ui/ and loads every view, at 1280 and 375 px, with no console error', async () => {
    const phone = await ui.newPage(375);
    const shell = await phone.goto('/');
    expect(new URL(phone.url()).pathname).toBe('/_sandbox/ui/');
    // Nothing from any other host, and no framing by another site.
    expect(shell?.headers()['content-security-policy']).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    for (const name of views) {
      for (const each of [page, phone]) {
        await each.goto(`/_sandbox/ui/#${name}`);
        await each.locator(`.data[data-view="${name}"][aria-busy="false"]`).waitFor();
        // Every table has column headers; every control has an accessible name.
        for (const table of await each.locator('table').all()) {
          expect(await table.locator('thead th[scope="col"]').count()).toBeGreaterThan(0);
        }
        for (const control of await each.locator('button, input, select, textarea').all()) {
          expect(await accessibleName(control), await control.evaluate((e) => e.outerHTML)).not.toBe('');
        }
      }
    }
    // At 375 px nothing but the scrolling table regions is wider than the screen.
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await phone.close();
    expect(ui.errors).toEqual([]);
  });

  it('shows a fault setting changed in process (not through the page) within a second', async () => {
    await openView('faults');
    await page.locator('#live.on').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Delay (ms)' });
    await row.getByRole('cell', { name: '0', exact: true }).waitFor();
    world.sandbox.admin.setFaults({ delayMs: 4321 });
    try {
      await row.getByRole('cell', { name: '4321', exact: true }).waitFor({ timeout: 1000 });
    } finally {
      world.sandbox.admin.resetFaults();
    }
    await row.getByRole('cell', { name: '0', exact: true }).waitFor({ timeout: 1000 });
    expect(ui.errors).toEqual([]);
  });

  it('shows a red packet sent through the SDK within a second, and opens it as the user', async () => {
    await openView('redpacks');
    await page.locator('#live.on').waitFor();
    const request = redpack({ total_amount: 288 });
    await mainland.v2.mmpaymkttransfers.sendredpack.post({ xml: request });
    const row = page.getByRole('row').filter({ hasText: request.mch_billno });
    await row.getByText('SENT', { exact: true }).waitFor({ timeout: 1000 });

    // The button is in view without scrolling the table sideways, even on a phone.
    const phone = await ui.newPage(375);
    await phone.goto('/_sandbox/ui/#redpacks');
    const box = await phone.getByRole('button', { name: `Open red packet ${request.mch_billno}` }).boundingBox();
    expect(box !== null && box.x >= 0 && box.x + box.width <= 375).toBe(true);
    await phone.close();

    await page.getByRole('button', { name: `Open red packet ${request.mch_billno}` }).click();
    await row.getByText('RECEIVED', { exact: true }).waitFor({ timeout: 1000 });
    const packets = await adminOk<RedpackView[]>(world.sandbox, 'GET', `/_sandbox/redpacks?mchid=${MCH}`);
    expect(packets.find((packet) => packet.mch_billno === request.mch_billno)?.status).toBe('RECEIVED');
    expect(ui.errors).toEqual([]);
  });

  it("pays a Native order on the payer's page its QR code links to; the notification reaches the receiver", async () => {
    const outTradeNo = uniqueNo('UI');
    const { code_url: codeUrl } = await global.v3.global.transactions.native.post({
      json: {
        mchid: GLOBAL,
        appid: GLOBAL_APPID,
        description: 'Image形象店-深圳腾大-QQ公仔',
        out_trade_no: outTradeNo,
        notify_url: notifyUrl,
        trade_type: 'NATIVE',
        merchant_category_code: '4111',
        amount: { total: 1234, currency: 'HKD' },
      },
    });
    await openView('orders');
    const qr = page.getByRole('link', { name: `QR code of order ${outTradeNo}: opens the payer's page` });
    const payerPage = `/_sandbox/ui/pay?code_url=${encodeURIComponent(codeUrl)}`;
    expect(await qr.getAttribute('href')).toBe(`${world.sandbox.url}${payerPage}`);
    // The QR image is an SVG drawn by the sandbox itself.
    expect(
      await qr.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);

    await qr.click();
    await page.getByText('12.34 HKD').first().waitFor();
    await expect.poll(() => page.locator('#state').textContent()).toBe('NOTPAY');
    await page.getByRole('button', { name: 'Pay 12.34 HKD' }).click();
    await page.getByText('支付成功').waitFor();
    // Refused once by the receiver (HTTP 500 and its reply body are logged), then delivered from the dashboard.
    await expect.poll(() => receiver.bodies.length).toBe(1);
    const envelope = JSON.parse(receiver.bodies[0] ?? '{}') as { event_type?: string };
    expect(envelope.event_type).toBe('TRANSACTION.SUCCESS');

    await openView('notifications');
    const row = page.getByRole('row').filter({ hasText: notifyUrl });
    await row.getByText('reply: {"code":"FAIL","message":"busy, try later"}', { exact: false }).waitFor();
    await row.getByRole('button', { name: /^Deliver notification .* now$/ }).click();
    await row.getByText('delivered', { exact: true }).waitFor({ timeout: 1000 });
    expect(receiver.bodies).toHaveLength(2);
    const [delivery] = await adminOk<Delivery[]>(world.sandbox, 'GET', `/_sandbox/notifications?mchid=${GLOBAL}`);
    expect(delivery).toMatchObject({ url: notifyUrl, state: 'delivered' });
    expect(delivery?.attempts.map((attempt) => attempt.status)).toEqual([500, 204]);
    expect(ui.errors).toEqual([]);
  });

  it("fails a mainland order's payment as the payer, and a mainland refund as WeChat Pay", async () => {
    const payments = world.client(MAINLAND_PAYMENTS);
    const order = (outTradeNo: string) => createJsapiOrder(payments, outTradeNo, notifyUrl);
    const [failed, refunded] = [uniqueNo('UIF'), uniqueNo('UIF')];
    await order(failed);
    await order(refunded);
    await world.sandbox.admin.payOrder({ mchid: MAINLAND_PAYMENTS, outTradeNo: refunded });
    const outRefundNo = `${refunded}R`;
    await payments.v3.refund.domestic.refunds.post({
      json: {
        out_trade_no: refunded,
        out_refund_no: outRefundNo,
        amount: { refund: 30, total: 100, currency: 'CNY' },
      },
    });
    const stateOf = (outTradeNo: string) =>
      world.sandbox.admin
        .orders({ mchid: MAINLAND_PAYMENTS })
        .find((o) => (o as { out_trade_no?: unknown }).out_trade_no === outTradeNo) as
        | { trade_state?: string }
        | undefined;

    await openView('orders');
    await page.getByRole('button', { name: `Fail the payment of order ${failed}` }).click();
    await page.getByRole('row').filter({ hasText: failed }).getByText('PAYERROR', { exact: true }).waitFor();
    expect(stateOf(failed)?.trade_state).toBe('PAYERROR');

    await openView('refunds');
    await page.getByRole('button', { name: `Fail refund ${outRefundNo}` }).click();
    await page.getByRole('row').filter({ hasText: outRefundNo }).getByText('ABNORMAL', { exact: true }).waitFor();
    const refund = world.sandbox.admin
      .refunds({ mchid: MAINLAND_PAYMENTS })
      .find((r) => r.out_refund_no === outRefundNo);
    expect(refund?.status).toBe('ABNORMAL');
    expect(ui.errors).toEqual([]);
  });

  it('confirms one merchant transfer and refuses another, as the payee', async () => {
    const payments = world.client(MAINLAND_PAYMENTS);
    const bill = (outBillNo: string) => createTransfer(payments, outBillNo);
    const [confirmed, refused] = [uniqueNo('UIT'), uniqueNo('UIT')];
    await bill(confirmed);
    await bill(refused);
    await openView('transfers');
    const state = async (outBillNo: string) => {
      const [found] = await adminOk<{ state: string }[]>(
        world.sandbox,
        'GET',
        `/_sandbox/transfers?mchid=${MAINLAND_PAYMENTS}&out_bill_no=${outBillNo}`,
      );
      return found?.state;
    };
    await page.getByRole('button', { name: `Confirm transfer ${confirmed}` }).click();
    await page
      .getByRole('row')
      .filter({ hasText: confirmed })
      .getByText(/^(TRANSFERING|SUCCESS)$/)
      .waitFor();
    expect(await state(confirmed)).toMatch(/^(TRANSFERING|SUCCESS)$/);
    await page.getByRole('button', { name: `Refuse transfer ${refused}` }).click();
    await page.getByRole('row').filter({ hasText: refused }).getByText('FAIL', { exact: true }).waitFor();
    expect(await state(refused)).toBe('FAIL');
    expect(ui.errors).toEqual([]);
  });
});

describe('requests from other origins', () => {
  /** A POST to the control API with the given headers; its status and JSON. */
  function post(path: string, body: unknown, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        `${world.sandbox.url}${path}`,
        {
          method: 'POST',
          ca: world.sandbox.tls.ca,
          agent: false,
          headers: { 'content-type': 'application/json', ...headers },
        },
        (reply) => {
          reply.resume();
          reply.on('end', () => resolve(reply.statusCode ?? 0));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(JSON.stringify(body));
    });
  }

  const systemErrorRate = () => world.sandbox.admin.faults().systemErrorRate;

  it('refuses a state change a page of another site makes through the browser, and changes nothing', async () => {
    const evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>another site</title>');
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const other = await ui.context.newPage();
    try {
      await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      // `no-cors`: the page cannot read the reply, but the request is sent (a classic forged request).
      await other.evaluate(async (url) => {
        await fetch(`${url}/_sandbox/faults`, { method: 'POST', mode: 'no-cors', body: '{"systemErrorRate":1}' });
      }, world.sandbox.url);
      expect(systemErrorRate()).toBe(0);
    } finally {
      await other.close();
      await new Promise((resolve) => evil.close(resolve));
    }
  });

  it('answers 403 to a foreign Origin or a cross-site fetch, and accepts the admin token or no browser headers', async () => {
    const change = { systemErrorRate: 0.5 };
    expect(await post('/_sandbox/faults', change, { origin: 'https://evil.example' })).toBe(403);
    expect(await post('/_sandbox/faults', change, { 'sec-fetch-site': 'cross-site' })).toBe(403);
    expect(await post('/_sandbox/faults', change, { origin: 'null' })).toBe(403);
    expect(
      await post('/_sandbox/faults', change, { origin: 'https://evil.example', 'x-wxpay-sandbox-token': 'wrong' }),
    ).toBe(403);
    expect(systemErrorRate()).toBe(0);

    expect(
      await post('/_sandbox/faults', change, {
        origin: 'https://evil.example',
        'x-wxpay-sandbox-token': world.sandbox.adminToken,
      }),
    ).toBe(200);
    expect(systemErrorRate()).toBe(0.5);
    // The sandbox's own pages, and programs that send no Origin (the SDK's tests, curl, the CLI).
    expect(await post('/_sandbox/faults', { systemErrorRate: 0.25 }, { origin: world.sandbox.url })).toBe(200);
    expect(systemErrorRate()).toBe(0.25);
    expect(await post('/_sandbox/faults', { systemErrorRate: 0 }, {})).toBe(200);
    expect(systemErrorRate()).toBe(0);
  });
});

describe('the admin token', () => {
  it("is written to sandbox.json and kept in the data directory's store for the next start", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wxpay-sandbox-ui-'));
    try {
      const sandbox = await startSandbox({ dataDir });
      await sandbox.close();
      expect(sandbox.adminToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const file = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8')) as SandboxConfigFile;
      expect(file.adminToken).toBe(sandbox.adminToken);
      // Kept in the data directory's store: the next start of the same directory uses it again.
      const store = openStore(dataDir);
      try {
        expect(adminToken(store)).toBe(sandbox.adminToken);
      } finally {
        store.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** The accessible name Chromium computes for a control (its label, aria-label or text). */
async function accessibleName(control: import('playwright-core').Locator): Promise<string> {
  const snapshot = await control.ariaSnapshot();
  // `- spinbutton "Delay (ms)": "0"`; YAML quotes a name with a colon in it with single quotes.
  const match = /^- \w+ (?:"([^"]*)"|'([^']*)')/.exec(snapshot);
  return match?.[1] ?? match?.[2] ?? '';
}
