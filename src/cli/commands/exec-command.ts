import type { Command } from 'commander';
import type { ExecLine, ExecResult } from '../../appliance/exec.js';
import { clientCommand, run } from '../client-command.js';
import { EXIT } from '../exit-codes.js';
import { integer } from '../values.js';

/** The status of a command the time limit killed, as coreutils' `timeout` exits. */
export const EXIT_TIMED_OUT = 124;

/**
 * `berth exec NAME [--timeout S] -- CMD [ARG…]`: the command's lines live (stdout to stdout, stderr to stderr), then the
 * command's own exit status (124 when the time limit killed it). Ctrl-C leaves the router, and berth then kills the
 * command (exit 130).
 */
export function addExecCommand(program: Command): void {
  clientCommand(program, 'exec <name> <command...>', 'run a command in a running container (D/<name>/exec), printing its output live; put -- before a command with options', 'print only the result {exitCode, output, truncated, timedOut} as JSON')
    .option('--timeout <s>', 'kill the command after this many seconds (berth\'s default: 30, at most its exec.maxTimeout)', integer(1))
    .action(
      run(async ({ client, out, opts, args, uri }) => {
        const [name, command] = args as [string, string[]];
        const kwargs = opts.timeout === undefined ? {} : { timeout: opts.timeout };
        const live = opts.json
          ? undefined
          : (p: unknown) => {
              const { stream, line } = (p ?? {}) as Partial<ExecLine>;
              (stream === 'stderr' ? process.stderr : process.stdout).write(`${line ?? ''}\n`);
            };
        let onSigint!: () => void;
        const interrupted = new Promise<'interrupted'>((resolve) => process.once('SIGINT', (onSigint = () => resolve('interrupted'))));
        try {
          const result = await Promise.race([client.call<ExecResult>(uri(`${name}/exec`), [command], kwargs, live), interrupted]);
          // Leaving the router (run() closes the session) is what stops the command: berth kills the exec of a caller that left.
          if (result === 'interrupted') return EXIT.interrupted;
          if (opts.json) out.json(result);
          if (result.truncated) out.note(`berth: the output was capped at berth's exec.maxOutputBytes; the command went on until it ended`);
          if (result.timedOut) {
            out.note(`berth: ${command[0]} was killed: it ran past the time limit`);
            return EXIT_TIMED_OUT;
          }
          return result.exitCode ?? EXIT.failed;
        } finally {
          process.off('SIGINT', onSigint);
        }
      }),
    );
}
