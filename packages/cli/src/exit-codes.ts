// The exit statuses of the wxpay command, one table for every command (README "Exit status").

/** Done: the call succeeded, every row of the batch is final (sent or failed), or the command did what it was asked. */
export const EXIT_OK = 0;
/** Something else went wrong (a bug, an unreadable reply, the journal's database is down). */
export const EXIT_FAILURE = 1;
/**
 * The command line is wrong: an unknown option, a missing argument, a bad flag value, or a request field that breaks a
 * rule (a ValidationError). 2, as most commands use for usage errors, so `wxpay` reads like the tools around it.
 */
export const EXIT_USAGE = 2;
/** WeChat Pay answered the call with a refusal: an APIv2 FAIL (WxpayResultError) or an APIv3 4xx/5xx (WxpayAPIError). */
export const EXIT_API_ERROR = 3;
/** The reply failed signature verification: its content is not trusted (and the request may have been processed). */
export const EXIT_SIGNATURE = 4;
/** The connection failed; the message says whether the request may have been sent. */
export const EXIT_CONNECTION = 5;
/** The input is invalid (rows, or a file that differs from the batch's first run): nothing was sent. */
export const EXIT_DATA = 65;
/** Rows are left (pending, unknown, waiting, stopped): run the same command again. */
export const EXIT_TEMPFAIL = 75;
/** The configuration is wrong (config file, profile, WXPAY_* variable, merchant keys, appid): fix it, then run again. */
export const EXIT_CONFIG = 78;
