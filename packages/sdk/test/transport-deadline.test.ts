// `timeout` is a deadline for a whole attempt (a reply trickling in byte by byte cannot stretch it), and a caller's
// AbortSignal ends a call, its retries and the waits between them with a typed error saying whether anything was sent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wxpay, WxpayConnectionError, type WxpayOptions } from '../src/index.js';
import { Transport } from '../src/transport.js';
import { type LoopbackServer, startLoopbackHttps } from './support/loopback.js';
import { timedRejection } from './support/rejection.js';
import { createTestPki, type TestPki } from './support/test-pki.js';
import { startV2Server, type V2Server } from './support/v2-server.js';
import { createV3Keys, type V3Keys } from './support/v3-keys.js';
import { startV3Server, type V3Reply, type V3Request, type V3Server } from './support/v3-server.js';

const KEY = 'transportDeadlineKey000000000000';
const MCHID = '10000098';
const COUPON_QUERY = { coupon_stock_id: '1757', appid: 'wx5edab3bdfba3dc1c', mch_id: MCHID };
const ORDER_ID = '4200000000202408050000000001';

let pki: TestPki;
let keys: V3Keys;
/** Answers at once with headers announcing 40 bytes, then sends one byte every 150 ms (6 s in all). */
let dribbling: LoopbackServer & { requests: () => number };
/** Reads each request and never answers. */
let silent: LoopbackServer & { requests: () => number };
/** Accepts TCP connections and never says a word: the TLS handshake never completes. */
let mute: TcpServer;
let muteUrl: string;
const muteSockets = new Set<Socket>();
let v2: V2Server;
let v3: V3Server;
let v3Handle: (request: V3Request) => V3Reply;

/** A loopback HTTPS server running `serve`, counting the requests it received. */
async function startCounting(
  serve: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LoopbackServer & { requests: () => number }> {
  let count = 0;
  const server = await startLoopbackHttps({ key: pki.serverKey, cert: pki.serverCert }, async (req, res) => {
    count++;
    serve(req, res);
  });
  return { ...server, requests: () => count };
}

beforeAll(async () => {
  [pki, keys] = await Promise.all([createTestPki(), createV3Keys()]);
  dribbling = await startCounting((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/xml', 'content-length': '40' });
    let sent = 0;
    const timer = setInterval(() => {
      res.write('x');
      if (++sent === 40) {
        clearInterval(timer);
        res.end();
      }
    }, 150);
    res.on('close', () => clearInterval(timer));
  });
  silent = await startCounting((req) => req.resume());
  mute = createTcpServer((socket) => {
    muteSockets.add(socket);
    socket.on('close', () => muteSockets.delete(socket));
  });
  await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
  muteUrl = `https://127.0.0.1:${(mute.address() as { port: number }).port}`;
  v2 = await startV2Server({ pki, key: KEY, mchid: MCHID });
  v3 = await startV3Server({ pki, keys, handle: (request) => v3Handle(request) });
});

afterAll(async () => {
  for (const socket of muteSockets) socket.destroy();
  await Promise.all([
    dribbling.close(),
    silent.close(),
    new Promise((resolve) => mute.close(resolve)),
    v2.close(),
    v3.close(),
  ]);
});

function v2Client(baseURL: string, options: Partial<WxpayOptions> = {}): Wxpay {
  return new Wxpay({ mchid: MCHID, secret: KEY, baseURL, ca: pki.caCert, ...options });
}

function v3Client(options: Partial<WxpayOptions> = {}): Wxpay {
  return new Wxpay({
    mchid: keys.mchid,
    serial: keys.merchant.serial,
    privateKey: keys.merchant.privateKeyPem,
    certs: { [keys.platformNew.serial]: keys.platformNew.pem },
    baseURL: v3.url,
    ca: pki.caCert,
    ...options,
  });
}

describe('timeout: one deadline for the whole attempt', () => {
  it('ends a reply that trickles in byte by byte (v2 call, timeout 500 ms)', { timeout: 15_000 }, async () => {
    const wxpay = v2Client(dribbling.url, { timeout: 500 });
    const { error, ms } = await timedRejection(
      wxpay.v2.mmpaymkttransfers.query_coupon_stock.post({ xml: COUPON_QUERY }),
    );
    expect(error).toBeInstanceOf(WxpayConnectionError);
    expect(error).toMatchObject({ sent: true, code: 'ETIMEDOUT' });
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(2000); // not the 6 s the dribble lasts
    await wxpay.close();
  });

  it('does not move a request that was written to the backup host', { timeout: 15_000 }, async () => {
    const transport = new Transport({ ca: pki.caCert, timeout: 400, maxBodyBytes: 1024 });
    const before = v2.requests.length;
    const { error, ms } = await timedRejection(
      transport.send({
        method: 'GET',
        origins: [dribbling.url, v2.url],
        path: '/anything',
        headers: {},
        security: false,
      }),
    );
    expect(error).toMatchObject({ name: 'WxpayConnectionError', sent: true, code: 'ETIMEDOUT' });
    expect(ms).toBeLessThan(2000);
    expect(v2.requests.length).toBe(before);
    await transport.close();
  });

  it('reports a deadline passed while connecting as never sent, and then tries the backup host', async () => {
    const transport = new Transport({ ca: pki.caCert, timeout: 300, maxBodyBytes: 64 * 1024 });
    const { error, ms } = await timedRejection(
      transport.send({ method: 'POST', origins: [muteUrl], path: '/x', headers: {}, body: '<xml/>', security: false }),
    );
    expect(error).toBeInstanceOf(WxpayConnectionError);
    // Whichever of the deadline and the connect timeout (both `timeout`) ends it first.
    expect(error).toMatchObject({ sent: false, code: expect.stringMatching(/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT)$/) });
    expect(ms).toBeLessThan(1500);

    const reply = await transport.send({
      method: 'POST',
      origins: [muteUrl, v2.url],
      path: '/mmpaymkttransfers/query_coupon_stock',
      headers: {},
      body: '<xml></xml>',
      security: false,
    });
    expect(reply.status).toBe(200);
    await transport.close();
  });
});

describe('signal: the caller ends a call', () => {
  it('refuses to start a call whose signal is already aborted (v2 and v3), sending nothing', async () => {
    const wxpay = v2Client(v2.url);
    const before = v2.requests.length;
    const v2Error = await wxpay.v2.mmpaymkttransfers.query_coupon_stock
      .post({ xml: COUPON_QUERY, signal: AbortSignal.abort() })
      .catch((caught: unknown) => caught);
    expect(v2Error).toBeInstanceOf(WxpayConnectionError);
    expect(v2Error).toMatchObject({ sent: false, code: 'ABORTED' });
    expect(v2.requests.length).toBe(before);

    const client = v3Client();
    const v3Before = v3.requests.length;
    const v3Error = await client.v3.global.transactions.id._id_
      .get({ id: ORDER_ID, query: { mchid: keys.mchid }, signal: AbortSignal.abort() })
      .catch((caught: unknown) => caught);
    expect(v3Error).toMatchObject({ name: 'WxpayConnectionError', sent: false, code: 'ABORTED' });
    expect(v3.requests.length).toBe(v3Before);
    await Promise.all([wxpay.close(), client.close()]);
  });

  it('ends a call waiting for its reply, as possibly sent', async () => {
    const wxpay = v2Client(silent.url, { timeout: 10_000 });
    const controller = new AbortController();
    const before = silent.requests();
    const call = wxpay.v2.mmpaymkttransfers.query_coupon_stock.post({ xml: COUPON_QUERY, signal: controller.signal });
    while (silent.requests() === before) await new Promise((resolve) => setTimeout(resolve, 10));
    const abortedAt = performance.now();
    controller.abort(new Error('user went away'));
    const { error } = await timedRejection(call);
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(error).toBeInstanceOf(WxpayConnectionError);
    expect(error).toMatchObject({ sent: true, code: 'ABORTED' });
    expect((error as Error).cause).toMatchObject({ message: 'user went away' });
    await wxpay.close();
  });

  it('ends APIv3 retries: no further attempt, and no more waiting, once aborted between tries', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    v3Handle = () => {
      // Abort while the client waits the 5 s the server asks for before retrying.
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort();
      }, 100);
      return {
        status: 503,
        body: JSON.stringify({ code: 'SYSTEM_ERROR', message: 'busy' }),
        headers: { 'Retry-After': '5' },
      };
    };
    const client = v3Client({ maxRetries: 3 });
    const before = v3.requests.length;
    const { error } = await timedRejection(
      client.v3.global.transactions.id._id_.get({
        id: ORDER_ID,
        query: { mchid: keys.mchid },
        signal: controller.signal,
      }),
    );
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(error).toBeInstanceOf(WxpayConnectionError);
    // The first attempt reached the server: the call may have done something.
    expect(error).toMatchObject({ sent: true, code: 'ABORTED' });
    expect(v3.requests.length - before).toBe(1);
    await client.close();
  });

  it('refuses a signal that is not an AbortSignal', async () => {
    const wxpay = v2Client(v2.url);
    await expect(
      wxpay.v2.mmpaymkttransfers.query_coupon_stock.post({ xml: COUPON_QUERY, signal: {} as AbortSignal }),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'signal' });
    await wxpay.close();
  });
});

describe('sent speaks for the whole call', () => {
  it('stays true when a retry of an attempt that reached the server is then refused', async () => {
    const lonely = await startV3Server({
      pki,
      keys,
      handle: () => {
        // Answer 500, then go away: the retry finds the port closed.
        setTimeout(() => void lonely.close(), 20);
        return { status: 500, body: JSON.stringify({ code: 'SYSTEM_ERROR', message: 'down' }) };
      },
    });
    const client = v3Client({ baseURL: lonely.url, maxRetries: 1 });
    const { error } = await timedRejection(
      client.v3.global.transactions.id._id_.get({ id: ORDER_ID, query: { mchid: keys.mchid } }),
    );
    expect(error).toBeInstanceOf(WxpayConnectionError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', sent: true });
    expect(lonely.requests).toHaveLength(1);
    await client.close();
  });
});
