// Retry policy: which failures may be retried without risking a second operation, and how long to wait between tries.
import { WxpayConnectionError } from './errors.js';

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
 * May this failure be retried? Queries (GET) always; a POST only when it never reached the server, or when the endpoint
 * is idempotent by business number and the resend is byte-identical (the caller resends the same body).
 */
export function isRetryable(
  failure: { error: unknown } | { status: number },
  method: string,
  idempotentByBusinessNumber: boolean,
): boolean {
  if ('error' in failure) {
    if (!(failure.error instanceof WxpayConnectionError)) return false;
    return method === 'GET' || !failure.error.sent || idempotentByBusinessNumber;
  }
  const transient = failure.status === 429 || failure.status >= 500;
  return transient && (method === 'GET' || idempotentByBusinessNumber);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
