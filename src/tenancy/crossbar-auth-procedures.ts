import { z } from 'zod';
import { BerthError } from '../errors.js';
import type { ContainerRecord } from '../engine/engine.js';
import type { Logger } from '../log.js';
import type { Handler } from '../wamp/call.js';
import { checkContainerTicket } from './container-credentials.js';
import { authorizeFabric, CONTAINER_ROLE, logsTopicName, type FabricPolicy } from './fabric-policy.js';
import { mayReach } from './uri-reach.js';

export interface CrossbarAuthOptions {
  readonly realm: string;
  readonly policy: FabricPolicy;
  /** Every replica of a container name ([] for none). */
  readonly lookup: (name: string) => readonly ContainerRecord[];
  readonly log: Logger;
}

// Crossbar.io's dynamic authenticator call: (realm, authid, details) with the client's ticket in details.ticket.
const authenticateArgs = z.tuple([z.string(), z.string().nullable(), z.looseObject({ ticket: z.unknown() })]).rest(z.unknown());
// Its dynamic authorizer call: (session details, uri, action, options) with the match policy in options.match.
const authorizeArgs = z
  .tuple([
    z.looseObject({ authid: z.string().nullish(), authrole: z.string().nullish() }),
    z.string(),
    z.enum(['call', 'register', 'publish', 'subscribe']),
    z.looseObject({ match: z.enum(['exact', 'prefix', 'wildcard']).optional() }).nullish(),
  ])
  .rest(z.unknown());

/**
 * `D._authenticate` and `D._authorize`: Crossbar.io's dynamic ticket authenticator and dynamic authorizer,
 * so that Crossbar.io enforces the same rules as the embedded router (docs/crossbar.md wires them). Strict URIs on
 * purpose: Crossbar.io's config check takes only strict URIs there, and no container name starts with `_`.
 */
export function crossbarAuthProcedures(domain: string, options: CrossbarAuthOptions): Record<string, Handler> {
  const { realm, policy, lookup, log } = options;
  return {
    [`${domain}._authenticate`]: async ({ args }) => {
      const parsed = authenticateArgs.safeParse(args);
      if (!parsed.success) throw new BerthError('authentication_failed', 'malformed authentication request');
      const [askedRealm, authid, details] = parsed.data;
      if (askedRealm !== realm) throw new BerthError('authentication_failed', `berth serves realm "${realm}", not "${askedRealm}"`);
      const check = checkContainerTicket(domain, lookup, authid ?? undefined, details.ticket);
      if (!check.ok) {
        log.info({ authid, reason: check.message }, 'container authentication refused');
        throw new BerthError('authentication_failed', check.message);
      }
      // Crossbar.io hands `extra` to the session as its authextra (WELCOME details, wamp.session.get).
      return { role: CONTAINER_ROLE, extra: { domain: `${domain}.${check.name}`, replica: check.replica } };
    },
    [`${domain}._authorize`]: async ({ args }) => {
      const parsed = authorizeArgs.safeParse(args);
      if (!parsed.success) return { allow: false, disclose: false };
      const [session, uri, action, opts] = parsed.data;
      if (!session.authrole || !session.authid) return { allow: false, disclose: false };
      const match = opts?.match ?? 'exact';
      const decision = await authorizeFabric(policy, { authid: session.authid, authrole: session.authrole }, action, uri, match);
      // Only a build or logs topic's decision depends on berth's state (who owns that build or container now); Crossbar.io
      // may cache the rest for the session, sparing a round trip to berth on every call.
      const stateful = mayReach(uri.toLowerCase(), match, `${domain}/build/`) || (match === 'exact' && logsTopicName(domain, uri) !== undefined);
      const cache = !(action === 'subscribe' && stateful);
      return { allow: decision.allow, disclose: decision.disclose ?? false, cache };
    },
  };
}
