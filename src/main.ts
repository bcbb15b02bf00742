#!/usr/bin/env -S node --
// The "--" ends node's own options: Node 20 reads a script argument "--env-file F" as its own option and exits 9 when F
// does not exist (nodejs/node#54232), which would break "berth create … --env-file F".
import { createRequire } from 'node:module';
import { CommanderError } from 'commander';
import { CliError } from './cli/cli-error.js';
import { EXIT } from './cli/exit-codes.js';
import { leadingConnectionArgs } from './cli/connection.js';
import { commanderExit, createProgram } from './cli/program.js';

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** Set once the daemon runs: it then holds the process until SIGINT/SIGTERM, instead of exiting like a command. */
let daemonRunning = false;

/** The daemon's modules (engine, router, …) load only for `berth serve`, so that a client command starts quickly. */
async function serve(args: string[]): Promise<void> {
  // Loading them takes a moment (longer on a busy machine): a SIGINT/SIGTERM meanwhile finds nothing made yet and ends
  // berth at once with 0, as it would once running. runServe sets the daemon's own handlers before it awaits anything.
  const early = () => process.exit(EXIT.ok);
  process.once('SIGINT', early);
  process.once('SIGTERM', early);
  const { runServe } = await import('./cli/serve.js');
  process.off('SIGINT', early);
  process.off('SIGTERM', early);
  daemonRunning = (await runServe(args, VERSION)) === 'running';
}

/**
 * The daemon's own flags given without `serve`, as berth was run before it had client commands. (The connection flags,
 * --router, --realm, --domain, --authid and --ticket, may come before any command.)
 */
const DAEMON_FLAG = /^--(listen|docker-host|log-level|log-format|wait-for-engine|container-router-url|config|engine|registry|http|public-router-url)(=|$)/;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'serve' || (argv[0] === 'help' && argv[1] === 'serve')) {
    await serve(argv[0] === 'serve' ? argv.slice(1) : ['--help']);
    return EXIT.ok;
  }
  const program = createProgram(VERSION, serve);
  if (argv.length === 0) {
    process.stdout.write(program.helpInformation());
    return EXIT.ok;
  }
  const connection = leadingConnectionArgs(argv);
  const command = argv[connection];
  if (connection > 0 && command === undefined) throw new CliError('the connection options need a command after them, as in "berth --router URL ps" (see berth --help)', undefined, EXIT.usage);
  // `berth --router U serve …` is `berth serve --router U …`.
  if (connection > 0 && command === 'serve') {
    await serve([...argv.slice(0, connection), ...argv.slice(connection + 1)]);
    return EXIT.ok;
  }
  // Not echoed: the arguments may hold a ticket.
  if (DAEMON_FLAG.test(command ?? '')) throw new CliError('the daemon is now "berth serve [options]" (see berth serve --help; berth --help for the other commands)', undefined, EXIT.usage);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return commanderExit(err);
    throw err;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}

// `berth ps | head -1`: the reader left; the command has nothing more to say to anyone.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    if (!daemonRunning) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`${err.line()}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`berth: ${(err as Error)?.stack ?? err}\n`);
    process.exit(EXIT.failed);
  },
);
