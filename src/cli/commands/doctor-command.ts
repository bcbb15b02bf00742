import { Option, type Command } from 'commander';
import { ConfigError, OPTIONS, resolveConfig, type OptionKey } from '../../config.js';
import { usageError } from '../cli-error.js';
import { addConnectionOptions, commandConnection } from '../connection.js';
import { EXIT } from '../exit-codes.js';
import { Output } from '../output.js';
import type { Check } from '../doctor/check.js';

/** The daemon's options the doctor reads too, besides the connection options. */
const DAEMON_KEYS = ['dockerHost', 'engine', 'listen'] as const satisfies readonly OptionKey[];
const DAEMON_HELP: Record<(typeof DAEMON_KEYS)[number], [string, string]> = {
  dockerHost: ['url', 'the Docker engine berth serve uses (default the local socket)'],
  engine: ['docker|swarm', 'one engine, or a swarm (then its nodes are checked as berth serve checks them)'],
  listen: ['host:port', "the embedded router's address, without --router (default 127.0.0.1:8080)"],
};

/**
 * `berth doctor`: what `berth serve` needs, checked from this machine with the options the daemon would read (flags,
 * BERTH_* variables, --config): a checklist, a fix under each failure; exit 0 only when every check holds.
 */
export function addDoctorCommand(program: Command): void {
  const cmd = program.command('doctor').description('check what berth serve needs: the engine, the bases, the router, disk and the address pool');
  cmd.addHelpText('after', '\nExit status: 0 when every check holds, 1 when one fails, 2 for a usage error.');
  for (const key of DAEMON_KEYS) cmd.addOption(new Option(`--${OPTIONS[key].flag} <${DAEMON_HELP[key][0]}>`, `${DAEMON_HELP[key][1]} [${OPTIONS[key].env}]`));
  cmd.addOption(new Option('--config <file>', "berth serve's config file (YAML)"));
  addConnectionOptions(cmd).action(async function (this: Command) {
    const opts = commandConnection(this);
    const flags: Partial<Record<OptionKey, string>> = {};
    for (const key of ['router', 'realm', 'domain', 'authid', 'ticket', ...DAEMON_KEYS] as OptionKey[]) {
      const camel = key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      if (typeof opts[camel] === 'string') flags[key] = opts[camel] as string;
    }
    let config;
    try {
      config = resolveConfig(flags, process.env, typeof opts.config === 'string' ? opts.config : undefined);
    } catch (err) {
      if (err instanceof ConfigError) throw usageError(err.message);
      throw err;
    }
    const out = Output.fromProcess();
    // The checks load the engine's and the router's clients (most of a second): only doctor pays for them.
    const [{ engineChecks }, { routerChecks }] = await Promise.all([import('../doctor/engine-checks.js'), import('../doctor/router-checks.js')]);
    const [engine, router] = await Promise.all([engineChecks(config), routerChecks(config)]);
    const checks = [...engine, ...router];
    for (const c of checks) printCheck(out, c);
    const failures = checks.filter((c) => c.status === 'failed').length;
    out.line(failures === 0 ? '\nberth serve has what it needs.' : `\n${failures} check${failures > 1 ? 's' : ''} failed.`);
    process.exitCode = failures === 0 ? EXIT.ok : EXIT.failed;
  });
}

const MARK = { ok: ['✓', 'green'], failed: ['✗', 'red'], skipped: ['–', 'dim'] } as const;

function printCheck(out: Output, c: Check): void {
  const [mark, color] = MARK[c.status];
  out.line(`${out.paint(color, mark)} ${c.name.padEnd(18)} ${c.detail}`);
  if (c.fix) out.line(`  ${' '.repeat(18)} fix: ${c.fix}`);
}
