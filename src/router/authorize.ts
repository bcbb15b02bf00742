import type { Permission, RealmConfig } from './router-config.js';

export type Action = 'call' | 'register' | 'publish' | 'subscribe';

/** The joined session an authorization is asked for. */
export interface SessionInfo {
  readonly id: number;
  readonly realm: string;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
}

/** `disclose` only matters for call (caller) and publish (publisher); a bare boolean means "no disclosure", as in Crossbar.io. */
export interface Authorization {
  readonly allow: boolean;
  readonly disclose?: boolean;
}

/** The authorization hook: berth can replace the static one with its own without touching the router. */
export type Authorize = (session: SessionInfo, action: Action, uri: string) => boolean | Authorization | Promise<boolean | Authorization>;

const DENY: Authorization = Object.freeze({ allow: false, disclose: false });
// Client-chosen URIs are unbounded; past this many cached decisions the cache starts over.
const CACHE_LIMIT = 10_000;

/**
 * Crossbar.io's static role authorizer (router/role.py): the permission whose URI is the longest string prefix of the
 * URI decides; if that permission is `exact` and not equal to the URI, nothing is allowed (Crossbar.io does not fall
 * back to a shorter prefix either). Unknown roles are allowed nothing.
 */
export function staticAuthorizer(realms: readonly RealmConfig[]): Authorize {
  const tables = new Map<string, Map<string, Permission>>();
  for (const realm of realms) {
    for (const role of realm.roles) {
      const byUri = new Map<string, Permission>();
      for (const p of role.permissions) byUri.set(p.uri, p);
      tables.set(key(realm.name, role.name), byUri);
    }
  }
  const cache = new Map<string, Authorization>();
  return (session, action, uri) => {
    const cacheKey = `${session.realm}\u0000${session.authrole}\u0000${action}\u0000${uri}`;
    let decision = cache.get(cacheKey);
    if (!decision) {
      decision = decide(tables.get(key(session.realm, session.authrole)), action, uri);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(cacheKey, decision);
    }
    return decision;
  };
}

function decide(table: Map<string, Permission> | undefined, action: Action, uri: string): Authorization {
  if (!table) return DENY;
  let best: Permission | undefined;
  for (const p of table.values()) {
    if (uri.startsWith(p.uri) && (!best || p.uri.length > best.uri.length)) best = p;
  }
  if (!best || (best.match === 'exact' && best.uri !== uri)) return DENY;
  const disclose = action === 'call' ? best.disclose.caller : action === 'publish' ? best.disclose.publisher : false;
  return Object.freeze({ allow: best.allow[action], disclose });
}

const key = (realm: string, role: string) => `${realm}\u0000${role}`;
