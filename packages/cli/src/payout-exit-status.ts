// The exit status of how the payout engine ended a command: its errors (65 input, 78 configuration) and a run's
// result. Apart from exit-status.ts so that only the payout commands load @wxpay/payouts, and SQLite with it.
import { BatchChangedError, PayoutConfigError, PayoutInputError, type RunPayoutsResult } from '@wxpay/payouts';
import { EXIT_CONFIG, EXIT_DATA, EXIT_OK, EXIT_TEMPFAIL } from './exit-codes.js';

/** 65 for bad input (rows, or a batch started with other input), 78 for the configuration; else undefined. */
export function exitCodeOfPayoutError(error: unknown): number | undefined {
  if (error instanceof PayoutInputError || error instanceof BatchChangedError) return EXIT_DATA;
  if (error instanceof PayoutConfigError) return EXIT_CONFIG;
  return undefined;
}

/**
 * 0 when every row is final; 78 when WeChat Pay refused the configuration (fix it first); else 75: rows are left (a
 * stop, a balance to top up, a daily limit, an unreachable server) and running the same command again goes on.
 */
export function exitCodeOfRun(result: RunPayoutsResult): number {
  if (result.complete) return EXIT_OK;
  if (result.reason === 'config') return EXIT_CONFIG;
  return EXIT_TEMPFAIL;
}
