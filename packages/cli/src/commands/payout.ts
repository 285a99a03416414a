// `wxpay payout ...`: the commands of exactly-once payout batches (run, status, report, reconcile).
import { type Command, Option } from 'commander';
import { configOption, profileOption } from '../command-config.js';
import { type CommandIO, say } from '../io.js';
import {
  collectReportInfo,
  columnFlags,
  integerFlag,
  kindNames,
  positiveNumberFlag,
  reportInfoFlag,
} from './payout-flags.js';
import type { ReconcileFlags } from './payout-reconcile.js';
import type { ReportFlags } from './payout-report.js';
import type { RunFlags } from './payout-run.js';
import type { StatusFlags } from './payout-status.js';

/** Runs a command and records its exit status. */
export type CommandRunner = (cmd: Command, run: (io: CommandIO) => Promise<number>) => Promise<void>;

const JOURNAL_HELP = 'journal: a SQLite file path, or a postgres:// URL';

/**
 * A payout command's run. `run` imports the command's module when it runs, and @wxpay/payouts (SQLite, PostgreSQL)
 * with it: every other command starts without them. The engine's errors end the command here with their status (65
 * input, 78 configuration), told as runCli tells any other error.
 */
function engineRun(run: (io: CommandIO) => Promise<number>): (io: CommandIO) => Promise<number> {
  return async (io) => {
    const { exitCodeOfPayoutError } = await import('../payout-exit-status.js');
    try {
      return await run(io);
    } catch (error) {
      const status = exitCodeOfPayoutError(error);
      if (status === undefined) throw error;
      say(io, `wxpay: ${(error as Error).message}`);
      return status;
    }
  };
}

export function addPayoutCommands(program: Command, runner: CommandRunner): void {
  const payout = program
    .command('payout')
    .description(
      'pay a file of recipients exactly once: red packets, WeCom red packets, pay to pocket, coupons, merchant transfers',
    )
    .addHelpText(
      'after',
      `
Example:
  $ wxpay payout run winners.csv --kind redpack -c merchant.json --journal payouts.db \\
      --wxappid wx8888888888888888 --send-name "天虹百货" --act-name "猜灯谜" --wishing "恭喜发财"
  $ wxpay payout status --journal payouts.db`,
    );

  const run = payout
    .command('run')
    .description(
      'pay every row of <file> (CSV with a header, or JSON lines) once; a stopped or failed run is resumed by ' +
        'running the same command again',
    )
    .argument('<file>', "rows: openid, amount (integer fen), and the kind's optional columns")
    .addOption(new Option('--kind <kind>', 'what to pay').choices(kindNames).makeOptionMandatory())
    .addOption(configOption())
    .addOption(profileOption())
    .requiredOption('--journal <path|url>', JOURNAL_HELP)
    .option('--batch <id>', 'batch id (default: the file name without its extension)')
    .option(
      '--wxappid <appid>',
      'appid of the sends (WeCom corpid for workwx and pocket; default: "appid" of the config)',
    )
    .option('--appid <appid>', 'the same as --wxappid (merchant transfers call it appid)')
    .option(
      '--rate <n>',
      'sends a second for the merchant, shared by the workers running the journal (default 30)',
      positiveNumberFlag,
    )
    .option('--concurrency <n>', 'sends in flight at once (default 4)', integerFlag(1, 256))
    .option('--client-ip <ip>', 'client_ip / spbill_create_ip of the sends (default 127.0.0.1)')
    .option(
      '--lease-seconds <n>',
      "seconds a stopped process's claims are kept from others (default 30)",
      integerFlag(1, 86_400),
    )
    .option('--allow-repeat', 'pay rows another batch of this journal already paid with the same settings')
    .addOption(
      new Option('--format <format>', 'input format (default: by extension, .jsonl is JSON lines)').choices([
        'csv',
        'jsonl',
      ]),
    );
  for (const { flag, what } of columnFlags) run.option(flag, `default ${what} for rows that leave it empty`);
  run.option(
    reportInfoFlag,
    'a line of the transfer scene report, repeatable (e.g. --report-info 岗位类型=外卖骑手 --report-info 报酬说明=7月配送费); ' +
      'default report_info for rows that leave it empty',
    collectReportInfo,
  );
  run
    .addHelpText(
      'after',
      `
Example (red packets from the sandbox's merchant 10000098):
  $ printf 'openid,amount\\noxTWIuGaIt6gTKsQRLau2M0yL16E,100\\noxTWIuGaIt6gTKsQRLau2M0yL16F,200\\n' > winners.csv
  $ wxpay payout run winners.csv --kind redpack -c merchant.json --journal payouts.db \\
      --wxappid wx8888888888888888 --send-name "天虹百货" --act-name "猜灯谜" --wishing "恭喜发财" --remark "多猜多得"

Example (merchant transfers from the sandbox's merchant 1230000109; each payee confirms with the row's package_info,
shown by "wxpay payout report"):
  $ printf 'openid,amount\\noUpF8uMuAJO_M2pxb1Q9zNjWeS6o,100\\n' > riders.csv
  $ wxpay payout run riders.csv --kind transfer -c merchant.json --journal payouts.db --appid wxd678efh567hg6787 \\
      --transfer-scene-id 1005 --transfer-remark "7月配送费" --report-info 岗位类型=外卖骑手 --report-info 报酬说明=7月配送费

Exit status: 0 every row is final (sent or failed); 75 rows are left (stopped, top-up needed, a limit, a network
problem): run the same command again; 65 invalid input, nothing sent; 78 configuration error; 2 bad command line;
1 anything else. Ctrl+C stops cleanly (sends in flight are journaled); Ctrl+C twice exits at once, still safe.`,
    )
    .action((file: string, _flags: RunFlags, cmd: Command) =>
      runner(
        cmd,
        engineRun(async (io) => (await import('./payout-run.js')).payoutRun(file, cmd.opts<RunFlags>(), io)),
      ),
    );

  payout
    .command('status')
    .description('counts by state and by err_code, and the money sent, of one batch or every batch of a journal')
    .requiredOption('--journal <path|url>', JOURNAL_HELP)
    .option('--batch <id>', 'only this batch')
    .option('--json', 'one JSON array of batch statuses (fen in counts.sentAmount, yuan in sentYuan)')
    .addHelpText(
      'after',
      `
Example:
  $ wxpay payout status --journal payouts.db --batch winners
  $ wxpay payout status --journal payouts.db --json`,
    )
    .action((_flags: StatusFlags, cmd: Command) =>
      runner(
        cmd,
        engineRun(async (io) => (await import('./payout-status.js')).payoutStatus(cmd.opts<StatusFlags>(), io)),
      ),
    );

  payout
    .command('report')
    .description(
      "one record per row: row, openid, amount, billno, state, err_code, WeChat Pay's id (send_listid, payment_no, " +
        'coupon_id or transfer_bill_no, by kind), status, refund_amount (and package_info for transfer); json is one ' +
        'JSON array, csv has a header line',
    )
    .requiredOption('--journal <path|url>', JOURNAL_HELP)
    .option('--batch <id>', 'the batch (required when the journal holds more than one)')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv']).default('json'))
    .addHelpText(
      'after',
      `
Example:
  $ wxpay payout report --journal payouts.db --batch winners --format csv > winners-report.csv`,
    )
    .action((_flags: ReportFlags, cmd: Command) =>
      runner(
        cmd,
        engineRun(async (io) => (await import('./payout-report.js')).payoutReport(cmd.opts<ReportFlags>(), io)),
      ),
    );

  payout
    .command('reconcile')
    .description('ask WeChat Pay what became of every sent row (RECEIVED, REFUND, ...) and record it for the report')
    .requiredOption('--journal <path|url>', JOURNAL_HELP)
    .addOption(configOption())
    .addOption(profileOption())
    .option('--batch <id>', "only this batch (default: every batch of the config's merchant)")
    .option('--rate <n>', 'queries a second (default 30)', positiveNumberFlag)
    .addHelpText(
      'after',
      `
Example:
  $ wxpay payout reconcile --journal payouts.db -c merchant.json --batch winners
  $ wxpay payout report --journal payouts.db --batch winners --format csv`,
    )
    .action((_flags: ReconcileFlags, cmd: Command) =>
      runner(
        cmd,
        engineRun(async (io) =>
          (await import('./payout-reconcile.js')).payoutReconcile(cmd.opts<ReconcileFlags>(), io),
        ),
      ),
    );
}
