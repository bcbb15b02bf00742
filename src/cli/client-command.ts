import { Command } from 'commander';
import { BerthClient } from './berth-client.js';
import { CliError } from './cli-error.js';
import { addConnectionOptions, commandConnection, resolveConnection } from './connection.js';
import { EXIT } from './exit-codes.js';
import { Output } from './output.js';

export type Opts = Record<string, unknown> & { json?: boolean };

/** What a client command's body gets: a joined session, where to print, its options and its arguments. */
export interface CommandContext {
  client: BerthClient;
  out: Output;
  opts: Opts;
  args: unknown[];
  /** `D/<rest>` in berth's domain. */
  uri(rest: string): string;
}

/**
 * A command that talks to berth: the connection flags and --json, and an action that joins, runs the body, leaves the
 * router and sets the exit status (the body's, or 0).
 */
export function clientCommand(parent: Command, spec: string, description: string, json = 'print the procedure\'s result as JSON'): Command {
  const cmd = parent.command(spec).description(description).option('--json', json);
  return addConnectionOptions(cmd);
}

export function run(body: (ctx: CommandContext) => Promise<number | void>): (this: Command) => Promise<void> {
  return async function (this: Command) {
    const opts = commandConnection(this) as Opts;
    const connection = resolveConnection(opts, process.env);
    const out = Output.fromProcess();
    const client = await BerthClient.connect(connection);
    try {
      const code = await body({ client, out, opts, args: this.processedArgs, uri: (rest) => `${connection.domain}/${rest}` });
      process.exitCode = code ?? EXIT.ok;
    } finally {
      await client.close();
    }
  };
}

/**
 * One call per name, in order; a name that fails prints its error line and the others go on (as `docker rm a b`), the
 * status is 1 if any failed. An unreachable or lost router stops everything.
 */
export async function eachName<T>(ctx: CommandContext, names: string[], call: (name: string) => Promise<T>, say: (result: T, name: string) => string): Promise<number> {
  let status: number = EXIT.ok;
  for (const name of names) {
    try {
      const result = await call(name);
      if (ctx.opts.json) ctx.out.line(JSON.stringify(result));
      else ctx.out.line(say(result, name));
    } catch (err) {
      if (!(err instanceof CliError) || err.exitCode !== EXIT.failed) throw err;
      ctx.out.note(err.line());
      status = EXIT.failed;
    }
  }
  return status;
}
