// Test-only HTTPS server plumbing shared by the APIv2 and APIv3 test servers: 127.0.0.1, an ephemeral port,
// keep-alive, a TLS handshake counter, and a close() that does not wait for idle sockets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  /** `https://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Number of TLS connections established so far: proves connection reuse (or its absence). */
  handshakes(): number;
  close(): Promise<void>;
}

export async function startLoopbackHttps(
  tls: ServerOptions,
  serve: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<LoopbackServer> {
  let handshakeCount = 0;
  const server = createServer(tls, (req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`test server failure: ${String(error)}`);
    });
  });
  // Long enough that sequential calls in one test reuse the connection; close() ends idle sockets anyway.
  server.keepAliveTimeout = 30_000;
  server.on('secureConnection', () => {
    handshakeCount++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    handshakes: () => handshakeCount,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would otherwise hold close() open until keepAliveTimeout expires.
        server.closeAllConnections();
      }),
  };
}
