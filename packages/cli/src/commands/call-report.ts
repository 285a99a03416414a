// How a failed call is told: one message (or, for a refusal by WeChat Pay, one JSON line) on stderr, and its status.
import {
  SignatureVerificationError,
  ValidationError,
  WxpayAPIError,
  WxpayConnectionError,
  WxpayDecryptError,
  WxpayParseError,
  WxpayResultError,
} from 'wxpay';
import { UsageError } from '../errors.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { exitCodeOfCallError } from '../exit-status.js';
import type { CommandIO } from '../io.js';
import { OutputClosedError } from '../output.js';
import { jsonLine } from '../output-json.js';
import { redactSecrets } from '../redact.js';

/** Which flag a request field came from, so a ValidationError names what the user typed. */
function flagOf(field: string, params: readonly string[]): string {
  if (field === 'path') return '<path>';
  if (field === 'query' || field.startsWith('query.')) return '-q/--query';
  if (field.startsWith('headers')) return '-H/--header';
  if (field === 'security') return '--security';
  if (params.includes(field)) return '-p/--param';
  return '-d/--data';
}

/**
 * What an APIv3 refusal means for the operation, in the words of the APIv2 `outcome`: a 5xx may have been processed
 * (`unknown`), a 429 was not (`retry`), any other 4xx is a request to correct (`fix`).
 */
function outcomeOfStatus(status: number): 'unknown' | 'retry' | 'fix' {
  if (status >= 500) return 'unknown';
  return status === 429 ? 'retry' : 'fix';
}

/** The one JSON line of a refusal: the fields a script branches on. */
function refusal(error: WxpayResultError | WxpayAPIError, requestId: string | undefined): Record<string, unknown> {
  if (error instanceof WxpayResultError) {
    return {
      error: error.name,
      return_code: error.returnCode,
      return_msg: error.returnMsg ?? null,
      result_code: error.resultCode ?? null,
      err_code: error.errCode ?? null,
      err_code_des: error.errCodeDes ?? null,
      message: error.message,
      outcome: error.outcome,
      requestId: requestId ?? null,
    };
  }
  return {
    error: error.name,
    status: error.status,
    code: error.code ?? null,
    message: error.apiMessage ?? error.message,
    detail: error.detail ?? null,
    outcome: outcomeOfStatus(error.status),
    requestId: error.requestId ?? requestId ?? null,
  };
}

export interface FailureContext {
  params: readonly string[];
  secrets: readonly string[];
  /** The Request-ID of the last reply, when there was one. */
  requestId: string | undefined;
}

/** Reports `error` on stderr and returns the exit status. Secrets are cut from whatever is written. */
export function reportCallFailure(error: unknown, io: CommandIO, context: FailureContext): number {
  const say = (line: string) => io.stderr.write(`${redactSecrets(line, context.secrets)}\n`);
  const status = exitCodeOfCallError(error);
  // The reader of stdout went away (`| head`): nothing to tell.
  if (error instanceof OutputClosedError) return status;
  if (error instanceof WxpayResultError || error instanceof WxpayAPIError) {
    say(jsonLine(refusal(error, context.requestId)));
  } else if (error instanceof UsageError) {
    say(`wxpay: ${error.message}`);
  } else if (error instanceof ValidationError && !error.field.startsWith('options')) {
    say(`wxpay: ${flagOf(error.field, context.params)}: ${error.message}`);
  } else if (error instanceof SignatureVerificationError || error instanceof WxpayDecryptError) {
    say(
      `wxpay: ${error.message}: the reply is not trusted and not shown; the request may have been processed ` +
        '(query before sending it again)',
    );
  } else if (error instanceof WxpayConnectionError) {
    say(
      `wxpay: ${error.message}; ${
        error.sent
          ? 'the request may have been sent, and processed: query before sending it again'
          : 'the request was not sent: it is safe to send again'
      }`,
    );
  } else if (error instanceof WxpayParseError) {
    say(
      `wxpay: ${error.message} (outcome unknown: the request may have been processed; query before sending it again)`,
    );
  } else {
    say(`wxpay: ${error instanceof Error ? error.message : String(error)}`);
    if (status === EXIT_FAILURE && io.verbose && error instanceof Error) say(error.stack ?? '');
  }
  return status;
}
