import type { Config } from '../config.js';
import type { ContainerIndex } from '../engine/container-index.js';
import type { Logger } from '../log.js';
import type { StandaloneRouter } from '../standalone-router.js';
import { crossbarAuthProcedures } from '../tenancy/crossbar-auth-procedures.js';
import { probeCallerDisclosure, revokeOnCrossbar } from '../tenancy/crossbar-sessions.js';
import { probeEnforcement } from '../tenancy/enforcement-probe.js';
import type { FabricPolicy } from '../tenancy/fabric-policy.js';
import type { AutobahnSession } from '../wamp/autobahn-session.js';
import type { Owners } from './owners.js';

/** The tenancy settings both the router's rules and the appliance enforce, read from the config once. */
export function tenancyRules(config: Config) {
  return { callers: config.callers, adminRoles: config.adminRoles, callAppliance: config.containers.callAppliance };
}

export type RevokeSessions = (authid: string) => Promise<void>;

export interface Tenancy {
  /** Ends every session joined as an authid (a removed container's). */
  readonly revokeSessions: RevokeSessions;
  /**
   * Run after each join: on an external router berth checks once that the router enforces its rules (a bounded probe,
   * a warning when not) and, in `owner` mode, that it discloses its callers.
   */
  readonly afterJoin: () => void;
}

/**
 * How berth's rules are enforced on its router. On Crossbar.io through berth's dynamic authenticator and authorizer
 * (docs/crossbar.md), registered before the session starts, and sessions are revoked through the meta API; the
 * embedded router enforces them itself and kills sessions directly.
 */
export async function wireTenancy(config: Config, index: ContainerIndex, owners: Owners, router: StandaloneRouter | undefined, external: AutobahnSession | undefined, log: Logger): Promise<Tenancy> {
  if (router) {
    const revokeSessions: RevokeSessions = async (authid) => {
      const killed = router.killSessions(authid);
      if (killed.length > 0) log.info({ authid, sessions: killed.length }, 'revoked sessions');
    };
    return { revokeSessions, afterJoin: () => undefined };
  }
  if (!external) return { revokeSessions: async () => undefined, afterJoin: () => undefined };
  const policy: FabricPolicy = { domain: config.domain, ...tenancyRules(config), buildOwner: owners.buildOwner, containerOwner: owners.containerOwner };
  const auth = crossbarAuthProcedures(config.domain, { realm: config.realm, policy, lookup: (n) => index.getReplicas(n), log: log.child({ part: 'auth' }) });
  for (const [uri, handler] of Object.entries(auth)) await external.register(uri, handler);
  const probe = once(() => {
    void probeEnforcement({ url: config.router!, realm: config.realm, domain: config.domain, log });
    if (config.callers === 'owner') void probeCallerDisclosure(external, config.domain, log);
  });
  return { revokeSessions: (authid) => revokeOnCrossbar(external, authid, log), afterJoin: probe };
}

function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}
