// Turns a notification handler into an HTTP endpoint (Web Request/Response or Node http) that acknowledges only handled,
// verified notifications and handles each notification id once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignatureVerificationError, ValidationError, WxpayParseError } from '../errors.js';
import type { Notification, NotificationInput } from './notification.js';

/**
 * Where handled notification ids are remembered. WeChat Pay delivers at least once (and re-sends for hours when it
 * gets no 2xx), so a delivery whose id is already here is acknowledged without running the handler again.
 * With several processes, pass a shared store (Redis, a database table with a unique key, ...): the default only
 * remembers what this process handled. Handlers should still be idempotent: a crash between the handler finishing
 * and `add` leaves the id unrecorded.
 */
export interface SeenNotificationIds {
  has(id: string): boolean | Promise<boolean>;
  add(id: string): void | Promise<void>;
}

/** In-memory, bounded store of recently handled ids; the least recently used id is forgotten first. */
export class RecentNotificationIds implements SeenNotificationIds {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new ValidationError('capacity', 'positive integer');
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#ids.size;
  }

  has(id: string): boolean {
    if (!this.#ids.has(id)) return false;
    // Re-insert so an id WeChat Pay keeps re-sending stays remembered (a Set iterates in insertion order).
    this.#ids.delete(id);
    this.#ids.add(id);
    return true;
  }

  add(id: string): void {
    this.#ids.delete(id);
    this.#ids.add(id);
    for (const oldest of this.#ids) {
      if (this.#ids.size <= this.#capacity) break;
      this.#ids.delete(oldest);
    }
  }
}

/** Which step failed, as passed to `onError`. */
export type NotificationErrorStage = 'body' | 'parse' | 'dedupe' | 'handler';

export interface NotificationHandlerOptions {
  /** Handled-id store; default a {@link RecentNotificationIds} of 10 000 ids, private to this endpoint. */
  seen?: SeenNotificationIds;
  /** Largest accepted body; default 1 MiB. Larger bodies get 413 (WeChat Pay notifications are a few KiB). */
  maxBodyBytes?: number;
  /**
   * Milliseconds allowed for reading the whole request body; default 10 000. A client that stalls or trickles the body
   * gets 408 (and, on Node, its connection closed), so it cannot hold the endpoint open.
   */
  bodyTimeoutMs?: number;
  /**
   * Called with every failure, which the HTTP reply deliberately does not describe (it goes to whoever sent the
   * request). Nothing is logged by default: log here. Errors thrown by `onError` itself are ignored.
   */
  onError?: (error: unknown, stage: NotificationErrorStage) => void;
}

/** Turns a verified notification into its typed form; normally `(input) => parseNotification(input, deps)`. */
export type NotificationParser<N extends { id: string } = Notification> = (input: NotificationInput) => Promise<N>;

/** The application's work. Resolving means "handled": only then is WeChat Pay told so. */
export type NotificationCallback<N extends { id: string } = Notification> = (notification: N) => unknown;

/** A framework-agnostic HTTP reply. */
interface Reply {
  status: number;
  body: string;
  /** Close the connection after replying (Node): the refused body was not read to its end. */
  close?: boolean;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_BODY_TIMEOUT_MS = 10_000;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Success is 200 with `{"code":"SUCCESS"}`: WeChat Pay accepts 200 or 204, and a body keeps the reply self-describing
 * when someone tests the endpoint by hand. Failures are `{"code":"FAIL","message":...}` with a fixed message: the
 * reply never carries error details, which go to `onError`.
 */
const SUCCESS: Reply = { status: 200, body: JSON.stringify({ code: 'SUCCESS' }) };

function fail(status: number, message: string, close = false): Reply {
  return { status, body: JSON.stringify({ code: 'FAIL', message }), close };
}

/** A request body that cannot be used; `publicMessage` is safe to send back. */
class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly publicMessage: string,
  ) {
    super(publicMessage);
  }
}

const RAW_BODY_NEEDED =
  'the notification endpoint needs the raw request body to verify the signature, but the body was already parsed ' +
  '(re-serialized JSON does not verify): mount the handler before any JSON body parser, or use ' +
  "express.raw({ type: 'application/json' }), or set req.rawBody to the received bytes";

/** Collects body chunks up to a size cap. */
class BodyCollector {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  constructor(readonly maxBytes: number) {}

  add(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    this.#size += bytes.length;
    if (this.#size > this.maxBytes) throw tooLarge();
    this.#chunks.push(bytes);
  }

  bytes(): Buffer {
    return Buffer.concat(this.#chunks, this.#size);
  }
}

function tooLarge(): BodyError {
  return new BodyError(413, 'notification body too large');
}

function tooSlow(): BodyError {
  return new BodyError(408, 'notification body not received in time');
}

/** How the body is read: size cap and deadline. */
interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

/** Refuses early when the announced length is already over the cap. */
function checkContentLength(value: string | null | undefined, maxBytes: number): void {
  if (value && /^[0-9]+$/.test(value) && Number(value) > maxBytes) throw tooLarge();
}

function checkSize(body: Buffer | string, maxBytes: number): Buffer | string {
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (size > maxBytes) throw tooLarge();
  return body;
}

/** The shared pipeline: read, verify and parse, then run the handler once per notification id. */
function createDispatcher<N extends { id: string }>(
  parse: NotificationParser<N>,
  handler: NotificationCallback<N>,
  options: NotificationHandlerOptions,
): { limits: BodyLimits; dispatch: (input: DeliveryInput) => Promise<Reply> } {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) {
    throw new ValidationError('options.maxBodyBytes', 'non-negative integer');
  }
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  if (!(Number.isFinite(bodyTimeoutMs) && bodyTimeoutMs > 0)) {
    throw new ValidationError('options.bodyTimeoutMs', 'positive number of milliseconds');
  }
  const seen = options.seen ?? new RecentNotificationIds();
  /** Deliveries being handled right now, by id: a concurrent duplicate waits for the same outcome. */
  const inFlight = new Map<string, Promise<Reply>>();

  const report = (error: unknown, stage: NotificationErrorStage): void => {
    try {
      options.onError?.(error, stage);
    } catch {
      // A failing logger must not change the reply.
    }
  };

  const handleOnce = async (notification: N): Promise<Reply> => {
    try {
      if (await seen.has(notification.id)) return SUCCESS;
    } catch (error) {
      report(error, 'dedupe');
      return fail(500, 'notification not processed');
    }
    try {
      await handler(notification);
    } catch (error) {
      report(error, 'handler');
      // Not recorded as seen: WeChat Pay re-sends, and the next delivery runs the handler again.
      return fail(500, 'notification handler failed');
    }
    try {
      await seen.add(notification.id);
    } catch (error) {
      // The work is done: a failure reply would only make WeChat Pay re-send a handled notification.
      report(error, 'dedupe');
    }
    return SUCCESS;
  };

  const dispatch = async ({ headers, readBody }: DeliveryInput): Promise<Reply> => {
    let body: Buffer | string;
    try {
      body = await readBody();
    } catch (error) {
      report(error, 'body');
      // A refused body was not read to its end (too large, too slow): the connection cannot be reused.
      return error instanceof BodyError
        ? fail(error.status, error.publicMessage, error.status === 413 || error.status === 408)
        : fail(400, 'could not read the request body');
    }

    let notification: N;
    try {
      notification = await parse({ headers, body });
    } catch (error) {
      report(error, 'parse');
      if (error instanceof SignatureVerificationError) return fail(401, 'signature verification failed');
      if (error instanceof WxpayParseError) return fail(401, 'malformed notification');
      // Configuration problems (no APIv3 key, wrong APIv3 key) and surprises: WeChat Pay should try again later.
      return fail(500, 'notification not processed');
    }

    const id = notification.id;
    const running = inFlight.get(id);
    if (running) return running;
    const outcome = handleOnce(notification).finally(() => inFlight.delete(id));
    inFlight.set(id, outcome);
    return outcome;
  };

  return { limits: { maxBytes: maxBodyBytes, timeoutMs: bodyTimeoutMs }, dispatch };
}

interface DeliveryInput {
  headers: NotificationInput['headers'];
  readBody: () => Promise<Buffer | string>;
}

/**
 * A `(request: Request) => Promise<Response>` endpoint for fetch-style runtimes and frameworks (Next.js route
 * handlers, Hono, Remix, Bun, Deno, Cloudflare Workers...). The body is read as raw bytes (capped), so nothing may
 * read `request` before it.
 *
 * Replies: 200 `{"code":"SUCCESS"}` once `handler` resolved (or for an id already handled); 401 when the signature or
 * the body is invalid; 408 for a body not received within `bodyTimeoutMs`; 413 for an oversized body; 500 when
 * `handler` throws or the notification cannot be opened (e.g. wrong APIv3 key). Every non-2xx makes WeChat Pay re-send
 * later.
 *
 * @example
 * const notify = createWebNotificationHandler((input) => client.parseNotification(input), async (n) => {
 *   if (isKnownNotification(n) && n.event_type === 'TRANSACTION.SUCCESS') await markPaid(n.resource.out_trade_no);
 * });
 * export const POST = notify; // Next.js app router
 */
export function createWebNotificationHandler<N extends { id: string } = Notification>(
  parse: NotificationParser<N>,
  handler: NotificationCallback<N>,
  options: NotificationHandlerOptions = {},
): (request: Request) => Promise<Response> {
  const { limits, dispatch } = createDispatcher(parse, handler, options);
  return async (request) => {
    const reply = await dispatch({ headers: request.headers, readBody: () => readWebBody(request, limits) });
    // No `connection` header here: fetch runtimes manage connections themselves.
    return new Response(reply.body, { status: reply.status, headers: { 'content-type': JSON_CONTENT_TYPE } });
  };
}

async function readWebBody(request: Request, limits: BodyLimits): Promise<Buffer> {
  if (request.bodyUsed) {
    throw new BodyError(500, 'the request body was already read: pass the Request to the notification handler unread');
  }
  checkContentLength(request.headers.get('content-length'), limits.maxBytes);
  if (request.body === null) return Buffer.alloc(0);
  // Read chunk by chunk (not arrayBuffer()) so an oversized body is cut off instead of buffered whole.
  const reader = request.body.getReader();
  const collector = new BodyCollector(limits.maxBytes);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(tooSlow()), limits.timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), expired]);
      if (done) return collector.bytes();
      collector.add(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A Node request as frameworks hand it over: possibly with the body already read into `rawBody` or `body`. */
export type NodeNotificationRequest = IncomingMessage & { rawBody?: unknown; body?: unknown };

/**
 * A Node `http` endpoint, usable as a plain request listener or as Express/Connect middleware. The signature covers
 * the exact bytes WeChat Pay sent, so the adapter needs the RAW body. It takes, in order: `req.rawBody` (Buffer or
 * string), a Buffer or string `req.body` (as `express.raw()` / `express.text()` leave it), or the unread request
 * stream. A body some parser already turned into an object is refused with a 500 that explains this, since
 * re-serialized JSON would not verify. Replies as {@link createWebNotificationHandler} does. `next` is accepted for
 * middleware signatures and never called: the adapter always answers.
 *
 * @example
 * // Node http
 * http.createServer(createNodeNotificationHandler(parse, handler));
 *
 * // Express: raw body for this route (or mount it before app.use(express.json()))
 * app.post('/wxpay/notify', express.raw({ type: 'application/json' }), createNodeNotificationHandler(parse, handler));
 *
 * // Koa: register the route before koa-bodyparser (or copy ctx.request.rawBody into ctx.req.rawBody)
 * const notify = createNodeNotificationHandler(parse, handler);
 * router.post('/wxpay/notify', async (ctx) => { ctx.respond = false; await notify(ctx.req, ctx.res); });
 *
 * // Fastify: keep JSON as a Buffer in this (encapsulated) plugin, then hand over the raw objects
 * fastify.register(async (scope) => {
 *   scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
 *   const notify = createNodeNotificationHandler(parse, handler);
 *   scope.post('/wxpay/notify', async (request, reply) => {
 *     reply.hijack();
 *     await notify(Object.assign(request.raw, { rawBody: request.body }), reply.raw);
 *   });
 * });
 */
export function createNodeNotificationHandler<N extends { id: string } = Notification>(
  parse: NotificationParser<N>,
  handler: NotificationCallback<N>,
  options: NotificationHandlerOptions = {},
): (req: NodeNotificationRequest, res: ServerResponse, next?: (error?: unknown) => void) => Promise<void> {
  const { limits, dispatch } = createDispatcher(parse, handler, options);
  return async (req, res) => {
    const reply = await dispatch({ headers: req.headers, readBody: () => readNodeBody(req, limits) });
    if (res.headersSent) return;
    res.statusCode = reply.status;
    res.setHeader('content-type', JSON_CONTENT_TYPE);
    if (reply.close) res.setHeader('connection', 'close');
    res.end(reply.body);
  };
}

function readNodeBody(req: NodeNotificationRequest, limits: BodyLimits): Promise<Buffer | string> {
  for (const candidate of [req.rawBody, req.body]) {
    if (Buffer.isBuffer(candidate) || typeof candidate === 'string')
      return Promise.resolve(checkSize(candidate, limits.maxBytes));
  }
  // Listening to a stream that was already read to its end would wait forever.
  if (req.readableEnded) return Promise.reject(new BodyError(500, RAW_BODY_NEEDED));
  return readStream(req, limits);
}

function readStream(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const { maxBytes } = limits;
  return new Promise((resolve, reject) => {
    const collector = new BodyCollector(maxBytes);
    // The deadline is for the whole body: a byte now and then must not keep the request open.
    const timer = setTimeout(() => {
      cleanup();
      // Discard whatever still comes; the 408 reply closes the connection.
      req.resume();
      reject(tooSlow());
    }, limits.timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer | string) => {
      try {
        collector.add(chunk);
      } catch (error) {
        cleanup();
        // Drain and discard the rest; the 413 reply asks the client to close the connection.
        req.resume();
        reject(error);
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(collector.bytes());
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAborted = () => onError(new Error('request aborted'));
    try {
      checkContentLength(req.headers['content-length'], maxBytes);
    } catch (error) {
      cleanup();
      req.resume();
      reject(error);
      return;
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
