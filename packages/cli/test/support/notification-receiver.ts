// Test-only: a notify_url on 127.0.0.1 that keeps every notification exactly as it arrived (headers and raw body).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotification {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface NotificationReceiver {
  url: string;
  received: ReceivedNotification[];
  /** The first notification to `path`, waiting (real time) up to `ms` for it. */
  next(path: string, ms?: number): Promise<ReceivedNotification>;
  close(): Promise<void>;
}

/** Plain http: the sandbox delivers to loopback literals over http too. */
export async function startNotificationReceiver(): Promise<NotificationReceiver> {
  const received: ReceivedNotification[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      received.push({ path: req.url ?? '', headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":"SUCCESS","message":"OK"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    async next(path, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = received.find((notification) => notification.path === path);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no notification to ${path} within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
