import { randomBytes } from 'node:crypto';
import autobahn from 'autobahn';
import type { Logger } from '../log.js';

export interface EnforcementProbeOptions {
  readonly url: string;
  readonly realm: string;
  readonly domain: string;
  readonly log: Logger;
  /** The probe never holds berth up longer than this. */
  readonly timeoutMs?: number;
}

/** `enforced`: the stranger was refused (join or register); `not-enforced`: it registered in berth's namespace. */
export type Enforcement = 'enforced' | 'not-enforced' | 'unknown';

export const NOT_ENFORCED_WARNING =
  "the router does not enforce berth's rules: a peer with a wrong ticket joined and registered a procedure in berth's " +
  "namespace, so berth's authenticator and authorizer (D._authenticate, D._authorize) are not wired. Containers cannot " +
  'be confined to their domain and there are no per-user tickets here (on a router without dynamic auth, such as ' +
  'nexus, every user is one owner); docs/nexus.md';

/**
 * A bounded check, once after berth joins an external router, that the router enforces berth's rules: a short-lived
 * session offers a ticket that must be refused (a container-style authid no container has), with anonymous as its
 * second method. Crossbar.io as docs/crossbar.md wires it refuses it (berth's authenticator, or no such static
 * principal). A router that welcomes it anyway is then asked to let it register a procedure in berth's namespace, which
 * berth's authorizer always refuses a stranger: a router that allows that enforces neither, and berth warns once.
 * Never rejects; the session is closed in every case.
 */
export async function probeEnforcement(o: EnforcementProbeOptions): Promise<Enforcement> {
  const timeoutMs = o.timeoutMs ?? 5_000;
  const connection = new autobahn.Connection({
    url: o.url,
    realm: o.realm,
    max_retries: 0,
    retry_if_unreachable: false,
    authmethods: ['ticket', 'anonymous'],
    authid: `${o.domain}._enforcement-probe`,
    onchallenge: () => randomBytes(24).toString('hex'),
    on_user_error: () => undefined,
    on_internal_error: () => undefined,
  } as autobahn.IConnectionOptions);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<Enforcement>((resolve) => {
    timer = setTimeout(() => resolve('unknown'), timeoutMs);
    connection.onclose = () => {
      resolve('enforced'); // refused at the join (ABORT), or closed before it could register
      return true;
    };
    connection.onopen = (session) => {
      const uri = `${o.domain}/_enforcement-probe-${randomBytes(4).toString('hex')}`;
      session.register(uri, () => null).then(
        () => resolve('not-enforced'),
        () => resolve('enforced'),
      );
    };
    try {
      connection.open();
    } catch {
      resolve('unknown');
    }
  });
  clearTimeout(timer);
  try {
    connection.close();
  } catch {
    // already closed
  }
  if (outcome === 'not-enforced') o.log.warn({ router: o.url }, NOT_ENFORCED_WARNING);
  else o.log.debug({ router: o.url, outcome }, 'enforcement probe');
  return outcome;
}
