import { randomBytes } from 'node:crypto';
import type { AuthConfig } from './router-config.js';
import { deriveKey, makeChallenge, sameSecret, signChallenge } from './wampcra.js';

/** What a client asked for in HELLO, as the authenticator sees it. */
export interface HelloInfo {
  readonly realm: string;
  readonly authid: string | undefined;
  readonly authmethods: readonly string[];
  readonly authextra: Readonly<Record<string, unknown>>;
  /** The id the session will have once welcomed (WAMP-CRA puts it in the challenge). */
  readonly sessionId: number;
  /** The client's address and port (`address:port`). */
  readonly peer: string;
  /** The name of the listener the client connected to (router config `listen[].name`), if it has one. */
  readonly listener: string | undefined;
  /**
   * The local address the client connected to (IPv4-mapped IPv6 addresses given as plain IPv4): on a wildcard listener
   * this tells which interface the client came in on.
   */
  readonly localAddress: string;
}

export interface Welcome {
  readonly outcome: 'welcome';
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: string;
  readonly authprovider: string;
  readonly authextra?: Record<string, unknown>;
}

export interface Deny {
  readonly outcome: 'deny';
  /** ABORT reason URI, e.g. `wamp.error.not_authorized`. */
  readonly reason: string;
  readonly message: string;
}

export interface Challenge {
  readonly outcome: 'challenge';
  readonly authmethod: string;
  readonly extra: Record<string, unknown>;
  /** Checks the client's AUTHENTICATE. */
  readonly verify: (signature: string, extra: Readonly<Record<string, unknown>>) => Welcome | Deny | Promise<Welcome | Deny>;
}

export type AuthDecision = Welcome | Deny | Challenge;

/** The authentication hook: berth can replace the static one with its own without touching the router. */
export type Authenticate = (hello: HelloInfo) => AuthDecision | Promise<AuthDecision>;

export interface RealmDirectory {
  hasRealm(realm: string): boolean;
  hasRole(realm: string, role: string): boolean;
}

// Methods Crossbar.io knows: one of these that is not configured is skipped; anything else is refused outright.
export const KNOWN_METHODS: ReadonlySet<string> = new Set(['anonymous', 'anonymous-proxy', 'ticket', 'wampcra', 'tls', 'cryptosign', 'cryptosign-proxy', 'scram', 'cookie']);

export const deny = (message: string, reason = 'wamp.error.not_authorized'): Deny => ({ outcome: 'deny', reason, message });

/**
 * The static authenticator, following Crossbar.io's order of checks (router/session.py `onHello`, auth/*.py) so that
 * the same HELLO gets the same ABORT reason from both routers.
 */
export function staticAuthenticator(auth: AuthConfig, realms: RealmDirectory): Authenticate {
  return (hello) => {
    for (const method of hello.authmethods) {
      if (!KNOWN_METHODS.has(method)) return deny(`invalid authmethod "${method}"`);
      if (method === 'anonymous' && auth.anonymous) {
        return principal(hello, realms, auth.anonymous.role) ?? welcome(serialNumber(), auth.anonymous.role, 'anonymous');
      }
      if (method === 'ticket' && auth.ticket) return ticket(hello, realms, auth.ticket.principals);
      if (method === 'wampcra' && auth.wampcra) return wampcra(hello, realms, auth.wampcra.users);
    }
    return deny(`cannot authenticate using any of the offered authmethods ${JSON.stringify(hello.authmethods)}`, 'wamp.error.no_auth_method');
  };
}

function ticket(hello: HelloInfo, realms: RealmDirectory, principals: NonNullable<AuthConfig['ticket']>['principals']): AuthDecision {
  const authid = hello.authid;
  const entry = authid === undefined ? undefined : principals[authid];
  if (authid === undefined || !entry) return deny(`no principal with authid "${authid ?? 'None'}" exists`);
  const refused = principal(hello, realms, entry.role);
  if (refused) return refused;
  return {
    outcome: 'challenge',
    authmethod: 'ticket',
    extra: {},
    verify: (signature) =>
      sameSecret(entry.ticket, signature) ? welcome(authid, entry.role, 'ticket') : deny('ticket in static WAMP-Ticket authentication is invalid'),
  };
}

function wampcra(hello: HelloInfo, realms: RealmDirectory, users: NonNullable<AuthConfig['wampcra']>['users']): AuthDecision {
  const authid = hello.authid;
  const user = authid === undefined ? undefined : users[authid];
  if (authid === undefined || !user) return deny(`no principal with authid "${authid ?? 'None'}" exists`);
  const refused = principal(hello, realms, user.role);
  if (refused) return refused;
  const challenge = makeChallenge({ authid, authrole: user.role, session: hello.sessionId });
  const extra: Record<string, unknown> = { challenge };
  let key = user.secret;
  if (user.salt !== undefined) {
    // autobahn's client defaults; sent explicitly so every client derives the same key.
    const iterations = user.iterations ?? 1000;
    const keylen = user.keylen ?? 32;
    Object.assign(extra, { salt: user.salt, iterations, keylen });
    key = deriveKey(user.secret, user.salt, iterations, keylen);
  }
  const expected = signChallenge(key, challenge);
  return {
    outcome: 'challenge',
    authmethod: 'wampcra',
    extra,
    verify: (signature) => (sameSecret(expected, signature) ? welcome(authid, user.role, 'wampcra') : deny('WAMP-CRA client signature is invalid')),
  };
}

/** Crossbar.io's `_assign_principal` checks: the realm must exist, and the role on it (except the built-in anonymous). */
function principal(hello: HelloInfo, realms: RealmDirectory, role: string): Deny | undefined {
  if (!realms.hasRealm(hello.realm)) return deny(`no realm "${hello.realm}" exists on this router`, 'wamp.error.no_such_realm');
  if (role !== 'anonymous' && role !== 'trusted' && !realms.hasRole(hello.realm, role)) {
    return deny(`realm "${hello.realm}" has no role "${role}"`, 'wamp.error.no_such_role');
  }
  return undefined;
}

function welcome(authid: string, authrole: string, authmethod: string): Welcome {
  return { outcome: 'welcome', authid, authrole, authmethod, authprovider: 'static' };
}

/** Anonymous sessions get a random authid like Crossbar.io's `generate_serial_number()` (six groups: XXXX-XXXX-…). */
function serialNumber(): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const bytes = randomBytes(24);
  let s = '';
  for (let i = 0; i < 24; i++) s += (i && i % 4 === 0 ? '-' : '') + alphabet[bytes[i]! % alphabet.length];
  return s;
}
