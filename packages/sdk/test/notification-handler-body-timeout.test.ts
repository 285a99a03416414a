// Notification endpoints give a request body a deadline: a client that sends headers and then stalls or dribbles the
// body gets 408 and (Node) its connection closed, instead of holding a socket and a handler open indefinitely.
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../src/index.js';
import { createNodeNotificationHandler, createWebNotificationHandler } from '../src/v3/notification-handlers.js';

let servers: Server[] = [];
let sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(
    servers.map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
  servers = [];
  sockets = [];
});

/** A node:http server on 127.0.0.1 serving a notification endpoint whose parser and handler must never run. */
async function startEndpoint(bodyTimeoutMs?: number): Promise<{ port: number; parsed: () => number }> {
  let parsed = 0;
  const endpoint = createNodeNotificationHandler(
    async () => {
      parsed++;
      return { id: 'never' };
    },
    () => undefined,
    bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs },
  );
  const server = createServer((req, res) => void endpoint(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, parsed: () => parsed };
}

/** What a raw client sees: the bytes it received and when the server closed the connection. */
interface RawExchange {
  received: () => string;
  closed: Promise<number>;
  socket: Socket;
}

/** Sends request headers announcing a 100-byte body, then `dribble` one body byte every `everyMs` (0: none at all). */
function stallingClient(port: number, dribble: boolean, everyMs = 50): RawExchange {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => undefined); // a reset after the reply is fine: the test looks at what arrived
  socket.write(
    'POST /notify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
  );
  let timer: NodeJS.Timeout | undefined;
  if (dribble) {
    timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(' ');
    }, everyMs);
  }
  const closed = new Promise<number>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    }),
  );
  return { received: () => received, closed, socket };
}

/** Resolves with the elapsed ms when the connection closes, or with `undefined` if it is still open after `ms`. */
function closedWithin(exchange: RawExchange, ms: number): Promise<number | undefined> {
  return Promise.race([exchange.closed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
}

describe('Node notification handler body deadline', () => {
  it('answers 408 and closes the connection when the body stalls', async () => {
    const { port, parsed } = await startEndpoint(300);
    const exchange = stallingClient(port, false);
    const elapsed = await closedWithin(exchange, 3000);
    expect(elapsed, 'the connection should have been closed').toBeDefined();
    expect(elapsed).toBeLessThan(2000);
    expect(exchange.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(exchange.received().toLowerCase()).toContain('connection: close');
    expect(parsed()).toBe(0);
  });

  it('answers 408 and closes the connection when the body only trickles in', async () => {
    const { port, parsed } = await startEndpoint(300);
    // 99 more bytes at one per 50 ms would take ~5 s: the deadline is for the whole body, not per chunk.
    const exchange = stallingClient(port, true, 50);
    const elapsed = await closedWithin(exchange, 3000);
    expect(elapsed, 'the connection should have been closed').toBeDefined();
    expect(elapsed).toBeLessThan(2000);
    expect(exchange.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(parsed()).toBe(0);
  });

  it('defaults to 10 s, and refuses a deadline that is not a positive number', () => {
    const parse = async () => ({ id: 'x' });
    for (const bodyTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createNodeNotificationHandler(parse, () => undefined, { bodyTimeoutMs })).toThrow(ValidationError);
    }
    expect(() => createNodeNotificationHandler(parse, () => undefined)).not.toThrow();
  });
});

describe('Web notification handler body deadline', () => {
  it('answers 408 when the body stalls', async () => {
    let parsed = 0;
    const endpoint = createWebNotificationHandler(
      async () => {
        parsed++;
        return { id: 'never' };
      },
      () => undefined,
      { bodyTimeoutMs: 200 },
    );
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const request = new Request('https://merchant.example/notify', {
      method: 'POST',
      body: stalled,
      duplex: 'half',
    } as RequestInit);
    const started = Date.now();
    const reply = await endpoint(request);
    expect(reply.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(parsed).toBe(0);
    expect(cancelled).toBe(true);
  });
});
