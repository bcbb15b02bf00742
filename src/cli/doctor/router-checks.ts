import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { parseListen, type Config } from '../../config.js';
import { BerthClient } from '../berth-client.js';
import { CliError } from '../cli-error.js';
import type { Connection } from '../connection.js';
import { failed, ok, skipped, type Check } from './check.js';

/**
 * The router: with --router, that it is reachable, that berth's credentials join it, and whether it discloses callers
 * (which `callers: owner` needs). Without --router, berth embeds its own on --listen: that address is free, or a berth
 * already answers there (then it is checked as an external router is).
 */
export async function routerChecks(config: Config): Promise<Check[]> {
  const url = config.router ?? `ws://${config.listen}/ws`;
  const connection: Connection = { url, realm: config.realm, domain: config.domain, ...(config.authid ? { authid: config.authid } : {}), ...(config.ticket ? { ticket: config.ticket } : {}) };
  if (!config.router) {
    const free = await addressFree(config.listen);
    if (free === true) return [ok('router', `the embedded router will listen on ${config.listen} (free)`), skipped('caller disclosure', 'the embedded router discloses every caller to berth')];
    if (free !== 'EADDRINUSE') return [failed('router', `cannot listen on ${config.listen}: ${free}`, 'give --listen an address of this machine and a free port')];
  }
  let client: BerthClient;
  try {
    client = await BerthClient.connect(connection);
  } catch (err) {
    const why = err instanceof CliError ? err.message : String(err);
    const fix = config.router
      ? err instanceof CliError && err.uri
        ? `give berth's credentials (--authid, --ticket) for realm ${config.realm}, or add the realm and berth's role to the router's config`
        : 'start the router, or give --router the URL where it listens (ws://host:port/path)'
      : `something else listens on ${config.listen}: stop it, or give --listen another port`;
    return [failed('router', why, fix)];
  }
  try {
    return [ok('router', `joined realm ${config.realm} at ${url}${config.authid ? ` as ${config.authid}` : ''}`), await disclosure(client, config)];
  } finally {
    await client.close();
  }
}

/**
 * Does the router tell a callee who calls it? The probe registers a procedure of its own and calls it (as berth's
 * session would be called); berth's own probe at start (probeCallerDisclosure) calls D/list, which needs a running berth.
 */
async function disclosure(client: BerthClient, config: Config): Promise<Check> {
  const uri = `berth_doctor.probe_${randomBytes(6).toString('hex')}`;
  let unregister: () => Promise<void>;
  let disclosed: boolean | undefined;
  try {
    unregister = await client.register(uri, (details) => {
      disclosed = details.caller !== undefined || details.caller_authid !== undefined;
      return null;
    });
  } catch (err) {
    return skipped('caller disclosure', `cannot tell: the router refused to register a probe (${(err as Error).message})`);
  }
  try {
    await client.call(uri);
  } catch (err) {
    return skipped('caller disclosure', `cannot tell: the probe's call failed (${(err as Error).message})`);
  } finally {
    await unregister();
  }
  if (disclosed) return ok('caller disclosure', 'the router discloses callers');
  if (config.callers === 'open') return ok('caller disclosure', 'the router does not disclose callers (callers: open does not need it)');
  return failed('caller disclosure', 'the router does not disclose callers: in callers: owner mode berth refuses every call', 'enable caller disclosure on the router (Crossbar.io: "disclose": {"caller": true} in the permissions of the roles that call berth), or set callers: open');
}

/** true when nothing listens on `listen`, else the error's code (EADDRINUSE: something does). */
function addressFree(listen: string): Promise<true | string> {
  const { host, port } = parseListen(listen);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
