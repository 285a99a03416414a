// Retry policy: which failures may be retried without risking a second operation, and how long to wait between tries.
import { WxpayConnectionError } from './errors.js';
import { ABORTED_CODE, abortedError } from './exchange.js';

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;

/** Capped exponential backoff with jitter (between half and all of the step), honouring `Retry-After` seconds. */
export function backoffDelay(attempt: number, retryAfter?: string): number {
  const hinted = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  if (hinted !== undefined) return Math.min(hinted, MAX_DELAY_MS);
  const step = Math.min(BASE_DELAY_MS * 2 ** attempt, MAX_DELAY_MS);
  return step / 2 + Math.random() * (step / 2);
}

/**
 * May this failure be retried? Only network failures and 429/5xx replies, never a local error (ValidationError...) or
 * the caller's abort. Queries (GET) always; a POST only when it never reached the server, or when the endpoint is
 * idempotent by business number and the resend is byte-identical (the caller resends the same body).
 */
export function isRetryable(
  failure: { error: unknown } | { status: number },
  method: string,
  idempotentByBusinessNumber: boolean,
): boolean {
  if ('error' in failure) {
    if (!(failure.error instanceof WxpayConnectionError) || failure.error.code === ABORTED_CODE) return false;
    return method === 'GET' || !failure.error.sent || idempotentByBusinessNumber;
  }
  const transient = failure.status === 429 || failure.status >= 500;
  return transient && (method === 'GET' || idempotentByBusinessNumber);
}

/**
 * The error a call reports for its last attempt. `sent` speaks for the whole call: when an earlier attempt may have
 * reached the server, a later "never sent" failure must not tell the caller that the operation did not happen.
 */
export function callError(error: unknown, earlierAttemptSent: boolean): unknown {
  if (!earlierAttemptSent || !(error instanceof WxpayConnectionError) || error.sent) return error;
  return new WxpayConnectionError(
    `${error.message} (an earlier attempt may have reached the server)`,
    true,
    error.code,
    { cause: error.cause },
  );
}

/**
 * Waits `ms` before a retry. The caller's abort ends the wait at once with WxpayConnectionError `ABORTED`, whose `sent`
 * says whether an earlier attempt may have reached the server.
 */
export function sleep(ms: number, signal?: AbortSignal, earlierAttemptSent = true): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(earlierAttemptSent, signal.reason));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(earlierAttemptSent, signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
