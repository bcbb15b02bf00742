import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { Authenticate } from './authenticate.js';
import type { Authorize } from './authorize.js';
import type { OriginPolicy } from './origin-policy.js';

const flags = <K extends string>(keys: readonly K[]) =>
  z.strictObject(Object.fromEntries(keys.map((k) => [k, z.boolean().default(false)])) as Record<K, z.ZodDefault<z.ZodBoolean>>);

/** One Crossbar.io-style permission: which actions a role may take on a URI (exact) or URI prefix. */
export const permissionSchema = z.strictObject({
  uri: z.string(),
  match: z.enum(['exact', 'prefix']).default('exact'),
  allow: flags(['call', 'register', 'publish', 'subscribe'] as const).prefault({}),
  disclose: flags(['caller', 'publisher'] as const).prefault({}),
  /** Accepted so Crossbar.io permission blocks can be pasted unchanged; static decisions are always cached. */
  cache: z.boolean().optional(),
});

const roleSchema = z.strictObject({ name: z.string().min(1), permissions: z.array(permissionSchema).default([]) });

// Crossbar.io's realm name rule (autobahn _URI_PAT_REALM_NAME): dots are fine, so `xs.demo.berth` is a realm.
const realmSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z\d_\-@.]{2,254}$/, 'realm name must match Crossbar.io\'s realm name rule'),
  roles: z.array(roleSchema).default([]),
});

const wampcraUserSchema = z.strictObject({
  secret: z.string().min(1),
  role: z.string().min(1),
  salt: z.string().optional(),
  iterations: z.number().int().positive().optional(),
  keylen: z.number().int().positive().optional(),
});

const authSchema = z.strictObject({
  anonymous: z.strictObject({ role: z.string().min(1).default('anonymous') }).optional(),
  ticket: z.strictObject({ principals: z.record(z.string(), z.strictObject({ ticket: z.string().min(1), role: z.string().min(1) })) }).optional(),
  wampcra: z.strictObject({ users: z.record(z.string(), wampcraUserSchema) }).optional(),
});

/** One listening address; `name` tells the authenticator which listener a client came in on (HelloInfo.listener). */
const listenerSchema = z.strictObject({ host: z.string().min(1), port: z.number().int().min(0).max(65535), name: z.string().min(1).optional() });

/**
 * What one peer (or one address) may hold, so that no peer can exhaust the router or starve the others.
 * Exported with its defaults so that berth can offer every key as its own config key.
 */
export const routerLimitsSchema = z.strictObject({
  /** Larger inbound frames close that session with WebSocket code 1009 (as Crossbar.io's max_message_size does); larger
   * outbound messages are not sent: a RESULT/ERROR becomes `wamp.error.payload_size_exceeded` to the caller, an EVENT is
   * dropped for that subscriber. */
  maxMessageBytes: z.number().int().positive().default(1024 * 1024),
  /** Applied to calls that carry no `timeout` option (which is in seconds, as Crossbar.io reads it); 0 = none. */
  callTimeoutMs: z.number().int().min(0).default(0),
  /** WebSocket ping period; a peer that has not answered the previous ping by the next one is dropped. 0 = off. */
  pingIntervalMs: z.number().int().min(0).default(10_000),
  /** How long a session may take from connect to WELCOME and from GOODBYE to close. */
  handshakeTimeoutMs: z.number().int().positive().default(10_000),
  /** Registrations one session may hold; more → `wamp.error.limit_exceeded`. */
  maxRegistrationsPerSession: z.number().int().positive().default(10_000),
  /** Subscriptions one session may hold; more → `wamp.error.limit_exceeded`. */
  maxSubscriptionsPerSession: z.number().int().positive().default(10_000),
  /** Calls one caller may have waiting for an answer; more → `wamp.error.limit_exceeded`. */
  maxPendingCallsPerSession: z.number().int().positive().default(1_000),
  /** Bytes queued for a peer that does not read (WebSocket `bufferedAmount`); past this the peer is disconnected. */
  maxQueuedBytesPerSession: z.number().int().positive().default(16 * 1024 * 1024),
  /** Open connections (WebSocket or still upgrading) in total; past this an upgrade gets HTTP 503. */
  maxConnections: z.number().int().positive().default(4_096),
  /** Open connections from one remote address; all local clients share 127.0.0.1 (and containers the bridge gateway). */
  maxConnectionsPerAddress: z.number().int().positive().default(512),
});

export type RouterLimits = z.infer<typeof routerLimitsSchema>;
/** Every limit's default, e.g. for a config reference or `--help`. */
export const ROUTER_LIMIT_DEFAULTS: Readonly<RouterLimits> = Object.freeze(routerLimitsSchema.parse({}));

export const routerConfigSchema = z.strictObject({
  listen: z.array(listenerSchema).min(1).default([{ host: '127.0.0.1', port: 8080 }]),
  path: z.string().startsWith('/').default('/ws'),
  realms: z.array(realmSchema).min(1),
  // No auth block at all means "anonymous as role anonymous", as Crossbar.io does for a transport without `auth`.
  auth: authSchema.default({ anonymous: { role: 'anonymous' } }),
  limits: routerLimitsSchema.prefault({}),
});

export type RouterConfig = z.infer<typeof routerConfigSchema>;
export type RealmConfig = RouterConfig['realms'][number];
export type RoleConfig = RealmConfig['roles'][number];
export type Permission = RoleConfig['permissions'][number];
export type AuthConfig = RouterConfig['auth'];

/** Options of `EmbeddedRouter.start`: the declarative config plus code that cannot be JSON. */
export type RouterOptions = z.input<typeof routerConfigSchema> & {
  /** Decides who may join and as which role; defaults to the static `auth` block. */
  readonly authenticate?: Authenticate;
  /** Decides each register/call/subscribe/publish; defaults to the realm's static roles. */
  readonly authorize?: Authorize;
  readonly logger?: Logger;
  /**
   * Plain HTTP requests (not WebSocket upgrades) on a listener, by the listener's name; without a handler for it a
   * listener answers 426 (WAMP over WebSocket only). berth serves its dashboard this way.
   */
  readonly http?: Readonly<Record<string, HttpHandler>>;
  /**
   * Whether an upgrade carrying this `Origin` (a browser's page) may go on; without it every upgrade that carries an
   * Origin is refused with 403. Upgrades without one (clients that are not browsers) always go on.
   */
  readonly allowOrigin?: OriginPolicy;
};

/** Answers one plain HTTP request on a router listener. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Validate once; the result is frozen so nothing changes the router's rules behind its back. */
export function parseRouterConfig(options: RouterOptions): RouterConfig {
  const { authenticate: _a, authorize: _z, logger: _l, http: _h, allowOrigin: _o, ...plain } = options;
  const config = routerConfigSchema.parse(plain);
  const names = new Set<string>();
  for (const realm of config.realms) {
    if (names.has(realm.name)) throw new Error(`router config: realm "${realm.name}" is defined twice`);
    names.add(realm.name);
  }
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
