import { Command, CommanderError } from 'commander';
import { addBuildCommands } from './commands/build-commands.js';
import { addCallCommand } from './commands/call-command.js';
import { addContainerCommands } from './commands/container-commands.js';
import { addDoctorCommand } from './commands/doctor-command.js';
import { addEventsCommand } from './commands/events-command.js';
import { addExecCommand } from './commands/exec-command.js';
import { addListCommands } from './commands/list-commands.js';
import { addReleaseCommands } from './commands/release-commands.js';
import { addVolumeCommands } from './commands/volume-commands.js';
import { addConnectionOptions } from './connection.js';
import { EXIT } from './exit-codes.js';

/**
 * The berth command: `serve` runs the daemon (main.ts hands it its arguments untouched); every other command is a
 * client of a running berth through the router, as any WAMP client is.
 */
export function createProgram(version: string, serve: (args: string[]) => Promise<void>): Command {
  const program = new Command('berth')
    .description('The Container appliance for WAMP fabrics: run the daemon (berth serve), or manage containers through it.')
    .version(`berth ${version}`, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    // The connection options before the command are the program's; after it, the command's own (which win).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: oneLine('berth --help') });
  addConnectionOptions(program);
  program.addHelpText('after', '\nThe connection options go before the command or after it (berth --router URL ps, berth ps --router URL). Run "berth <command> --help" for a command\'s options. Exit status: 0 ok, 1 an error berth answered, 2 usage, 3 router unreachable, 130 interrupted.');
  program
    .command('serve')
    .description('run the berth daemon (see berth serve --help for its options)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(function (this: Command) {
      return serve(this.args);
    });
  addListCommands(program);
  addContainerCommands(program);
  addBuildCommands(program);
  addReleaseCommands(program);
  addEventsCommand(program);
  addVolumeCommands(program);
  addExecCommand(program);
  addCallCommand(program);
  addDoctorCommand(program);
  for (const cmd of program.commands) cmd.configureOutput({ outputError: oneLine(`berth ${cmd.name()} --help`) });
  return program;
}

/** A usage error is one line, like every other error of berth: "berth: <what> (see berth <command> --help)". */
function oneLine(help: string): (text: string, write: (s: string) => void) => void {
  return (text, write) => write(`berth: ${text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()} (see ${help})\n`);
}

/** Commander's own exits: help and version are fine, anything else it refuses is a usage error. */
export function commanderExit(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
  return EXIT.usage;
}
