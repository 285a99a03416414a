// The one place that decides a command's exit status from an error it threw (the payout engine's errors and runs:
// payout-exit-status.ts, loaded with the payout commands only).
import { CommanderError } from 'commander';
import {
  SignatureVerificationError,
  ValidationError,
  WxpayAPIError,
  WxpayConnectionError,
  WxpayDecryptError,
  WxpayResultError,
} from 'wxpay';
import { ConfigError, UsageError } from './errors.js';
import {
  EXIT_API_ERROR,
  EXIT_CONFIG,
  EXIT_CONNECTION,
  EXIT_DATA,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_SIGNATURE,
  EXIT_USAGE,
} from './exit-codes.js';
import { OutputClosedError } from './output.js';

export function exitCodeOfError(error: unknown): number {
  if (error instanceof OutputClosedError) return EXIT_OK;
  // Commander ends --help, --version and `wxpay help` with status 0 too, through the same path as its errors.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (error instanceof UsageError) return EXIT_USAGE;
  if (error instanceof ConfigError) return EXIT_CONFIG;
  // The SDK checks client options when a client is made: those are configuration; a request field is input.
  if (error instanceof ValidationError) return error.field.startsWith('options') ? EXIT_CONFIG : EXIT_DATA;
  return EXIT_FAILURE;
}

/**
 * How a call of `wxpay <path>` ended. A ValidationError there is the command line's (a flag, or a field given with
 * -d), so 2; client options are configuration (78), as for every command.
 */
export function exitCodeOfCallError(error: unknown): number {
  if (error instanceof ValidationError) return error.field.startsWith('options') ? EXIT_CONFIG : EXIT_USAGE;
  if (error instanceof WxpayResultError || error instanceof WxpayAPIError) return EXIT_API_ERROR;
  // A downloaded certificate that does not decrypt is a reply that cannot be trusted, like a bad signature.
  if (error instanceof SignatureVerificationError || error instanceof WxpayDecryptError) return EXIT_SIGNATURE;
  if (error instanceof WxpayConnectionError) return EXIT_CONNECTION;
  return exitCodeOfError(error);
}
