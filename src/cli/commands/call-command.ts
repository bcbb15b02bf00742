import type { Command } from 'commander';
import { clientCommand, run } from '../client-command.js';
import { collect, jsonOrString, keyValue } from '../values.js';

/** `berth call URI [ARG…] [--kw K=V…]`: any procedure on the fabric, for what the other commands do not cover. */
export function addCallCommand(program: Command): void {
  clientCommand(program, 'call <uri> [args...]', 'call any procedure; each ARG and V is parsed as JSON, or taken as a string', 'print the result as JSON (the default when stdout is not a terminal)')
    .option('--kw <K=V>', 'a keyword argument (repeatable)', collect)
    .addHelpText('after', '\nExamples:\n  berth call berth/web1/logs 20\n  berth call berth/create bb web1 --kw \'environment={"MODE":"prod"}\'\n  berth call berth/web1/logs -- -1     (after --, an ARG may start with -)')
    .action(
      run(async ({ client, out, opts, args }) => {
        const [uri, rest] = args as [string, string[]];
        const kwargs = Object.fromEntries(((opts.kw as string[] | undefined) ?? []).map((kv) => keyValue(kv, '--kw', {})).map(([k, v]) => [k, jsonOrString(v)]));
        // Progressive results (e.g. D/build's lines) go to stderr: stdout carries the result alone.
        const result = await client.call(uri, rest.map(jsonOrString), kwargs, (p) => out.note(typeof p === 'string' ? p : JSON.stringify(p)));
        if (out.wantsJson(opts, true)) return out.json(result);
        out.readable(result ?? null);
      }),
    );
}
