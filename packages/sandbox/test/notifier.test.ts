// Tests for notification delivery: real loopback receivers (https trusted through the sandbox CA, and plain http),
// signatures and decryption checked independently with node:crypto, the retry schedule in sandbox time, the log.
import { createDecipheriv, randomBytes, sign, verify } from 'node:crypto';
import dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SandboxClock } from '../src/clock.js';
import type { SandboxContext } from '../src/context.js';
import { dueNotificationsSql, Notifier, retrySchedule } from '../src/notifier.js';
import { type Pem, type PublicKeyPair, randomSecret32 } from '../src/pki.js';
import type { MerchantConfig, Store } from '../src/store.js';
import { payOrder } from '../src/v3/actions.js';
import { createSigner } from '../src/v3/reply.js';
import { handleV3 } from '../src/v3/router.js';
import { handlerContext, issueTestKeys, merchantConfig as testMerchantConfig } from './support/fixtures.js';

const mchid = '20000001';
const appid = 'wx1111111111111111';
const startMs = Date.UTC(2025, 0, 15, 2, 0, 0);

let pki: { ca: Pem; server: Pem; apiCert: Pem; platform: Pem; publicKey: PublicKeyPair };

beforeAll(async () => {
  const { ca, server, apiCerts, platform, publicKey } = await issueTestKeys(startMs, [mchid]);
  pki = { ca, server, apiCert: apiCerts[mchid] as Pem, platform, publicKey };
});

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A merchant's notification endpoint on 127.0.0.1 answering `status` (changeable), recording every request. */
class Receiver {
  readonly received: Received[] = [];
  status = 200;
  readonly server: http.Server;

  constructor(tls?: Pem) {
    const handler = (request: http.IncomingMessage, response: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(this.status, { 'Content-Type': 'application/json' });
        response.end(this.status === 200 ? '' : '{"code":"FAIL","message":"not now"}');
      });
    };
    this.server = tls
      ? https.createServer({ cert: tls.certPem, key: tls.keyPem }, handler)
      : http.createServer(handler);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let ctx: SandboxContext;
let store: Store;
let now: number;
let clock: SandboxClock;
let notifier: Notifier;
let receivers: Receiver[];
let apiv3Key: string;

function merchantConfig(signingMode: MerchantConfig['signingMode']): MerchantConfig {
  return testMerchantConfig({
    apiv3Key,
    apiCert: pki.apiCert,
    platformCert: pki.platform,
    publicKey: pki.publicKey,
    signingMode,
    appids: { app: appid },
  });
}

beforeEach(() => {
  now = startMs;
  // The notifier is made below, on the context's store and clock; the context reaches it through these closures.
  ctx = handlerContext({
    ca: pki.ca,
    realNow: () => now,
    notify: (notification) => notifier.enqueue(notification),
    deliver: () => notifier.tick(),
  });
  ({ store, clock } = ctx);
  apiv3Key = randomSecret32();
  store.merchants.insert({ mchid, kind: 'global', config: merchantConfig('certificate') });
  notifier = new Notifier({ store, clock, ca: pki.ca, signer: createSigner(store, clock) });
  receivers = [];
});

afterEach(async () => {
  await clock.due.stop();
  await notifier.idle();
  await Promise.all(receivers.map((receiver) => receiver.close()));
  store.close();
});

async function receiver(tls?: Pem): Promise<{ receiver: Receiver; url: string }> {
  const created = new Receiver(tls);
  receivers.push(created);
  const port = await created.listen();
  return { receiver: created, url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/wxpay/notify` };
}

function notify(url: string, resource: object = { hello: 'world' }): string {
  return notifier.enqueue({
    mchid,
    url,
    eventType: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource,
    originalType: 'transaction',
  });
}

/** Checks the notification's signature with `publicKeyOrCert` and returns the serial it names. */
function verifiedSerial({ headers, body }: Received, publicKeyOrCert: string): string {
  const message = `${headers['wechatpay-timestamp']}\n${headers['wechatpay-nonce']}\n${body}\n`;
  const signature = Buffer.from(String(headers['wechatpay-signature']), 'base64');
  expect(verify('sha256', Buffer.from(message), publicKeyOrCert, signature)).toBe(true);
  return String(headers['wechatpay-serial']);
}

interface Envelope {
  id: string;
  create_time: string;
  event_type: string;
  resource_type: string;
  summary: string;
  resource: { algorithm: string; ciphertext: string; nonce: string; associated_data: string; original_type: string };
}

function open(envelope: Envelope): unknown {
  const { resource } = envelope;
  const sealed = Buffer.from(resource.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiv3Key), Buffer.from(resource.nonce));
  decipher.setAAD(Buffer.from(resource.associated_data));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  const plaintext = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
  return JSON.parse(plaintext.toString('utf8'));
}

describe('delivery', () => {
  it('delivers a paid order to an https receiver trusted through the sandbox CA, signed and decrypting to the order', async () => {
    const { receiver: merchant, url } = await receiver(pki.server);
    const body = {
      mchid,
      appid,
      description: 'Sandbox mug',
      out_trade_no: 'N1',
      notify_url: url,
      trade_type: 'NATIVE',
      merchant_category_code: '5812',
      amount: { total: 100, currency: 'HKD' },
    };
    const raw = JSON.stringify(body);
    const timestamp = String(Math.floor(now / 1000));
    const nonce = randomBytes(8).toString('hex');
    const path = '/v3/global/transactions/native';
    const signature = sign(
      'sha256',
      Buffer.from(`POST\n${path}\n${timestamp}\n${nonce}\n${raw}\n`),
      pki.apiCert.keyPem,
    );
    const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${mchid}",nonce_str="${nonce}",timestamp="${timestamp}",serial_no="${pki.apiCert.serial}",signature="${signature.toString('base64')}"`;
    const created = handleV3(ctx, {
      method: 'POST',
      pathAndQuery: path,
      headers: { authorization },
      rawBody: Buffer.from(raw),
      clientCert: undefined,
    });
    expect(created.status).toBe(200);
    const order = payOrder(ctx, { mchid, outTradeNo: 'N1' });

    await notifier.tick();
    expect(merchant.received).toHaveLength(1);
    const [delivery] = merchant.received;
    if (delivery === undefined) throw new Error('nothing delivered');
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(verifiedSerial(delivery, pki.platform.certPem)).toBe(pki.platform.serial);
    expect(delivery.headers['wechatpay-timestamp']).toBe(String(Math.floor(now / 1000)));
    const envelope = JSON.parse(delivery.body) as Envelope;
    expect(envelope).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      create_time: '2025-01-15T10:00:00+08:00',
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      summary: '支付成功',
      resource: { algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction', original_type: 'transaction' },
    });
    expect(envelope.resource.nonce).toHaveLength(12);
    expect(open(envelope)).toEqual(order);

    const [logged] = notifier.log();
    expect(logged).toMatchObject({ id: envelope.id, state: 'delivered', deliveredAt: Math.floor(now / 1000) });
    expect(logged?.attempts).toEqual([{ at: Math.floor(now / 1000), status: 200, error: null }]);
    // Delivered: later ticks send nothing more.
    now += 3600_000;
    await notifier.tick();
    expect(merchant.received).toHaveLength(1);
  });

  it('delivers over plain http to a loopback receiver, signed with the public key in mixed mode', async () => {
    store.merchants.update({ mchid }, { config: merchantConfig('mixed') });
    const { receiver: merchant, url } = await receiver();
    notify(url, { out_trade_no: 'H1' });
    await notifier.tick();
    const [delivery] = merchant.received;
    if (delivery === undefined) throw new Error('nothing delivered');
    expect(verifiedSerial(delivery, pki.publicKey.publicKeyPem)).toBe(pki.publicKey.id);
    expect(open(JSON.parse(delivery.body) as Envelope)).toEqual({ out_trade_no: 'H1' });
  });

  it('signs every attempt afresh at sandbox time', async () => {
    const { receiver: merchant, url } = await receiver();
    merchant.status = 500;
    notify(url);
    await notifier.tick();
    now += 15_000;
    await notifier.tick();
    const [first, second] = merchant.received;
    expect(first?.body).toBe(second?.body);
    expect(Number(second?.headers['wechatpay-timestamp']) - Number(first?.headers['wechatpay-timestamp'])).toBe(15);
    expect(first?.headers['wechatpay-nonce']).not.toBe(second?.headers['wechatpay-nonce']);
  });
});

describe('retries', () => {
  it('makes a failed notification due again only when the sandbox clock reaches the next step', async () => {
    const { receiver: merchant, url } = await receiver();
    merchant.status = 500;
    const id = notify(url);
    await notifier.tick();
    expect(merchant.received).toHaveLength(1);
    const start = Math.floor(now / 1000);
    expect(notifier.log({ id })[0]).toMatchObject({ state: 'pending', nextAttemptAt: start + 15 });

    // Not yet due: neither another tick nor 14 s more.
    await notifier.tick();
    now += 14_000;
    await notifier.tick();
    expect(merchant.received).toHaveLength(1);
    now += 1000;
    await notifier.tick();
    expect(merchant.received).toHaveLength(2);
    now += 15_000;
    await notifier.tick();
    expect(merchant.received).toHaveLength(3);
    // The third failure waits 30 s.
    now += 29_000;
    await notifier.tick();
    expect(merchant.received).toHaveLength(3);
    now += 1000;
    merchant.status = 200;
    await notifier.tick();
    expect(merchant.received).toHaveLength(4);

    const [logged] = notifier.log({ id });
    expect(logged?.state).toBe('delivered');
    expect(logged?.attempts.map((attempt) => [attempt.at - start, attempt.status, attempt.error])).toEqual([
      [0, 500, 'HTTP 500'],
      [15, 500, 'HTTP 500'],
      [30, 500, 'HTTP 500'],
      [60, 200, null],
    ]);
  });

  it('gives up after the last step of the official schedule', async () => {
    expect(retrySchedule).toEqual([
      15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
    ]);
    const { receiver: merchant, url } = await receiver();
    merchant.status = 503;
    const id = notify(url);
    await notifier.tick();
    for (const delay of retrySchedule) {
      now += delay * 1000;
      await notifier.tick();
    }
    expect(merchant.received).toHaveLength(retrySchedule.length + 1);
    const [logged] = notifier.log({ id });
    expect(logged).toMatchObject({ state: 'given_up', nextAttemptAt: null, deliveredAt: null });
    now += 86_400_000;
    await notifier.tick();
    expect(merchant.received).toHaveLength(retrySchedule.length + 1);
    expect(notifier.log({ state: 'given_up' })).toHaveLength(1);
  });

  it('logs a refused connection, and never sends plain http beyond this machine', async () => {
    const { receiver: gone, url } = await receiver();
    await gone.close();
    receivers = receivers.filter((r) => r !== gone);
    const refused = notify(url);
    const remote = notify('http://merchant.example/notify');
    await notifier.tick();
    const [refusedAttempt] = notifier.log({ id: refused })[0]?.attempts ?? [];
    expect(refusedAttempt).toMatchObject({ status: null, error: expect.stringMatching(/ECONNREFUSED/) });
    const [remoteAttempt] = notifier.log({ id: remote })[0]?.attempts ?? [];
    expect(remoteAttempt).toMatchObject({ status: null, error: expect.stringMatching(/loopback/) });
    expect(notifier.log({ id: remote })[0]?.nextAttemptAt).toBe(Math.floor(now / 1000) + 15);
  });
});

describe('timeouts', () => {
  it('fails an attempt the receiver does not answer in time, and schedules the retry', async () => {
    const { receiver: silent, url } = await receiver();
    // Read the request, never answer: only the notifier's timeout ends the attempt.
    silent.server.removeAllListeners('request');
    silent.server.on('request', (request: http.IncomingMessage) => request.resume());
    const impatient = new Notifier({ store, clock, ca: pki.ca, timeoutMs: 100 });
    const id = notify(url);
    await impatient.tick();
    const [logged] = impatient.log({ id });
    expect(logged?.attempts).toEqual([{ at: Math.floor(now / 1000), status: null, error: 'no reply within 100 ms' }]);
    expect(logged?.nextAttemptAt).toBe(Math.floor(now / 1000) + 15);
    silent.server.closeAllConnections();
  });
});

describe('background delivery', () => {
  it('delivers on its own between the due-work timer’s start() and stop()', async () => {
    const { receiver: merchant, url } = await receiver();
    clock.due.start(10);
    notify(url);
    for (let i = 0; i < 200 && merchant.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await clock.due.stop();
    expect(merchant.received).toHaveLength(1);
    expect(notifier.log()[0]?.state).toBe('delivered');
  });

  it('filters the log by merchant and event type', () => {
    notify('https://merchant.example/a');
    expect(notifier.log({ mchid })).toHaveLength(1);
    expect(notifier.log({ mchid: '1' })).toEqual([]);
    expect(notifier.log({ eventType: 'REFUND.SUCCESS' })).toEqual([]);
    expect(notifier.log({ eventType: 'TRANSACTION.SUCCESS' })[0]?.state).toBe('pending');
  });
});

describe('a backlog', () => {
  /** Stores `count` notifications to a host the notifier refuses at once, due at `dueAt` (unix seconds). */
  function stored(count: number, dueAt: number): void {
    const at = Math.floor(now / 1000);
    for (let i = 0; i < count; i++) {
      store.notifications.insert({
        id: `backlog-${dueAt}-${i}`,
        mchid,
        url: 'http://merchant.example/notify',
        event_type: 'TRANSACTION.SUCCESS',
        body: '{}',
        next_attempt_at: dueAt,
        created_at: at,
      });
    }
  }

  it('reads only the notifications that are due, through the index, however many wait for later', async () => {
    const at = Math.floor(now / 1000);
    stored(1000, at + 3600);
    stored(2, at);
    const get = vi.spyOn(store.notifications, 'get');
    const list = vi.spyOn(store.notifications, 'list');
    await notifier.tick();
    const rowsRead =
      get.mock.results.filter((result) => result.value !== undefined).length +
      list.mock.results.reduce((sum, result) => sum + (result.value as unknown[]).length, 0);
    expect(rowsRead).toBe(2);
    expect(notifier.log({ state: 'pending' }).filter((delivery) => delivery.attempts.length === 1)).toHaveLength(2);
    const plan = store.db
      .prepare<[number, number], { detail: string }>(`EXPLAIN QUERY PLAN ${dueNotificationsSql}`)
      .all(at, 100)
      .map((step) => step.detail)
      .join('\n');
    expect(plan).toMatch(/USING INDEX notifications_by_next_attempt_at/);
    expect(plan).not.toMatch(/SCAN notifications(?! USING)/);
  });

  it('attempts every due notification in one tick, batch after batch', async () => {
    stored(250, Math.floor(now / 1000));
    await notifier.tick();
    const attempts = notifier.log().map((delivery) => delivery.attempts.length);
    expect(attempts).toHaveLength(250);
    expect(attempts.every((count) => count === 1)).toBe(true);
  });
});

describe('hosts beyond this machine', () => {
  it('never looks up or contacts any host but a loopback literal (docs/endpoints.md#notify_url-on-this-machine)', async () => {
    const lookup = vi.spyOn(dns, 'lookup');
    const promisedLookup = vi.spyOn(dns.promises, 'lookup');
    const urls = [
      'https://example.com/notify',
      'http://example.com/notify',
      'https://localhost.example.com/notify',
      'http://10.0.0.1/notify',
      'http://[::ffff:127.0.0.1]/notify',
    ];
    const ids = urls.map((url) => notify(url));
    await notifier.tick();
    expect(lookup).not.toHaveBeenCalled();
    expect(promisedLookup).not.toHaveBeenCalled();
    for (const id of ids) {
      const [attempt] = notifier.log({ id })[0]?.attempts ?? [];
      expect(attempt).toMatchObject({ status: null, error: expect.stringMatching(/only to loopback/) });
    }
    lookup.mockRestore();
    promisedLookup.mockRestore();
  });
});
