// The HTTP exchanges of a call as they happen, read from the diagnostics channels of undici (the SDK's HTTP client),
// so -v shows the bytes that went out and came back rather than a reconstruction of them.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

export interface ObservedRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: string;
}

export interface ObservedResponse {
  status: number;
  headers: Array<[string, string]>;
  /** At most `maxBodyChars` characters of the body; `bodyBytes` says how long it was. */
  body: string;
  bodyBytes: number;
}

export interface ExchangeHandlers {
  request?(request: ObservedRequest): void;
  response?(response: ObservedResponse): void;
  /** The exchange failed (no reply, or a reply cut short). */
  failure?(message: string): void;
}

export interface ExchangeObserver {
  /** The `Request-ID` header of the last reply, when it had one. */
  readonly requestId: string | undefined;
  stop(): void;
}

interface Pending {
  status: number;
  headers: Array<[string, string]>;
  chunks: Buffer[];
  kept: number;
  bytes: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The request object of a channel message: undici's own, of which only documented fields are read. */
function requestOf(message: unknown): Record<string, unknown> | undefined {
  return isRecord(message) && isRecord(message.request) ? message.request : undefined;
}

function text(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** undici keeps headers as a flat [name, value, name, value, ...] list (strings on requests, Buffers on replies). */
function pairs(flat: unknown): Array<[string, string]> {
  if (!Array.isArray(flat)) return [];
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([text(flat[i]), text(flat[i + 1])]);
  return out;
}

export function observeExchanges(handlers: ExchangeHandlers, maxBodyChars = 64 * 1024): ExchangeObserver {
  const pending = new WeakMap<object, Pending>();
  let requestId: string | undefined;
  const channels: Record<string, (message: unknown) => void> = {
    'undici:request:create'(message) {
      const request = requestOf(message);
      if (!request) return;
      const body = request.body;
      handlers.request?.({
        method: text(request.method),
        url: `${text(request.origin).replace(/\/+$/, '')}${text(request.path)}`,
        headers: pairs(request.headers),
        body: typeof body === 'string' || Buffer.isBuffer(body) ? text(body) : '',
      });
    },
    'undici:request:headers'(message) {
      const request = requestOf(message);
      const response = isRecord(message) && isRecord(message.response) ? message.response : undefined;
      if (!request || !response || typeof response.statusCode !== 'number') return;
      const headers = pairs(response.headers);
      requestId = headers.find(([name]) => name.toLowerCase() === 'request-id')?.[1] ?? requestId;
      pending.set(request, { status: response.statusCode, headers, chunks: [], kept: 0, bytes: 0 });
    },
    'undici:request:bodyChunkReceived'(message) {
      const request = requestOf(message);
      const entry = request && pending.get(request);
      const chunk = isRecord(message) ? message.chunk : undefined;
      if (!entry || !Buffer.isBuffer(chunk)) return;
      entry.bytes += chunk.length;
      // Characters are at most 4 bytes: keeping 4x the shown length in bytes is always enough.
      if (entry.kept < maxBodyChars * 4) {
        entry.chunks.push(chunk);
        entry.kept += chunk.length;
      }
    },
    'undici:request:trailers'(message) {
      const request = requestOf(message);
      const entry = request && pending.get(request);
      if (!request || !entry) return;
      pending.delete(request);
      const body = Buffer.concat(entry.chunks).toString('utf8');
      handlers.response?.({
        status: entry.status,
        headers: entry.headers,
        body: body.length > maxBodyChars ? body.slice(0, maxBodyChars) : body,
        bodyBytes: entry.bytes,
      });
    },
    'undici:request:error'(message) {
      const error = isRecord(message) ? message.error : undefined;
      handlers.failure?.(error instanceof Error ? error.message : String(error));
    },
  };
  for (const [name, listener] of Object.entries(channels)) subscribe(name, listener);
  return {
    get requestId() {
      return requestId;
    },
    stop() {
      for (const [name, listener] of Object.entries(channels)) unsubscribe(name, listener);
    },
  };
}
