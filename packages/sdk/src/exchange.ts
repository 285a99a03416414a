// One HTTP request/reply on an undici dispatcher: a deadline for the whole attempt, the caller's AbortSignal, a capped
// reply body, and an exact answer to "could any byte of this request have reached the server?".
import type { Dispatcher } from 'undici';
import { MAX_ERROR_BODY_CHARS, ValidationError, WxpayConnectionError, WxpayParseError } from './errors.js';
import type { TransportResponse } from './transport.js';

/** `WxpayConnectionError.code` when the attempt did not complete within `timeout` (connect, headers and whole body). */
const DEADLINE_CODE = 'ETIMEDOUT';
/** `WxpayConnectionError.code` when the caller's AbortSignal ended the call. */
export const ABORTED_CODE = 'ABORTED';

export interface ExchangeRequest {
  /** `https://host:port`. */
  origin: string;
  path: string;
  method: string;
  headers: Readonly<Record<string, string>>;
  body?: string | Uint8Array | undefined;
}

export interface ExchangeLimits {
  /** Milliseconds for the whole attempt: connecting, writing, the reply headers and the whole body. */
  timeout: number;
  maxBodyBytes: number;
  signal?: AbortSignal | undefined;
}

/**
 * A reply larger than the request's `maxBodyBytes`: a WxpayParseError to callers, told apart by class (not message) by
 * callers that report it their own way (a bill download).
 */
export class ReplyTooLargeError extends WxpayParseError {
  constructor(
    readonly maxBodyBytes: number,
    received: string,
    status: number,
  ) {
    super(`reply body exceeds ${maxBodyBytes} bytes`, received, status);
  }
}

/** The error an abort ends a call with; `sent`: whether any request of the call may have reached the server. */
export function abortedError(sent: boolean, reason: unknown): WxpayConnectionError {
  return new WxpayConnectionError(
    `the call was aborted${sent ? ' after the request was sent (it may have been processed)' : ' before the request was sent'}`,
    sent,
    ABORTED_CODE,
    { cause: reason },
  );
}

/**
 * Sends one request and collects its reply. Rejects with WxpayConnectionError (`sent` false only when undici never
 * began writing the request), WxpayParseError (body over the cap) or ValidationError (undici refused the arguments).
 */
export function exchange(
  dispatcher: Dispatcher,
  request: ExchangeRequest,
  limits: ExchangeLimits,
): Promise<TransportResponse> {
  const { timeout, maxBodyBytes, signal } = limits;
  // Only error messages name the host: not parsed per request.
  const host = () => new URL(request.origin).host;
  if (signal?.aborted) return Promise.reject(abortedError(false, signal.reason));
  return new Promise((resolve, reject) => {
    // undici calls onRequestStart right before it writes the request to a connected socket: until then nothing of it
    // can have reached the server, even if a connection was open.
    let written = false;
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    let stoppedWith: Error | undefined;
    let status = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let size = 0;

    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const fail = (error: Error) => {
      if (settle()) reject(error);
    };
    // Ends the exchange from this side: reports at once, and stops undici now or as soon as it picks the request up
    // (a request still waiting for a connection is dropped before any byte of it is written).
    const stop = (error: Error) => {
      fail(error);
      stoppedWith = error;
      controller?.abort(error);
    };
    const timer = setTimeout(() => {
      const message = `no complete reply from ${host()} within ${timeout} ms`;
      stop(
        new WxpayConnectionError(`${message}${written ? '' : ' (the request was never sent)'}`, written, DEADLINE_CODE),
      );
    }, timeout);
    const onAbort = () => stop(abortedError(written, signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (stoppedWith) started.abort(stoppedWith);
        else written = true;
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        if (statusCode < 200) return; // 1xx: the final reply follows
        status = statusCode;
        headers = flattenHeaders(responseHeaders);
      },
      onResponseData(_controller, chunk) {
        size += chunk.length;
        if (size > maxBodyBytes) {
          stop(new ReplyTooLargeError(maxBodyBytes, startOf(chunks), status));
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        if (settle()) resolve({ status, headers, body: Buffer.concat(chunks, size) });
      },
      onResponseError(_controller, error) {
        fail(toTransportError(error, written, host()));
      },
    };
    try {
      dispatcher.dispatch(
        {
          origin: request.origin,
          path: request.path,
          method: request.method as 'GET',
          headers: request.headers,
          body: request.body,
          // undici's own timers follow this attempt's deadline, not the agent's: a request given a longer deadline
          // than the client's (a bill download) must not be cut at the client's.
          headersTimeout: timeout,
          bodyTimeout: timeout,
        },
        handler,
      );
    } catch (error) {
      fail(toTransportError(error, false, host()));
    }
  });
}

/**
 * The start of the bytes received as text, enough for an error's capped `body` (one UTF-16 unit never takes more than
 * three UTF-8 bytes) without joining and decoding a large reply whole.
 */
function startOf(chunks: readonly Buffer[]): string {
  const wanted = MAX_ERROR_BODY_CHARS * 3 + 3;
  const head: Buffer[] = [];
  let size = 0;
  for (const chunk of chunks) {
    if (size >= wanted) break;
    head.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(head).subarray(0, wanted).toString('utf8');
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function toTransportError(error: unknown, written: boolean, host: string): Error {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  // undici refusing its arguments is a local mistake: nothing was sent and retrying cannot help.
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
    return new ValidationError('request', `refused by the HTTP client: ${message}`);
  }
  return new WxpayConnectionError(
    `${written ? `connection to ${host} failed after the request was sent` : `could not send the request to ${host}`}` +
      `${code ? ` (${code})` : ''}: ${message}`,
    written,
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
