import { parseArgs } from 'node:util';
import { ConfigError, OPTIONS, resolveConfig, type OptionKey } from '../config.js';
import { Daemon } from '../daemon.js';
import { BerthError } from '../errors.js';
import { EngineUnreachableError, fetchEngineVersion } from '../engine/engine-facts.js';
import { createLogger, defaultLogFormat } from '../log.js';
import { EXIT } from './exit-codes.js';
import { startBanner } from './start-banner.js';

export const SERVE_USAGE = `usage: berth serve [--router ws://host:port/ws] [options]

Run the berth daemon: it joins the router (or embeds its own) and serves the appliance procedures.

  --router URL          external WAMP router (BERTH_ROUTER); without it berth embeds its own
  --listen HOST:PORT    embedded router address, default 127.0.0.1:8080 (BERTH_LISTEN)
  --realm NAME          realm to join, default realm1 (BERTH_REALM)
  --domain D            appliance domain, default berth (BERTH_DOMAIN)
  --authid ID           authid; anonymous unless given (BERTH_AUTHID)
  --ticket T            ticket for ticket authentication (BERTH_TICKET)
  --docker-host URL     Docker engine, default the local socket (DOCKER_HOST)
  --log-level LEVEL     fatal|error|warn|info|debug|trace|silent, default info (BERTH_LOG_LEVEL)
  --log-format FORMAT   pretty|json; default pretty on a terminal, JSON lines otherwise (BERTH_LOG_FORMAT)
  --wait-for-engine     start even when the engine cannot be reached (BERTH_WAIT_FOR_ENGINE); without it berth exits 2
  --container-router-url URL  router as containers reach it (BERTH_CONTAINER_ROUTER_URL)
  --http HOST:PORT      serve the dashboard here (BERTH_HTTP); without it the embedded router serves it on --listen
  --public-router-url URL  the router URL the dashboard's page connects to (BERTH_PUBLIC_ROUTER_URL)
  --engine docker|swarm one engine, or a Docker Swarm whose manager --docker-host is (BERTH_ENGINE)
  --registry HOST:PORT  push every build there (BERTH_REGISTRY); required with --engine swarm
  --config FILE         YAML file with the same options in camelCase (docker-host → dockerHost)
  --help, --version`;

const STOP_DEADLINE_MS = 5_000;

function fail(message: string): never {
  process.stderr.write(`berth: ${message}\n`);
  process.exit(EXIT.usage);
}

function readFlags(args: string[]) {
  const options = Object.fromEntries(Object.values(OPTIONS).map((o) => [o.flag, { type: 'boolean' in o ? ('boolean' as const) : ('string' as const) }]));
  try {
    return parseArgs({
      args,
      options: { ...options, config: { type: 'string' }, help: { type: 'boolean' }, version: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    return fail(`${(err as Error).message.split('\n')[0]} (see berth serve --help)`);
  }
}

/**
 * `berth serve [options]`: the daemon, with exactly the flags, environment and config file it has always read. Returns
 * whether the daemon runs (it then holds the process until a signal), or only printed its help or version.
 */
export async function runServe(args: string[], version: string): Promise<'running' | 'done'> {
  const values = readFlags(args);
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 'done';
  }
  if (values.version) {
    process.stdout.write(`berth ${version}\n`);
    return 'done';
  }
  const flags: Partial<Record<OptionKey, string>> = {};
  for (const [key, o] of Object.entries(OPTIONS)) {
    const v = values[o.flag];
    if (typeof v === 'string') flags[key as OptionKey] = v;
    if (v === true) flags[key as OptionKey] = 'true';
  }
  let config;
  try {
    config = resolveConfig(flags, process.env, typeof values.config === 'string' ? values.config : undefined);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const format = config.logFormat ?? defaultLogFormat();
  const log = createLogger(config.logLevel, undefined, format);
  const engineVersion = format === 'pretty' ? fetchEngineVersion(config.dockerHost) : Promise.resolve(undefined);
  let greeted = false;
  const daemon = new Daemon(config, log, undefined, {
    // The banner once, for people; the join line (logged on every join) is what machines read.
    onJoined: (joined) => {
      if (format !== 'pretty' || greeted) return;
      greeted = true;
      void engineVersion.then((v) => process.stdout.write(`\n${startBanner(version, joined, { kind: config.engine, version: v })}\n\n`));
    },
  });
  const shutdown = (signal: string) => {
    log.info({ signal }, 'stopping');
    setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref();
    void daemon.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  try {
    await daemon.start();
  } catch (err) {
    // Nothing answers where the engine should be: berth can do nothing, and says what to do.
    if (err instanceof EngineUnreachableError) fail(`${err.message}: ${engineFix(config.dockerHost, err.why)}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const where = (err as { listener?: string }).listener === 'http' ? `--http (BERTH_HTTP) ${config.http}` : `--listen (BERTH_LISTEN) ${config.listen}`;
      fail(`cannot listen on ${where}: ${code}`);
    }
    // A swarm that berth refuses to run on (not a manager; a node that does not enforce no-new-privileges).
    if (err instanceof BerthError) {
      log.fatal({ err: err.message }, 'cannot start');
      process.stderr.write(`berth: ${err.message}\n`);
      process.exit(EXIT.failed);
    }
    throw err;
  }
  return 'running';
}

/** How to make an unreachable engine reachable: start the local one, or name the right one. */
function engineFix(dockerHost: string | undefined, why: string): string {
  if (why.includes('EACCES')) return "run berth as root or as a member of the engine socket's group (docker; as good as root), or give --docker-host";
  const local = !dockerHost || dockerHost.startsWith('unix://');
  return local ? 'start dockerd (as root, npm start sets it up on Debian), or give --docker-host' : 'check that the engine runs there and is reachable from here, or give another --docker-host';
}
