// The merchant's tool commands: sandbox, certs, keys, notify, xml and completion (each in its own file).
import type { Command } from 'commander';
import { addCertsCommands } from './certs.js';
import { addCompletionCommand } from './completion.js';
import { addKeysCommands } from './keys.js';
import { addNotifyCommands } from './notify.js';
import type { CommandRunner } from './payout.js';
import { addSandboxCommands } from './sandbox.js';
import { addXmlCommand } from './xml.js';

export function addToolCommands(program: Command, runner: CommandRunner): void {
  addSandboxCommands(program, runner);
  addCertsCommands(program, runner);
  addKeysCommands(program, runner);
  addNotifyCommands(program, runner);
  addXmlCommand(program, runner);
  // Last: it lists every command registered before it, whatever registered them.
  addCompletionCommand(program, runner);
}
