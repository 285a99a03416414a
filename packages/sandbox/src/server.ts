// The sandbox's HTTPS front door: client certificates, body limits, faults, and routing to v2, v3 and admin handlers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { SandboxCall, SandboxContext, SandboxReply } from './context.js';
import { verifyClientCertificate } from './pki.js';
import { businessReply } from './v2/reply.js';
import { injectedSystemError } from './v2/system-errors.js';
import { renderReply } from './v3/reply.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface SandboxServerOptions {
  ctx: SandboxContext;
  tls: { certPem: string; keyPem: string };
  handleV2: (ctx: SandboxContext, call: SandboxCall) => SandboxReply;
  handleV3: (ctx: SandboxContext, call: SandboxCall) => SandboxReply;
  handleAdmin: (call: SandboxCall) => Promise<SandboxReply>;
}

export function createSandboxServer(options: SandboxServerOptions): Server {
  const server = createServer(
    {
      cert: options.tls.certPem,
      key: options.tls.keyPem,
      // Ask for the merchant certificate but decide per endpoint (CA_ERROR), as WeChat Pay does.
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      serve(options, req, res).catch((error: unknown) => {
        if (!res.headersSent) send(res, internalError(error));
        else res.destroy();
      });
    },
  );
  server.keepAliveTimeout = 30_000;
  return server;
}

async function serve(options: SandboxServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    send(res, { status: 413, headers: { 'content-type': 'text/plain' }, body: 'request body too large' });
    return;
  }
  const call = toCall(options.ctx, req, body);
  const path = call.pathAndQuery.split('?')[0] ?? '';
  if (path.startsWith('/_sandbox/')) {
    send(res, await options.handleAdmin(call));
    return;
  }
  const { faults } = options.ctx;
  const isV3 = path.startsWith('/v3/');
  const delay = faults.delay();
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  if (faults.systemError()) {
    // Unsigned, like a failure before the business layer; the v2 one still says result_code FAIL, SYSTEMERROR.
    send(
      res,
      isV3
        ? renderReply(options.ctx, { status: 500, body: { code: 'SYSTEM_ERROR', message: '系统错误' } })
        : businessReply(injectedSystemError(path), {}, undefined),
    );
    return;
  }
  const reply = isV3 ? options.handleV3(options.ctx, call) : options.handleV2(options.ctx, call);
  if (faults.dropReply()) {
    // The request took effect; the client never learns it. This is the case that makes resends dangerous.
    res.socket?.destroy();
    return;
  }
  send(res, reply);
}

function toCall(ctx: SandboxContext, req: IncomingMessage, rawBody: Buffer): SandboxCall {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const socket = req.socket as TLSSocket;
  const peer = socket.getPeerCertificate?.();
  const clientCert =
    peer?.raw && peer.raw.length > 0 ? verifyClientCertificate(ctx.ca, peer.raw, ctx.clock.now()) : undefined;
  return { method: req.method ?? 'GET', pathAndQuery: req.url ?? '/', headers, rawBody, clientCert };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: SandboxReply): void {
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

function internalError(error: unknown): SandboxReply {
  return {
    status: 500,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ code: 'SANDBOX_ERROR', message: error instanceof Error ? error.message : String(error) }),
  };
}
