// `wxpay payout run`: pays a file of recipients exactly once, journaled, resumable by running the same command again.
import {
  type ColumnDefaults,
  fileSource,
  PayoutInputError,
  type PayoutKindName,
  payoutKinds,
  type RunPayoutsResult,
  runPayouts,
} from '@wxpay/payouts';
import { type ConfigFlags, commandConfig } from '../command-config.js';
import { clientOf } from '../config-resolve.js';
import { ConfigError, UsageError } from '../errors.js';
import { EXIT_DATA } from '../exit-codes.js';
import { type CommandIO, detail, say } from '../io.js';
import { openJournalAt } from '../journal.js';
import { money } from '../money.js';
import { exitCodeOfRun } from '../payout-exit-status.js';
import { progressDisplay } from '../progress.js';
import { stopOnSignals } from '../signals.js';
import { type ColumnFlagValues, columnFlags, flagOfColumn, reportInfoJson } from './payout-flags.js';

export interface RunFlags extends ColumnFlagValues, ConfigFlags {
  kind: PayoutKindName;
  journal: string;
  batch?: string;
  rate?: number;
  concurrency?: number;
  wxappid?: string;
  /** The same as --wxappid (the field is `appid` in merchant transfers). */
  appid?: string;
  /** `--report-info TYPE=TEXT` lines (transfer). */
  reportInfo?: string[];
  clientIp?: string;
  leaseSeconds?: number;
  allowRepeat?: boolean;
  format?: 'csv' | 'jsonl';
}

/** What the appid is for each kind, for the error that asks for it. */
const appidMeaning: Record<PayoutKindName, string> = {
  redpack: 'the official account appid the packets are sent from',
  workwx: 'the WeCom corpid',
  pocket: 'the WeCom corpid',
  coupon: 'the appid the coupon stock belongs to',
  transfer: "the appid the payees' openids belong to",
};

/**
 * The defaults the flags give. A flag for a column the kind does not take is refused: the engine would ignore it, and
 * a wishing that silently never reaches anyone is a mistake worth stopping for.
 */
function columnDefaults(kind: PayoutKindName, values: ColumnFlagValues & Pick<RunFlags, 'reportInfo'>): ColumnDefaults {
  const columns = payoutKinds[kind].columns;
  const defaults: Record<string, string> = {};
  if (values.reportInfo !== undefined) {
    if (!columns.includes('report_info')) {
      throw new UsageError('--report-info', `kind ${kind} has no report_info (its columns: ${columns.join(', ')})`);
    }
    defaults.report_info = reportInfoJson(values.reportInfo);
  }
  for (const { flag, column, key } of columnFlags) {
    const value = values[key];
    if (value === undefined) continue;
    if (!columns.includes(column)) {
      throw new UsageError(
        flag.split(' ')[0] as string,
        `kind ${kind} has no ${column} (its columns: ${columns.join(', ')})`,
      );
    }
    defaults[column] = value;
  }
  return defaults;
}

export async function payoutRun(file: string, flags: RunFlags, io: CommandIO): Promise<number> {
  const defaults = columnDefaults(flags.kind, flags);
  if (flags.appid !== undefined && flags.wxappid !== undefined && flags.appid !== flags.wxappid) {
    throw new UsageError('--appid', 'differs from --wxappid: give one of them');
  }
  const config = commandConfig(flags, io);
  const appid = flags.wxappid ?? flags.appid ?? config.appid;
  if (appid === undefined) {
    throw new ConfigError(
      'appid',
      `required: give --wxappid <appid> (${appidMeaning[flags.kind]}), or "appid" in the config, or set WXPAY_APPID`,
    );
  }
  const wxpay = clientOf(config);
  detail(io, `client: ${JSON.stringify(wxpay.toJSON())}`);
  try {
    const journal = await openJournalAt(flags.journal, { mustExist: false });
    detail(io, `journal ${journal.location}`);
    detail(io, `kind ${flags.kind}, appid ${appid}, defaults ${JSON.stringify(defaults)}`);
    const display = progressDisplay(io);
    const stop = stopOnSignals((signal) => {
      display.stop();
      say(io, `\nwxpay: ${signal}: stopping; sends in flight finish and are journaled (again to exit at once)`);
    });
    try {
      // Every bad row is printed as it is found, however many there are (the error keeps only the first ones).
      const result = await runPayouts({
        onInputProblem: (p) => {
          // A column of the kind may have its value from a flag: the problem names it.
          const flag = payoutKinds[flags.kind].columns.includes(p.field) ? flagOfColumn(p.field) : undefined;
          say(io, `  line ${p.line}, ${p.field}: ${p.rule}${flag === undefined ? '' : ` (the column, or ${flag})`}`);
        },
        wxpay,
        journal,
        kind: flags.kind,
        source: fileSource(file, flags.format),
        appid,
        defaults,
        signal: stop.signal,
        onProgress: (progress) => display.update(progress),
        ...(flags.batch !== undefined && { batchId: flags.batch }),
        ...(flags.clientIp !== undefined && { clientIp: flags.clientIp }),
        ...(flags.rate !== undefined && { rate: flags.rate }),
        ...(flags.concurrency !== undefined && { concurrency: flags.concurrency }),
        ...(flags.leaseSeconds !== undefined && { leaseMs: flags.leaseSeconds * 1000 }),
        ...(flags.allowRepeat !== undefined && { allowRepeat: flags.allowRepeat }),
      });
      display.stop();
      io.stdout.write(`${summary(result)}\n`);
      if (!result.complete) say(io, `wxpay: ${result.message}`);
      return exitCodeOfRun(result);
    } catch (error) {
      if (!(error instanceof PayoutInputError)) throw error;
      const problems = `${error.total} problem${error.total === 1 ? '' : 's'}`;
      say(io, `wxpay: ${error.source}: ${problems} (above), nothing was sent`);
      return EXIT_DATA;
    } finally {
      display.stop();
      stop.dispose();
      await journal.close();
    }
  } finally {
    await wxpay.close();
  }
}

/** The final line: where the batch stands. */
export function summary(result: RunPayoutsResult): string {
  const c = result.counts;
  const codes = Object.entries(c.byErrCode)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const head =
    `batch ${result.batchId}: ${c.sent} sent, ${money(c.sentAmount)}; ${c.failed} failed` +
    (codes ? ` (err_code of rows not sent: ${codes})` : '');
  if (result.complete) return `${head}; complete`;
  const left = c.pending + c.sending + c.unknown;
  return `${head}; ${left} left (${c.pending} pending, ${c.unknown} unknown): run the same command again`;
}
