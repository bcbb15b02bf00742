import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import type { ContainerDict } from '../../appliance/shape.js';
import { clientCommand, eachName, run } from '../client-command.js';
import { megabytes } from '../format.js';
import { formatTable } from '../table.js';
import { collect, decimal, integer, keyValue, readEnvFile } from '../values.js';

interface Top {
  cpuPercent: number;
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
  processes: Record<string, string>[];
}

const PER_NAME = 'print each result as one line of JSON';

/** `berth create`, `rm`, `start`, `stop`, `restart`, `logs`, `inspect`, `top`. */
export function addContainerCommands(program: Command): void {
  clientCommand(program, 'create <image> <name>', 'create and start a container from an image (D/create)')
    .option('-e, --env <K=V>', 'set a variable (repeatable); a bare K takes K from this shell', collect)
    .option('--env-file <file>', 'read variables from a file of K=V lines (before -e)')
    .option('--memory <size>', 'memory limit, e.g. 256m or 1g (at most berth\'s sandbox.memory)')
    .option('--cpus <n>', 'CPU limit, e.g. 0.5', decimal)
    .option('--pids <n>', 'process limit', integer(1))
    .action(
      run(async ({ client, out, opts, args, uri }) => {
        const [image, name] = args as [string, string];
        const environment = Object.fromEntries([
          ...(typeof opts.envFile === 'string' ? readEnvFile(opts.envFile) : []),
          ...((opts.env as string[] | undefined) ?? []).map((e) => keyValue(e, '-e')),
        ]);
        const resources = Object.fromEntries(['memory', 'cpus', 'pids'].filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
        const c = await client.call<ContainerDict>(uri('create'), [image, name, environment, resources]);
        if (opts.json) return out.json(c);
        out.line(`created ${c.name} (${c.state}, on the fabric as ${c.domain})`);
      }),
    );

  clientCommand(program, 'rm <name...>', 'stop and remove containers (D/remove); their volumes are kept unless --volumes', PER_NAME)
    .option('--volumes', "also remove the containers' volumes (D/remove with removeVolumes)")
    .action(
      run((ctx) =>
        eachName(
          ctx,
          ctx.args[0] as string[],
          (name) => ctx.client.call<{ name: string; volumes?: string[] }>(ctx.uri('remove'), ctx.opts.volumes ? [name, true] : [name]),
          (r) => `removed ${r.name}${r.volumes ? ` and ${r.volumes.length} volume(s)` : ''}`,
        ),
      ),
    );

  for (const [op, done] of [['start', 'started'], ['stop', 'stopped'], ['restart', 'restarted']] as const) {
    clientCommand(program, `${op} <name...>`, `${op} containers (D/<name>/${op})`, PER_NAME).action(
      run((ctx) =>
        eachName(ctx, ctx.args[0] as string[], (name) => ctx.client.call<ContainerDict>(ctx.uri(`${name}/${op}`)), (c) => `${done} ${c.name} (${c.status})`),
      ),
    );
  }

  clientCommand(program, 'logs <name>', "print a container's output, stdout and stderr in order (D/<name>/logs)", 'print the result as a JSON string (with -f: one JSON event per line)')
    .option('--tail <n>', 'only the last n lines (berth\'s default: 1000)', integer(0))
    .option('-f, --follow', 'then keep printing new lines as the container writes them (topic D/<name>/logs), across restarts, until Ctrl-C')
    .action(
      run(async ({ client, out, opts, args, uri }) => {
        const name = args[0] as string;
        const topic = uri(`${name}/logs`);
        // Subscribed before the tail is read, so that no line falls between the two (one may show twice instead).
        const live: unknown[] = [];
        let show: ((e: unknown) => void) | undefined;
        if (opts.follow) await client.subscribe(topic, ([e]) => (show ? show(e) : live.push(e)));
        const text = await client.call<string>(topic, opts.tail === undefined ? [] : [opts.tail]);
        if (opts.json && !opts.follow) return out.json(text);
        if (opts.json) out.line(JSON.stringify({ tail: text }));
        else if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
        if (!opts.follow) return;
        show = (e) => {
          const { stream, line } = (e ?? {}) as { stream?: string; line?: string };
          if (opts.json) out.line(JSON.stringify(e));
          else (stream === 'stderr' ? process.stderr : process.stdout).write(`${line ?? ''}\n`);
        };
        for (const e of live.splice(0)) show(e);
        const interrupted = new Promise<number>((resolve) => process.once('SIGINT', () => resolve(EXIT.ok)));
        return await Promise.race([interrupted, client.untilLost()]);
      }),
    );

  clientCommand(program, 'inspect <name>', "a container's dict with its configuration (D/<name>/inspect)", 'print the result as JSON (the default when stdout is not a terminal)').action(
    run(async ({ client, out, opts, args, uri }) => {
      const result = await client.call(uri(`${args[0] as string}/inspect`));
      if (out.wantsJson(opts, true)) return out.json(result);
      out.readable(result);
    }),
  );

  clientCommand(program, 'top <name>', "a container's CPU, memory and processes (D/<name>/top)").action(
    run(async ({ client, out, opts, args, uri }) => {
      const top = await client.call<Top>(uri(`${args[0] as string}/top`));
      if (opts.json) return out.json(top);
      const limit = top.memoryLimit ? ` / ${megabytes(top.memoryLimit)}` : '';
      out.line(`CPU ${top.cpuPercent.toFixed(1)} %   memory ${megabytes(top.memoryUsage)}${limit}   pids ${top.pids}`);
      if (!top.processes.length) return out.line('no processes (the container is not running)');
      const titles = Object.keys(top.processes[0]!);
      out.line('');
      out.line(formatTable(titles, top.processes.map((p) => titles.map((t) => p[t] ?? ''))));
    }),
  );
}
