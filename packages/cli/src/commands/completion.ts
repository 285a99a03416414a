// `wxpay completion bash|zsh|fish`: a shell completion script, generated from the commands and options of this program.
import { Argument, type Command } from 'commander';
import { EXIT_OK } from '../exit-codes.js';
import { type CompletionNode, completionScripts, type Shell, shells } from './completion-scripts.js';
import type { CommandRunner } from './payout.js';

export function addCompletionCommand(program: Command, runner: CommandRunner): void {
  program
    .command('completion')
    .description('print a completion script for bash, zsh or fish: the commands, their options and option values')
    .addArgument(new Argument('<shell>', 'the shell').choices(shells))
    .addHelpText(
      'after',
      `
Example:
  $ source <(wxpay completion bash)                                  # bash, now
  $ wxpay completion bash > ~/.local/share/bash-completion/completions/wxpay
  $ source <(wxpay completion zsh)                                   # zsh, after compinit
  $ wxpay completion zsh > ~/.zfunc/_wxpay                           # with fpath+=(~/.zfunc) before compinit
  $ wxpay completion fish > ~/.config/fish/completions/wxpay.fish

The script lists the commands of this version: generate it again after an upgrade.`,
    )
    .action((shell: Shell, _flags: object, cmd: Command) =>
      runner(cmd, async (io) => {
        io.stdout.write(completionScripts[shell](completionModel(rootOf(cmd))));
        return EXIT_OK;
      }),
    );
}

function rootOf(cmd: Command): Command {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root;
}

/** A description on one line, to its first clause: completion menus have one short line per entry. */
function brief(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const cut = line.search(/[;:]| \(/);
  const clause = cut > 0 ? line.slice(0, cut) : line;
  return clause.length > 80 ? `${clause.slice(0, 79)}…` : clause;
}

/** These belong to the command they are given on; every other option of a command also works after its subcommands. */
function inheritable(option: { long?: string | undefined }): boolean {
  return option.long !== '--help' && option.long !== '--version';
}

/** Every command path of the program, with what may follow it, as its help shows it (hidden ones left out). */
function completionModel(root: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const visit = (cmd: Command, path: string[], inherited: CompletionNode['options'], siblings?: string[]) => {
    const help = cmd.createHelp();
    const own = help.visibleOptions(cmd).map((option) => ({
      names: [option.short, option.long].filter((name): name is string => name !== undefined),
      takesValue: option.required || option.optional,
      choices: option.argChoices ?? [],
      description: brief(option.description),
      inheritable: inheritable(option),
    }));
    const subcommands = help.visibleCommands(cmd);
    const ownNames = new Set(own.flatMap((option) => option.names));
    // An option declared again here (e.g. --data-dir of `sandbox config`) is listed once.
    const rest = inherited.filter((option) => !option.names.some((name) => ownNames.has(name)));
    nodes.push({
      path: path.join(' '),
      commands: subcommands.map((sub) => ({
        name: sub.name(),
        description: brief(sub.summary() || sub.description()),
      })),
      options: [...own, ...rest],
      argumentChoices: siblings ?? cmd.registeredArguments.flatMap((argument) => argument.argChoices ?? []),
      fileArguments: siblings === undefined && cmd.registeredArguments.some((argument) => !argument.argChoices),
    });
    const passed = [...rest, ...own.filter((option) => option.inheritable)];
    for (const sub of subcommands) {
      // The implicit `help [command]` is a placeholder outside `commands`: its argument is one of its siblings.
      const isHelp = !cmd.commands.includes(sub);
      const names = isHelp ? subcommands.filter((other) => other !== sub).map((other) => other.name()) : undefined;
      visit(sub, [...path, sub.name()], passed, names);
    }
  };
  visit(root, [], []);
  return nodes;
}
