// The sandbox's HTTPS front door: client certificates, body limits, faults, and routing to v2, v3 and admin handlers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { ClientIdentities, forbidRenegotiation } from './client-identity.js';
import type { SandboxCall, SandboxContext, SandboxReply } from './context.js';
import { GroupCommit } from './group-commit.js';
import { injectedSystemErrorReply } from './v2/router.js';
import { renderReply } from './v3/reply.js';
import { signReplyMessageOffLoop } from './wire/v3-reply-signature.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface SandboxServerOptions {
  ctx: SandboxContext;
  tls: { certPem: string; keyPem: string };
  handleV2: (ctx: SandboxContext, call: SandboxCall) => SandboxReply;
  handleV3: (ctx: SandboxContext, call: SandboxCall) => SandboxReply;
  handleAdmin: (call: SandboxCall) => Promise<SandboxReply>;
  /** Takes over a request that needs a long-lived response (the dashboard's event stream); false for any other. */
  stream?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Client certificates read once per connection; one of its own by default (tests pass theirs to count reads). */
  identities?: ClientIdentities;
}

export function createSandboxServer(options: SandboxServerOptions): Server {
  const identities = options.identities ?? new ClientIdentities(options.ctx.ca);
  const groups = new GroupCommit(options.ctx.store);
  const server = createServer(
    {
      cert: options.tls.certPem,
      key: options.tls.keyPem,
      // Ask for the merchant certificate but decide per endpoint (CA_ERROR), as WeChat Pay does.
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      serve(options, { identities, groups }, req, res).catch((error: unknown) => {
        if (!res.headersSent) send(res, internalError(error));
        else res.destroy();
      });
    },
  );
  server.on('secureConnection', forbidRenegotiation);
  server.keepAliveTimeout = 30_000;
  return server;
}

/** What one server keeps across requests. */
interface ServerState {
  identities: ClientIdentities;
  groups: GroupCommit;
}

async function serve(
  options: SandboxServerOptions,
  { identities, groups }: ServerState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (options.stream?.(req, res)) return;
  const body = await readBody(req);
  if (body === undefined) {
    send(res, { status: 413, headers: { 'content-type': 'text/plain' }, body: 'request body too large' });
    return;
  }
  const call = toCall(options.ctx, identities, req, body);
  const path = call.pathAndQuery.split('?')[0] ?? '';
  // `/` is the dashboard's address: WeChat Pay has no API there.
  if (path.startsWith('/_sandbox/') || path === '/') {
    const reply = await options.handleAdmin(call);
    // Admin actions may have written inside the open turn's transaction: their reply waits for it too.
    await groups.settled();
    send(res, reply);
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
        : injectedSystemErrorReply(call),
    );
    return;
  }
  // Durable before it is told: the reply waits until the transaction it was handled in is committed, and its
  // signature is computed meanwhile.
  // (Wrapped: a SQLite transaction may not return a promise.)
  const { signing } = await groups.run(() => ({
    signing: signed(isV3 ? options.handleV3(options.ctx, call) : options.handleV2(options.ctx, call)),
  }));
  const reply = await signing;
  if (faults.dropReply()) {
    // The request took effect; the client never learns it. This is the case that makes resends dangerous.
    res.socket?.destroy();
    return;
  }
  send(res, reply);
}

function toCall(ctx: SandboxContext, identities: ClientIdentities, req: IncomingMessage, rawBody: Buffer): SandboxCall {
  const clientCert = identities.check(req.socket as TLSSocket, ctx.clock.now());
  let headers: Record<string, string> | undefined;
  return {
    method: req.method ?? 'GET',
    pathAndQuery: req.url ?? '/',
    // Built on first use: APIv2 handlers never look at headers, and this is work on every request.
    get headers() {
      headers ??= headersOf(req);
      return headers;
    },
    rawBody,
    clientCert,
  };
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The whole body, or undefined (and the request stream destroyed) once it passes MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  // Plain events rather than `for await`: an async iterator costs a promise per chunk on every request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.destroy();
      resolve(undefined);
    });
    // One chunk is the usual body: no copy then.
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * The reply with its pending `Wechatpay-Signature` added, computed on libuv's thread pool. Never rejects (a failed
 * signature becomes an unsigned 500), so that a reply whose commit failed leaves no rejection behind.
 */
async function signed(reply: SandboxReply): Promise<SandboxReply> {
  const { signature, ...rest } = reply;
  if (signature === undefined) return reply;
  try {
    const value = await signReplyMessageOffLoop(signature.message, signature.key);
    return { ...rest, headers: { ...rest.headers, 'Wechatpay-Signature': value } };
  } catch (error) {
    return internalError(error);
  }
}

function send(res: ServerResponse, reply: SandboxReply): void {
  // Fail closed: a reply meant to be signed never leaves without its signature.
  if (reply.signature !== undefined) throw new Error('a reply was about to leave before its signature was computed');
  // Headers as a flat [name, value, ...] list: no object built per reply.
  const headers: string[] = [];
  for (const name of Object.keys(reply.headers)) {
    // The length is the sandbox's to state, from the body it sends.
    if (name.toLowerCase() !== 'content-length') headers.push(name, reply.headers[name] as string);
  }
  const payload = reply.bytes ?? reply.body;
  headers.push('content-length', String(Buffer.byteLength(payload)));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function internalError(error: unknown): SandboxReply {
  return {
    status: 500,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ code: 'SANDBOX_ERROR', message: error instanceof Error ? error.message : String(error) }),
  };
}
