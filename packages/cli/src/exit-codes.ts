// The exit statuses of the wxpay command (the sysexits.h numbers, so scripts and schedulers read them as usual).

/** Done: every row of the batch is final (sent or failed), or the command did what it was asked. */
export const EXIT_OK = 0;
/** Something else went wrong (a bug, an unexpected reply, the journal's database is down). */
export const EXIT_FAILURE = 1;
/** The command line itself is wrong: an unknown option, a missing argument, a bad flag value. */
export const EXIT_USAGE = 64;
/** The input is invalid (rows, or a file that differs from the batch's first run): nothing was sent. */
export const EXIT_DATA = 65;
/** Rows are left (pending, unknown, waiting, stopped): run the same command again. */
export const EXIT_TEMPFAIL = 75;
/** The configuration is wrong (config file, merchant keys, appid, options): fix it, then run again. */
export const EXIT_CONFIG = 78;
