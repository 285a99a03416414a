// What a failed send means for its row, from the SDK's typed errors and its outcome table (which err_code is final,
// which may be retried): the one place where the engine decides between failed, waiting, ambiguous and stopping.
import {
  SignatureVerificationError,
  ValidationError,
  WxpayAPIError,
  WxpayConnectionError,
  WxpayParseError,
  WxpayResultError,
} from 'wxpay';

/**
 * - `failed`: it did not happen and will not for this number (final).
 * - `unknown`: it may have happened: query, or resend the same number unchanged.
 * - `backoff`: it did not happen (frequency limit, unreachable before sending): wait, then send the same again.
 * - `hold`: a daily limit: it did not happen; the row waits for the next day (China time) or a raised limit.
 * - `stop`: nothing can be sent until the merchant acts (top up, fix the configuration); the row stays as it was.
 */
export type SendFailure =
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'unknown' | 'backoff' | 'hold'; code: string; message: string }
  | { kind: 'stop'; reason: 'notenough' | 'config'; code: string; message: string };

/** Limits that clear with the next day (or a raised limit in the merchant platform). */
const dailyLimits = new Set([
  'SENDNUM_LIMIT',
  'RCVDAMOUNT_LIMIT',
  'SENDAMOUNT_LIMIT',
  'RECEIVED_MONEY_LIMIT',
  'SEND_MONEY_LIMIT',
]);

/**
 * Codes that say the merchant's configuration or product access is wrong, not the row: every row would get the same
 * answer, so the run stops (exit 78) instead of failing the whole batch. PARAM_ERROR is here because every row was
 * checked against the field rules before the first send: what is left is the configuration (e.g. an appid that is
 * not bound to the merchant).
 */
const configurationCodes = new Set([
  'PARAM_ERROR',
  'SIGN_ERROR',
  'CA_ERROR',
  'XML_ERROR',
  'NO_AUTH',
  'NOAUTH',
  'ILLEGAL_APPID',
  'MSGAPPID_ERROR',
  'ACCEPTMODE_ERROR',
  'API_METHOD_CLOSED',
  'NO_COMPETENCE',
  'WORKWX_SIGN_ERROR',
  'WORKWX_MCHID_ERROR',
  'HTTP_METHOD_ERROR',
  'V2_ACCOUNT_SIMPLE_BAN',
  'COUPON_STOCK_ID_NOT_VALID',
  'STOCK_IS_NOT_VALID',
  'MCH_ID_EMPTY',
]);

/**
 * APIv3 codes that blame the configuration, not the row (every row passed the kind's rules before the first send):
 * a scene not granted, an appid not bound, a missing scene report, a key WeChat Pay cannot decrypt `user_name` with, a
 * product the merchant lacks. INVALID_REQUEST is also the answer to a business number resent with other fields: the
 * journal and WeChat Pay disagree about the row, which a person must look at — never a new number.
 */
const v3ConfigurationCodes = new Set([
  'PARAM_ERROR',
  'INVALID_REQUEST',
  'NO_AUTH',
  'SIGN_ERROR',
  'APPID_MCHID_NOT_MATCH',
  'MCH_NOT_EXISTS',
  'ACCOUNT_ERROR',
]);

/** An APIv3 error reply (WxpayAPIError: HTTP status and `code`): the same outcomes as the APIv2 table. */
function classifyApiError(error: WxpayAPIError): SendFailure {
  const code = error.code ?? `HTTP ${error.status}`;
  const message = error.apiMessage ?? error.message;
  if (code === 'NOT_ENOUGH') return { kind: 'stop', reason: 'notenough', code, message };
  // 429 (FREQUENCY_LIMITED, RATELIMIT_EXCEEDED): nothing happened; slow down and send the same again.
  if (error.status === 429 || code === 'FREQUENCY_LIMITED') return { kind: 'backoff', code, message };
  // 5xx (SYSTEM_ERROR, ...): it may have happened; the query (or the identical resend) tells.
  if (error.status >= 500) return { kind: 'unknown', code, message };
  if (error.status === 401 || error.status === 403 || v3ConfigurationCodes.has(code)) {
    return { kind: 'stop', reason: 'config', code, message };
  }
  // Any other refusal (4xx) is this row's: it did not happen under this number and will not.
  return { kind: 'failed', code, message };
}

export function classifySendError(error: unknown): SendFailure {
  if (error instanceof WxpayAPIError) return classifyApiError(error);
  if (error instanceof WxpayResultError) {
    const code = error.errCode ?? `return_code ${error.returnCode}`;
    const message = error.errCodeDes ?? error.returnMsg ?? error.message;
    // No business layer: the gateway refused the request (signature, certificate, XML): nothing happened.
    if (error.resultCode === undefined && error.returnCode !== 'SUCCESS') {
      return { kind: 'stop', reason: 'config', code, message };
    }
    if (code === 'NOTENOUGH') return { kind: 'stop', reason: 'notenough', code, message };
    if (configurationCodes.has(code)) return { kind: 'stop', reason: 'config', code, message };
    if (dailyLimits.has(code)) return { kind: 'hold', code, message };
    switch (error.outcome) {
      case 'retry':
        return { kind: 'backoff', code, message };
      case 'fix':
      case 'final':
        return { kind: 'failed', code, message };
      default:
        return { kind: 'unknown', code, message };
    }
  }
  if (error instanceof WxpayConnectionError) {
    const code = error.code ?? 'CONNECTION';
    return error.sent
      ? { kind: 'unknown', code, message: error.message }
      : { kind: 'backoff', code, message: error.message };
  }
  if (error instanceof ValidationError) {
    // Rows were checked before the first send, so this is the client's configuration (e.g. options.workwxSecret).
    return { kind: 'stop', reason: 'config', code: 'VALIDATION', message: error.message };
  }
  if (error instanceof WxpayParseError) return { kind: 'unknown', code: 'UNREADABLE_REPLY', message: error.message };
  if (error instanceof SignatureVerificationError) {
    return { kind: 'unknown', code: 'UNVERIFIED_REPLY', message: error.message };
  }
  // Anything else (a bug, an unexpected throw) cannot prove the request was not sent.
  return { kind: 'unknown', code: 'ERROR', message: error instanceof Error ? error.message : String(error) };
}
