// The `wxpay` command line: its commands, and how each ends (output, message, exit status).
import { Command, CommanderError } from 'commander';
import { addPayoutCommands } from './commands/payout.js';
import { EXIT_FAILURE } from './exit-codes.js';
import { exitCodeOfError } from './exit-status.js';
import type { CommandIO } from './io.js';
import { ownVersion } from './own-version.js';

export type ProgramIO = Omit<CommandIO, 'verbose'>;

/** Builds the program; `setExit` receives the status of the command that ran. */
export function buildProgram(io: ProgramIO, setExit: (code: number) => void, version = ownVersion()): Command {
  const program = new Command('wxpay')
    .description('WeChat Pay from the command line')
    .version(version, '--version', 'print the version')
    .option('-v, --verbose', 'explain what is done (never secret values) on stderr')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(wxpay --help, or wxpay <command> --help, for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride()
    .addHelpText(
      'after',
      `
Example:
  $ wxpay payout run winners.csv --kind redpack -c merchant.json --journal payouts.db --wxappid wx8888888888888888 \\
      --send-name "天虹百货" --act-name "猜灯谜" --wishing "恭喜发财" --remark "多猜多得"`,
    );
  addPayoutCommands(program, async (cmd, run) => {
    const verbose = Boolean(cmd.optsWithGlobals<{ verbose?: boolean }>().verbose);
    setExit(await run({ ...io, verbose }));
  });
  return program;
}

/** Runs the command line `argv` (as process.argv) and returns the exit status; errors are reported on stderr. */
export async function runCli(argv: readonly string[], io: ProgramIO): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (status) => {
    code = status;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    const status = exitCodeOfError(error);
    // Commander has already said what was wrong with the command line.
    if (!(error instanceof CommanderError) && status !== 0) {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr.write(`wxpay: ${message}\n`);
      if (status === EXIT_FAILURE && error instanceof Error && program.opts<{ verbose?: boolean }>().verbose) {
        io.stderr.write(`${error.stack ?? ''}\n`);
      }
    }
    return status;
  }
}
