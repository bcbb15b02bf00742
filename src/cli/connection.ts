import { Option, type Command } from 'commander';
import { ConfigError, OPTIONS, resolveConfig } from '../config.js';
import { usageError } from './cli-error.js';

/** Where the commands find berth when neither --router nor BERTH_ROUTER says: `berth serve`'s embedded router. */
export const DEFAULT_ROUTER = 'ws://127.0.0.1:8080/ws';

const KEYS = ['router', 'realm', 'domain', 'authid', 'ticket'] as const;
type Key = (typeof KEYS)[number];

/** How a client command reaches berth: the router, the realm, berth's domain, and who it is. */
export interface Connection {
  readonly url: string;
  readonly realm: string;
  readonly domain: string;
  readonly authid?: string;
  readonly ticket?: string;
}

const HELP: Record<Key, string> = {
  router: `WAMP router where berth serves (default ${DEFAULT_ROUTER})`,
  realm: 'realm to join (default realm1)',
  domain: "berth's domain (default berth)",
  authid: 'authid to join with (default anonymous)',
  ticket: 'ticket for ticket authentication (needs --authid)',
};

/** The connection flags every client command takes, each with its BERTH_* variable named in the help. */
export function addConnectionOptions(cmd: Command): Command {
  for (const key of KEYS) {
    const o = OPTIONS[key];
    cmd.addOption(new Option(`--${o.flag} <${key === 'router' ? 'url' : key}>`, `${HELP[key]} [${o.env}]`).helpGroup('Connection:'));
  }
  return cmd;
}

/**
 * The connection flags given before the command (`berth --router U --domain D ps`, as `docker -H URL ps`): how many of
 * `argv`'s first words they are (`--router U` or `--router=U`), 0 when the first word is not one of them.
 */
export function leadingConnectionArgs(argv: readonly string[]): number {
  const flags = new Set(KEYS.map((k) => `--${OPTIONS[k].flag}`));
  let i = 0;
  while (i < argv.length) {
    const word = argv[i]!;
    const eq = word.indexOf('=');
    if (eq > 0 && flags.has(word.slice(0, eq))) i += 1;
    else if (flags.has(word) && i + 1 < argv.length) i += 2;
    else break;
  }
  return i;
}

/** A command's connection options: its own, over those given before the command (its parent's). */
export function commandConnection(cmd: Command): Record<string, unknown> {
  const own = (c: Command | null | undefined) => Object.fromEntries(Object.entries(c?.opts() ?? {}).filter(([, v]) => v !== undefined));
  return { ...own(cmd.parent), ...own(cmd) };
}

/**
 * Flags over the daemon's own BERTH_* variables, validated by the daemon's config schema (so a bad value reads exactly
 * as it does for `berth serve`). Only these five variables are read: a BERTH_LOG_LEVEL meant for the daemon is no
 * business of a client.
 */
export function resolveConnection(flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): Connection {
  const given: Partial<Record<Key, string>> = {};
  const own: NodeJS.ProcessEnv = {};
  for (const key of KEYS) {
    if (typeof flags[key] === 'string') given[key] = flags[key] as string;
    own[OPTIONS[key].env] = env[OPTIONS[key].env];
  }
  try {
    const c = resolveConfig(given, own);
    return { url: c.router ?? DEFAULT_ROUTER, realm: c.realm, domain: c.domain, ...(c.authid ? { authid: c.authid } : {}), ...(c.ticket ? { ticket: c.ticket } : {}) };
  } catch (err) {
    if (err instanceof ConfigError) throw usageError(err.message);
    throw err;
  }
}
