import type { Logger } from '../log.js';
import type { AutobahnSession } from '../wamp/autobahn-session.js';
import { applianceUri } from '../wamp/uris.js';

/**
 * Revoke on Crossbar.io: end every session joined as `authid` (a removed container's) through the meta API.
 * berth's role needs `call` on `wamp.session.kill_by_authid` (docs/crossbar.md has it). Never rejects.
 */
export async function revokeOnCrossbar(session: AutobahnSession, authid: string, log: Logger): Promise<void> {
  try {
    const killed = await session.call('wamp.session.kill_by_authid', [authid], { reason: 'wamp.close.killed', message: 'the container was removed' });
    if (Array.isArray(killed) && killed.length > 0) log.info({ authid, sessions: killed.length }, 'revoked the sessions of a removed container');
  } catch (err) {
    log.warn({ authid, err: describe(err) }, 'could not kill the sessions of a removed container (may berth\'s role call wamp.session.kill_by_authid?)');
  }
}

/**
 * In `owner` mode berth needs to know who calls it. After joining it calls its own `D/list`: if the router does not
 * disclose that caller, berth refuses the call like any other and warns once (`Callers`), so the operator reads it at
 * start and not at the first user's call. (Crossbar.io decides disclosure by the caller's role, so this proves berth's
 * own role only; every refused call says the same.)
 */
export async function probeCallerDisclosure(session: AutobahnSession, domain: string, log: Logger): Promise<void> {
  await session.call(applianceUri(domain, 'list')).catch((err: unknown) => log.debug({ err: describe(err) }, 'caller disclosure probe'));
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  const e = err as { error?: string; args?: unknown[] };
  return [e.error, e.args?.[0]].filter(Boolean).join(': ') || String(err);
}
