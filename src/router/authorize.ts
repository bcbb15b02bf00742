import type { Permission, RealmConfig } from './router-config.js';
import type { MatchPolicy } from './uri.js';

export type Action = 'call' | 'register' | 'publish' | 'subscribe';

/** The joined session an authorization is asked for. */
export interface SessionInfo {
  readonly id: number;
  readonly realm: string;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  /** What the authenticator gave the session (WELCOME's authextra), e.g. a container replica's number. */
  readonly authextra?: Readonly<Record<string, unknown>>;
}

/** `disclose` only matters for call (caller) and publish (publisher); a bare boolean means "no disclosure", as in Crossbar.io. */
export interface Authorization {
  readonly allow: boolean;
  readonly disclose?: boolean;
}

/**
 * The authorization hook: berth can replace the static one with its own without touching the router. `match` is the
 * REGISTER/SUBSCRIBE match policy (`exact` for CALL and PUBLISH): a pattern claims every URI it can match, so a hook
 * must not judge `prefix`/`wildcard` patterns by their string alone.
 */
export type Authorize = (
  session: SessionInfo,
  action: Action,
  uri: string,
  match: MatchPolicy,
) => boolean | Authorization | Promise<boolean | Authorization>;

const DENY: Authorization = Object.freeze({ allow: false, disclose: false });
// Client-chosen URIs are unbounded; past this many cached decisions the cache starts over.
const CACHE_LIMIT = 10_000;

interface Table {
  readonly perms: readonly Permission[];
  /** The same permissions with lowercased URIs (on a clash the stricter wins): case variants of a denied URI are denied. */
  readonly lowered: readonly Permission[];
}

/**
 * Crossbar.io's static role authorizer (router/role.py): the permission whose URI is the longest string prefix of the
 * URI decides; if that permission is `exact` and not equal to the URI, nothing is allowed (Crossbar.io does not fall
 * back to a shorter prefix either). Unknown roles are allowed nothing.
 *
 * Two rules on top, so that no peer can claim URIs its role may not (an anonymous peer once registered the
 * prefix `berth` and the wildcard `""`, and answered calls to `berth/create`):
 * - a `prefix` or `wildcard` REGISTER/SUBSCRIBE is allowed only if the role may take that action on every URI the
 *   pattern can match: its own longest-prefix permission and every permission inside the pattern's URI space must allow;
 * - REGISTER, SUBSCRIBE and PUBLISH are also judged with every URI lowercased, so `Berth/create` is refused where
 *   `berth/` is denied.
 */
export function staticAuthorizer(realms: readonly RealmConfig[]): Authorize {
  const tables = new Map<string, Table>();
  for (const realm of realms) {
    for (const role of realm.roles) tables.set(key(realm.name, role.name), { perms: role.permissions, lowered: lowered(role.permissions) });
  }
  const cache = new Map<string, Authorization>();
  return (session, action, uri, match = 'exact') => {
    const cacheKey = `${session.realm}\u0000${session.authrole}\u0000${action}\u0000${match}\u0000${uri}`;
    let decision = cache.get(cacheKey);
    if (!decision) {
      decision = decide(tables.get(key(session.realm, session.authrole)), action, uri, match);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(cacheKey, decision);
    }
    return decision;
  };
}

function decide(table: Table | undefined, action: Action, uri: string, match: MatchPolicy): Authorization {
  if (!table) return DENY;
  const best = deciding(table.perms, uri);
  if (!best || (best.match === 'exact' && best.uri !== uri) || !best.allow[action]) return DENY;
  if (match !== 'exact' && !coversAll(table.perms, action, uri, match)) return DENY;
  if (action !== 'call' && !allowedAnyCase(table.lowered, action, uri.toLowerCase(), match)) return DENY;
  const disclose = action === 'call' ? best.disclose.caller : action === 'publish' ? best.disclose.publisher : false;
  return Object.freeze({ allow: true, disclose });
}

/** The permission that decides `uri`: the one whose URI is its longest string prefix. */
function deciding(perms: readonly Permission[], uri: string): Permission | undefined {
  let best: Permission | undefined;
  for (const p of perms) if (uri.startsWith(p.uri) && (!best || p.uri.length > best.uri.length)) best = p;
  return best;
}

function allowedAnyCase(perms: readonly Permission[], action: Action, uri: string, match: MatchPolicy): boolean {
  const best = deciding(perms, uri);
  if (!best || (best.match === 'exact' && best.uri !== uri) || !best.allow[action]) return false;
  return match === 'exact' || coversAll(perms, action, uri, match);
}

/**
 * Whether the role may take `action` on every URI the pattern matches. The pattern's fixed lead (everything before its
 * first wildcard component) is decided by its own longest-prefix permission, checked by the caller; what remains is every
 * longer permission some matching URI starts with. Such a permission must allow the action, and must not be `exact`
 * (an exact permission denies everything longer that starts with it, and the pattern matches some of that).
 */
function coversAll(perms: readonly Permission[], action: Action, pattern: string, match: MatchPolicy): boolean {
  const lead = match === 'prefix' ? pattern : fixedLead(pattern);
  const own = deciding(perms, lead);
  if (!own || !own.allow[action] || (own.match === 'exact' && !(match === 'wildcard' && own.uri === pattern && !pattern.split('.').includes('')))) return false;
  for (const p of perms) {
    if (p.uri.length <= lead.length || !p.uri.startsWith(lead)) continue;
    const inside = match === 'prefix' || wildcardReaches(pattern, p.uri);
    if (inside && (!p.allow[action] || p.match === 'exact')) return false;
  }
  return true;
}

/** `a.b..d` → `a.b.`: the string every URI the wildcard matches starts with. */
function fixedLead(pattern: string): string {
  const parts = pattern.split('.');
  const firstAny = parts.indexOf('');
  return firstAny < 0 ? pattern : parts.slice(0, firstAny).map((c) => `${c}.`).join('');
}

/** Whether some concrete URI matching wildcard `pattern` starts with `prefix` (component by component). */
export function wildcardReaches(pattern: string, prefix: string): boolean {
  const want = pattern.split('.');
  const have = prefix.split('.');
  if (have.length > want.length) return false;
  for (let i = 0; i < have.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    const last = i === have.length - 1;
    // Whole components before the last must equal a fixed one, or be a non-empty stand-in for a wildcard one; the last
    // (partial) component only has to be the start of one.
    if (last ? !(w === '' || w.startsWith(h)) : w === '' ? h === '' : w !== h) return false;
  }
  return true;
}

function lowered(perms: readonly Permission[]): Permission[] {
  const byUri = new Map<string, Permission>();
  for (const p of perms) {
    const uri = p.uri.toLowerCase();
    const other = byUri.get(uri);
    if (!other) {
      byUri.set(uri, { ...p, uri });
      continue;
    }
    const allow = { call: p.allow.call && other.allow.call, register: p.allow.register && other.allow.register, publish: p.allow.publish && other.allow.publish, subscribe: p.allow.subscribe && other.allow.subscribe };
    byUri.set(uri, { ...other, allow, match: p.match === 'exact' || other.match === 'exact' ? 'exact' : 'prefix' });
  }
  return [...byUri.values()];
}

const key = (realm: string, role: string) => `${realm}\u0000${role}`;
