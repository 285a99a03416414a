// HTTP transport: one keep-alive undici Agent per client (plus one presenting the merchant certificate), a deadline
// per attempt, checked headers, and fail-over to a backup host only when the request provably never left.
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { remoteText, ValidationError, WxpayConnectionError } from './errors.js';
import { ABORTED_CODE, exchange } from './exchange.js';
import { checkHeaders } from './headers.js';

/** The merchant API certificate for mutual TLS: PEM certificate and key, or a PKCS#12 bundle. */
export type MerchantCredentials =
  | { cert: string | Buffer; key: string | Buffer }
  | { pfx: Buffer; passphrase?: string | undefined };

export interface TransportOptions {
  merchant?: MerchantCredentials | undefined;
  /** Extra CA certificate(s) trusted for the server, on top of the system roots. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined;
  /**
   * Milliseconds allowed for each attempt as a whole (each host tried): connecting, sending, the reply headers and the
   * whole body. Past it the attempt fails with WxpayConnectionError code `ETIMEDOUT`.
   */
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
  /** Checked before anything is sent (ValidationError `headers.<name>`); names are sent lowercase. */
  headers: Readonly<Record<string, string>>;
  body?: string | Uint8Array | undefined;
  /** Present the merchant client certificate. */
  security: boolean;
  /** Ends the call: WxpayConnectionError code `ABORTED`, `sent` true only if the request may have been written. */
  signal?: AbortSignal | undefined;
  /** This request's reply cap instead of the client's (a bill download may be larger than any JSON reply). */
  maxBodyBytes?: number | undefined;
  /** This request's per-attempt deadline in ms instead of the client's. */
  timeout?: number | undefined;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What printing a transport shows: settings and which credentials are configured, never their values. */
export interface TransportView {
  timeout: number;
  maxBodyBytes: number;
  merchantCertificate: boolean;
  extraCa: boolean;
}

/** Node's `inspect` as passed to a custom inspect method. */
type InspectFunction = (value: unknown, options: object) => string;

const MAX_CACHED_ORIGINS = 16;

export class Transport {
  readonly #options: TransportOptions;
  #plain: Agent | undefined;
  #secure: Agent | undefined;

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    // Local mistakes are found before any host is tried: they are never reported as network failures.
    const headers = checkHeaders(request.headers);
    if (request.signal !== undefined && !isAbortSignal(request.signal)) {
      throw new ValidationError('signal', 'an AbortSignal');
    }
    const agent = request.security ? this.#secureAgent() : this.#plainAgent();
    let lastError: WxpayConnectionError | undefined;
    for (const origin of request.origins) {
      try {
        return await this.#sendOnce(agent, origin, { ...request, headers });
      } catch (error) {
        // Only a request that never left may go to the next host; an abort ends the call wherever it happens.
        if (!(error instanceof WxpayConnectionError) || error.sent || error.code === ABORTED_CODE) throw error;
        lastError = error;
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

  /** Settings and which credentials are configured (booleans): never certificate, key or passphrase values. */
  toJSON(): TransportView {
    const { timeout, maxBodyBytes, merchant, ca } = this.#options;
    return { timeout, maxBodyBytes, merchantCertificate: merchant !== undefined, extraCa: ca !== undefined };
  }

  /** `util.inspect` and `console.log` show {@link toJSON}'s view. */
  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, options: object, inspect?: InspectFunction): string {
    return `Transport ${inspect ? inspect(this.toJSON(), options) : JSON.stringify(this.toJSON())}`;
  }

  async #sendOnce(agent: Agent, origin: string, request: TransportRequest): Promise<TransportResponse> {
    const url = this.#parseOrigin(origin);
    const prefix = url.pathname;
    const timeout = request.timeout ?? this.#options.timeout;
    const maxBodyBytes = request.maxBodyBytes ?? this.#options.maxBodyBytes;
    const reply = await exchange(
      agent,
      {
        origin: url.origin,
        path: `${prefix}${request.path}`,
        method: request.method,
        headers: request.headers,
        body: request.body,
      },
      { timeout, maxBodyBytes, signal: request.signal },
    );
    // undici frees a keep-alive socket one event-loop turn after the reply completes; waiting that turn lets the
    // next sequential call reuse it instead of opening (and TLS-handshaking) a second connection.
    await new Promise((resolve) => setImmediate(resolve));
    return reply;
  }

  /**
   * Origins parsed once each rather than per request: `origin` and the path prefix without a trailing `/`. A client
   * has a handful; the cap only keeps an unexpected stream of origins from growing the cache.
   */
  readonly #origins = new Map<string, { origin: string; pathname: string }>();

  #parseOrigin(origin: string): { origin: string; pathname: string } {
    let parsed = this.#origins.get(origin);
    if (parsed === undefined) {
      const url = new URL(origin);
      parsed = { origin: url.origin, pathname: url.pathname.replace(/\/+$/, '') };
      if (this.#origins.size < MAX_CACHED_ORIGINS) this.#origins.set(origin, parsed);
    }
    return parsed;
  }

  #plainAgent(): Agent {
    this.#plain ??= this.#createAgent(false);
    return this.#plain;
  }

  #secureAgent(): Agent {
    if (!this.#options.merchant) {
      // A configuration mistake, not a network failure: no host (the backup neither) could accept this call.
      throw new ValidationError(
        'options.merchant',
        'required: this call presents the merchant API certificate (mutual TLS); configure { cert, key } or { pfx, passphrase }',
      );
    }
    this.#secure ??= this.#createAgent(true);
    return this.#secure;
  }

  #createAgent(withCertificate: boolean): Agent {
    const { timeout, ca, merchant } = this.#options;
    const extraCa = ca === undefined ? [] : Array.isArray(ca) ? ca : [ca as string | Buffer];
    // One secure context per agent, built once: without it every new connection parses the merchant key and (with
    // extra CAs) every root certificate again, which costs milliseconds per connection.
    const secureContext = loadSecureContext(
      // Extra CAs are added to the system roots.
      extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa.map(String)] } : {},
      withCertificate && merchant ? certificateOptions(merchant) : {},
    );
    const connector = buildConnector({
      timeout,
      // Explicit, so that neither NODE_TLS_REJECT_UNAUTHORIZED=0 nor anything else switches server verification off.
      rejectUnauthorized: true,
      secureContext,
    });
    return new Agent({
      // Backstops only: exchange.ts sets each request's own (its attempt deadline), which also always ends first.
      headersTimeout: timeout,
      bodyTimeout: timeout,
      keepAliveTimeout: 30_000,
      connect: connector,
    });
  }
}

/**
 * Builds the TLS context once. A CA, certificate or key that does not load (bad PEM, wrong passphrase, a key that does
 * not match the certificate) is the caller's configuration mistake, named as such, never a raw TLS error.
 */
function loadSecureContext(caOptions: { ca?: string[] }, certificate: CertificateTlsOptions): SecureContext {
  try {
    return createSecureContext({ ...caOptions, ...certificate });
  } catch (error) {
    let field = 'options.merchant';
    try {
      createSecureContext(caOptions);
    } catch {
      field = 'options.ca';
    }
    const reason = error instanceof Error ? remoteText(error.message, 120) : 'unreadable';
    throw new ValidationError(field, `could not be loaded as PEM (or PKCS#12 with its passphrase): ${reason}`);
  }
}

/** The TLS options that carry the merchant certificate. */
interface CertificateTlsOptions {
  cert?: string | Buffer;
  key?: string | Buffer;
  pfx?: Buffer;
  passphrase?: string;
}

/** Copies the certificate options by name: no other property of `merchant` can reach the TLS options. */
function certificateOptions(merchant: MerchantCredentials): CertificateTlsOptions {
  const source = merchant as CertificateTlsOptions;
  const options: CertificateTlsOptions = {};
  if (source.cert !== undefined) options.cert = source.cert;
  if (source.key !== undefined) options.key = source.key;
  if (source.pfx !== undefined) options.pfx = source.pfx;
  if (source.passphrase !== undefined) options.passphrase = source.passphrase;
  return options;
}

/** An AbortSignal, possibly from another realm or a polyfill: what the transport uses of one. */
function isAbortSignal(value: unknown): value is AbortSignal {
  const candidate = value as Partial<AbortSignal> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.aborted === 'boolean' &&
    typeof candidate.addEventListener === 'function' &&
    typeof candidate.removeEventListener === 'function'
  );
}
