import type { Command } from 'commander';
import type { ImageDict } from '../../appliance/shape.js';
import { CliError } from '../cli-error.js';
import { clientCommand, run, type CommandContext } from '../client-command.js';
import { EXIT } from '../exit-codes.js';
import { seconds, shortId } from '../format.js';

/** After Ctrl-C, how long to wait for the build to report `canceled` (berth answers cancelBuild within 1 s). */
const CANCEL_WAIT_MS = 30_000;
const CANCELED = 'berth.error.canceled';

interface UpdateResult {
  name: string;
  image: ImageDict;
  containers: string[];
  lines: string[];
}

/** `berth build`, `berth update`, `berth cancel`. */
export function addBuildCommands(program: Command): void {
  clientCommand(program, 'build <name> <url>', 'build an image from a git URL (D/build), printing its output live; Ctrl-C cancels it', 'print the result (the list of lines) as JSON; the live lines go to stderr').action(
    run(async (ctx) => {
      const [name, url] = ctx.args as [string, string];
      return streamBuild(ctx, name, (onLine) => ctx.client.call<string[]>(ctx.uri('build'), [name, url], {}, onLine), () => `built image ${name}`);
    }),
  );

  clientCommand(program, 'update <name>', 'rebuild an image from the URL it was built from (D/updateImage); Ctrl-C cancels it', 'print the result as JSON; the live lines go to stderr')
    .option('--containers', 'also replace the containers that run the old image')
    .action(
      run(async (ctx) => {
        const name = ctx.args[0] as string;
        const call = (onLine: (l: unknown) => void) => ctx.client.call<UpdateResult>(ctx.uri('updateImage'), [name, ctx.opts.containers === true], {}, onLine);
        return streamBuild(ctx, name, call, (r) => {
          const replaced = ctx.opts.containers ? `; ${r.containers.length ? `replaced ${r.containers.join(', ')}` : 'no container to replace'}` : '';
          return `updated image ${name} to ${shortId(r.image.id)}${replaced}`;
        });
      }),
    );

  clientCommand(program, 'cancel <name>', 'cancel a running or queued build (D/cancelBuild)').action(
    run(async ({ client, out, opts, args, uri }) => {
      const r = await client.call<{ name: string }>(uri('cancelBuild'), [args[0]]);
      if (opts.json) return out.json(r);
      out.line(`canceled the build of ${r.name}`);
    }),
  );
}

/**
 * Run a build call with its lines printed as they arrive, and a last line with the elapsed time. SIGINT asks berth to
 * cancel the build (D/cancelBuild; autobahn-js's own call cancel would break the session) and the command exits 130
 * once the build reports `canceled`; a second Ctrl-C exits at once.
 */
async function streamBuild<T>(ctx: CommandContext, name: string, call: (onLine: (line: unknown) => void) => Promise<T>, done: (result: T) => string): Promise<number> {
  const { client, out, opts } = ctx;
  const live = (line: unknown) => (opts.json ? out.note : out.line).call(out, typeof line === 'string' ? line : JSON.stringify(line));
  const t0 = Date.now();
  let interrupted = false;
  let giveUp!: (err: CliError) => void;
  const deadline = new Promise<never>((_, reject) => (giveUp = reject));
  let timer: NodeJS.Timeout | undefined;
  const onSigint = () => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    out.note(`canceling the build of ${name} (Ctrl-C again to leave at once)`);
    client.call(ctx.uri('cancelBuild'), [name]).catch((err: unknown) => out.note(err instanceof CliError ? err.line() : String(err)));
    timer = setTimeout(() => giveUp(new CliError(`the build of ${name} did not report canceled within ${CANCEL_WAIT_MS / 1000} s`, undefined, EXIT.interrupted)), CANCEL_WAIT_MS);
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await Promise.race([call(live), deadline]);
    if (opts.json) out.json(result);
    else out.line(`${done(result)} in ${seconds(Date.now() - t0)}`);
    return EXIT.ok;
  } catch (err) {
    if (interrupted && err instanceof CliError && err.uri === CANCELED) {
      out.note(`canceled the build of ${name} after ${seconds(Date.now() - t0)}`);
      return EXIT.interrupted;
    }
    throw err;
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSigint);
  }
}
