// HTTP transport: one keep-alive undici Agent per client (plus one presenting the merchant certificate), timeouts,
// a capped body read, and fail-over to a backup host only when the connection provably never opened.
import { rootCertificates } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { WxpayConnectionError, WxpayParseError } from './errors.js';

/** The merchant API certificate for mutual TLS: PEM certificate and key, or a PKCS#12 bundle. */
export type MerchantCredentials =
  | { cert: string | Buffer; key: string | Buffer }
  | { pfx: Buffer; passphrase?: string | undefined };

export interface TransportOptions {
  merchant?: MerchantCredentials | undefined;
  /** Extra CA certificate(s) trusted for the server, on top of the system roots. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined;
  /** Milliseconds allowed for connecting, for the reply headers, and between body chunks. */
  timeout: number;
  /** Largest reply body accepted, in bytes. */
  maxBodyBytes: number;
}

export interface TransportRequest {
  method: string;
  /** Origins to try in order, e.g. `https://api.mch.weixin.qq.com` then its backup; a path prefix is allowed. */
  origins: readonly string[];
  /** Path and query as they go on the wire (already encoded). */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Present the merchant client certificate. */
  security: boolean;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

// Marks errors raised while opening the TCP/TLS connection: such a request never reached the server.
const CONNECT_PHASE = Symbol('connect phase');

export class Transport {
  readonly #options: TransportOptions;
  #plain: Agent | undefined;
  #secure: Agent | undefined;

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    let lastError: WxpayConnectionError | undefined;
    for (const origin of request.origins) {
      try {
        return await this.#sendOnce(origin, request);
      } catch (error) {
        if (!(error instanceof WxpayConnectionError) || error.sent) throw error;
        lastError = error; // never opened: safe to try the next host
      }
    }
    throw lastError ?? new WxpayConnectionError('no host to send to', false, undefined);
  }

  /** Closes the pooled connections. */
  async close(): Promise<void> {
    await Promise.all([this.#plain?.close(), this.#secure?.close()]);
    this.#plain = undefined;
    this.#secure = undefined;
  }

  async #sendOnce(origin: string, request: TransportRequest): Promise<TransportResponse> {
    const url = new URL(origin);
    const prefix = url.pathname.replace(/\/+$/, '');
    const agent = request.security ? this.#secureAgent() : this.#plainAgent();
    let reply: Awaited<ReturnType<Agent['request']>>;
    try {
      reply = await agent.request({
        origin: url.origin,
        path: `${prefix}${request.path}`,
        method: request.method as 'GET',
        headers: request.headers,
        body: request.body,
      });
    } catch (error) {
      throw toConnectionError(error, url.host);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of reply.body) {
        size += (chunk as Buffer).length;
        if (size > this.#options.maxBodyBytes) {
          reply.body.destroy();
          throw new WxpayParseError(
            `reply body exceeds ${this.#options.maxBodyBytes} bytes`,
            Buffer.concat(chunks).toString('utf8'),
            reply.statusCode,
          );
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof WxpayParseError) throw error;
      throw toConnectionError(error, url.host);
    }
    // undici frees a keep-alive socket one event-loop turn after the reply completes; waiting that turn lets the
    // next sequential call reuse it instead of opening (and TLS-handshaking) a second connection.
    await new Promise((resolve) => setImmediate(resolve));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: reply.statusCode, headers, body: Buffer.concat(chunks) };
  }

  #plainAgent(): Agent {
    this.#plain ??= this.#createAgent(false);
    return this.#plain;
  }

  #secureAgent(): Agent {
    if (!this.#options.merchant) {
      throw new WxpayConnectionError(
        'this call needs the merchant API certificate: configure the `merchant` option ({ cert, key } or { pfx, passphrase })',
        false,
        'ERR_NO_MERCHANT_CERT',
      );
    }
    this.#secure ??= this.#createAgent(true);
    return this.#secure;
  }

  #createAgent(withCertificate: boolean): Agent {
    const { timeout, ca, merchant } = this.#options;
    const extraCa = ca === undefined ? [] : Array.isArray(ca) ? ca : [ca as string | Buffer];
    const tls = {
      timeout,
      // Extra CAs are added to the system roots; server verification is never switched off.
      ...(extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa.map(String)] } : {}),
      ...(withCertificate && merchant ? merchant : {}),
    };
    const connector = buildConnector(tls);
    return new Agent({
      headersTimeout: timeout,
      bodyTimeout: timeout,
      keepAliveTimeout: 30_000,
      connect: (options, callback) =>
        connector(options, (error, socket) => {
          if (error) Object.defineProperty(error, CONNECT_PHASE, { value: true });
          error ? callback(error, null) : callback(null, socket!);
        }),
    });
  }
}

function toConnectionError(error: unknown, host: string): WxpayConnectionError {
  const code = errorCode(error);
  const neverOpened = typeof error === 'object' && error !== null && CONNECT_PHASE in error;
  const message = error instanceof Error ? error.message : String(error);
  return new WxpayConnectionError(
    `${neverOpened ? 'could not connect to' : 'connection to'} ${host} failed${code ? ` (${code})` : ''}: ${message}`,
    !neverOpened,
    code,
    { cause: error },
  );
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((error as { cause?: unknown }).cause);
}
