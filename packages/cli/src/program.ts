// The `wxpay` command line: its commands, and how each ends (output, message, exit status).
import { Command, CommanderError } from 'commander';
import { addCallCommand } from './commands/call.js';
import { addPayoutCommands, type CommandRunner } from './commands/payout.js';
import { addToolCommands } from './commands/tools.js';
import { EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js';
import { exitCodeOfError } from './exit-status.js';
import type { CommandIO } from './io.js';
import { ownVersion } from './own-version.js';

export type ProgramIO = Omit<CommandIO, 'verbose'>;

/** Builds the program; `setExit` receives the status of the command that ran. */
function buildProgram(io: ProgramIO, setExit: (code: number) => void): Command {
  const program = new Command('wxpay')
    .description('WeChat Pay from the command line')
    .version(ownVersion(), '--version', 'print the version')
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
Examples:
  $ wxpay v2/mmpaymkttransfers/gethbinfo -c merchant.json -d mch_billno=10000098201411111234567890 \\
      -d bill_type=MCHT -d appid=wx8888888888888888
  $ wxpay v3.global.transactions.id.{id} -p id=4200000001202611250000000001 -q mchid=1900000109 --profile global
  $ wxpay payout run winners.csv --kind redpack -c merchant.json --journal payouts.db --wxappid wx8888888888888888 \\
      --send-name "天虹百货" --act-name "猜灯谜" --wishing "恭喜发财" --remark "多猜多得"

\`wxpay call --help\` (or \`wxpay <path> --help\`) shows every option of a call.
Exit status: 0 done; 2 bad command line; 3 WeChat Pay said no; 4 signature verification failed; 5 connection
failed; 65 invalid payout input; 75 payout rows left; 78 configuration error; 1 anything else.`,
    );
  const runner: CommandRunner = async (cmd, run) => {
    const verbose = Boolean(cmd.optsWithGlobals<{ verbose?: boolean }>().verbose);
    setExit(await run({ ...io, verbose }));
  };
  addCallCommand(program, runner);
  addPayoutCommands(program, runner);
  addToolCommands(program, runner);
  return program;
}

/** Runs the command line `argv` (as process.argv) and returns the exit status; errors are reported on stderr. */
export async function runCli(argv: readonly string[], io: ProgramIO): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (status) => {
    code = status;
  });
  // Bare `wxpay` would run the default command without its <path>: the overview is more use.
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  const first = argv[2] ?? '';
  const isCommand = (name: string) => name === 'help' || program.commands.some((c) => c.name() === name);
  // A word that is no command and no path is a mistyped command; anything with a / or . is meant as a path.
  if (!first.startsWith('-') && !isCommand(first) && !/[/.]/.test(first)) {
    io.stderr.write(
      `wxpay: unknown command ${JSON.stringify(first.slice(0, 40))}: give a command (wxpay --help) or an endpoint ` +
        'path starting with v2/ or v3/\n',
    );
    return EXIT_USAGE;
  }
  // A path first names the default command: then `wxpay v2/... --help` is the call's help, not the program's.
  const args = isCommand(first) || first.startsWith('-') ? argv : [...argv.slice(0, 2), 'call', ...argv.slice(2)];
  try {
    await program.parseAsync(args);
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
