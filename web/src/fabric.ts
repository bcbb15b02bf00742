import autobahn, { type Connection, type ConnectionOptions, type Session, type Subscription } from 'autobahn-browser';

/** What /config.json says (src/dashboard/dashboard-handler.ts): the router to join (null: this page's origin, /ws). */
export interface PageConfig {
  readonly router: string | null;
  readonly realm: string;
  readonly domain: string;
}

/** A user's credentials for a router that asks for them; kept in sessionStorage (the browser session) only. */
export interface Credentials {
  readonly authid: string;
  readonly secret: string;
  readonly method: 'ticket' | 'wampcra';
}

export type FabricStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'open'; readonly authid: string | null }
  | { readonly kind: 'lost'; readonly reason: string }
  /** The router refused to let this page in as it is: it wants (other) credentials. */
  | { readonly kind: 'login'; readonly reason: string | null };

/** A WAMP error as the page shows it: the message, and the URI in small print. */
export interface FabricError {
  readonly uri: string;
  readonly message: string;
}

type Handler = (args: unknown[], kwargs: Record<string, unknown>) => void;

const STORAGE_KEY = 'berth.credentials';
/** How soon the page tries again after the router closed the session itself. */
const RETRY_MS = 1000;
/** Join refusals that mean "who are you?": the page then asks for credentials. */
const AUTH_REFUSALS = ['wamp.error.not_authorized', 'wamp.error.authentication_failed', 'wamp.error.no_auth_method', 'wamp.error.authorization_failed'];

/**
 * The page's one connection to the fabric: joins (anonymously, or with the credentials of this browser session),
 * reconnects by itself after losing the router, and keeps every subscription a view asked for across reconnects.
 */
export class Fabric {
  private connection: Connection | undefined;
  private session: Session | undefined;
  private readonly topics = new Map<string, Set<Handler>>();
  private readonly held = new Map<string, Subscription>();
  private readonly watchers = new Set<(s: FabricStatus) => void>();
  status: FabricStatus = { kind: 'connecting' };
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly config: PageConfig) {}

  get url(): string {
    if (this.config.router) return this.config.router;
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  }

  /** `D/<rest>`: a procedure or topic of the appliance. */
  uri(rest: string): string {
    return `${this.config.domain}/${rest}`;
  }

  watch(fn: (s: FabricStatus) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  start(credentials: Credentials | undefined = stored()): void {
    clearTimeout(this.retry);
    const previous = this.connection;
    this.connection = undefined;
    // The old session is over from here on: nothing may be called or subscribed on it any more.
    this.session = undefined;
    try {
      previous?.close();
    } catch {
      // already closed
    }
    const options: ConnectionOptions = {
      url: this.url,
      realm: this.config.realm,
      max_retries: -1,
      initial_retry_delay: 0.5,
      max_retry_delay: 3,
      retry_delay_growth: 1.5,
    };
    if (credentials) {
      options.authmethods = [credentials.method];
      options.authid = credentials.authid;
      options.onchallenge = (_s, method, extra) => respond(method, extra, credentials);
    }
    const connection = new autobahn.Connection(options);
    this.connection = connection;
    connection.onopen = (session, details) => {
      if (this.connection !== connection) return;
      this.session = session;
      this.held.clear();
      for (const topic of this.topics.keys()) void this.hold(topic);
      this.set({ kind: 'open', authid: credentials?.authid ?? (typeof details.authid === 'string' && details.authrole !== 'anonymous' ? details.authid : null) });
    };
    connection.onclose = (reason, details) => {
      if (this.connection !== connection) return true;
      this.session = undefined;
      this.held.clear();
      if (details.reason && AUTH_REFUSALS.includes(details.reason)) {
        this.set({ kind: 'login', reason: credentials ? (details.message || details.reason) : null });
        return true; // no retry: the same credentials would be refused again
      }
      this.set({ kind: 'lost', reason: details.message || reason });
      if (details.will_retry) return false;
      // autobahn gives up after a router's GOODBYE (a router that stops says goodbye): the page tries again itself.
      this.retry = setTimeout(() => this.connection === connection && this.start(credentials), RETRY_MS);
      return true;
    };
    this.set({ kind: 'connecting' });
    connection.open();
  }

  login(credentials: Credentials): void {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
    this.start(credentials);
  }

  logout(): void {
    sessionStorage.removeItem(STORAGE_KEY);
    this.start(undefined);
  }

  /** Call a procedure; a WAMP error rejects with a FabricError. */
  async call<T>(procedure: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: Record<string, unknown> = {}): Promise<T> {
    const session = this.session;
    if (!session) throw { uri: 'berth.dashboard.offline', message: 'not connected to the router' } satisfies FabricError;
    try {
      return await session.call<T>(procedure, args, kwargs, options);
    } catch (err) {
      throw toFabricError(err);
    }
  }

  /**
   * Call a procedure that answers with progressive results (D/build, D/updateImage): each goes to `onProgress` as it
   * arrives. A WAMP error rejects with a FabricError.
   */
  async callProgressive<T>(procedure: string, args: unknown[], onProgress: (args: unknown[]) => void): Promise<T> {
    const session = this.session;
    if (!session) throw { uri: 'berth.dashboard.offline', message: 'not connected to the router' } satisfies FabricError;
    // autobahn's promises (when.js) report progressive results to the third argument of then().
    type Progressive = { then(ok: (v: T) => void, fail: (e: unknown) => void, progress: (p: unknown) => void): void };
    let pending: Progressive;
    try {
      pending = session.call<T>(procedure, args, {}, { receive_progress: true }) as unknown as Progressive;
    } catch (err) {
      throw toFabricError(err);
    }
    return new Promise<T>((resolve, reject) =>
      pending.then(resolve, (err) => reject(toFabricError(err)), (p) => onProgress(Array.isArray(p) ? p : [p])),
    );
  }

  /** Receive a topic's events for as long as the returned function is not called, across reconnects. */
  subscribe(topic: string, handler: Handler): () => void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(handler);
    if (set.size === 1) void this.hold(topic);
    return () => {
      set.delete(handler);
      if (set.size > 0) return;
      this.topics.delete(topic);
      const sub = this.held.get(topic);
      this.held.delete(topic);
      if (sub && this.session) void settle(() => this.session!.unsubscribe(sub));
    };
  }

  private async hold(topic: string): Promise<void> {
    const session = this.session;
    if (!session) return;
    const sub = await settle(() => session.subscribe(topic, (args, kwargs) => this.topics.get(topic)?.forEach((h) => h(args ?? [], kwargs ?? {}))));
    if (sub && this.session === session && this.topics.has(topic)) this.held.set(topic, sub);
    else if (sub) void settle(() => session.unsubscribe(sub));
  }

  private set(status: FabricStatus): void {
    this.status = status;
    this.watchers.forEach((w) => w(status));
  }
}

function stored(): Credentials | undefined {
  try {
    const c = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Credentials | null;
    return c && typeof c.authid === 'string' && typeof c.secret === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}

function respond(method: string, extra: Record<string, unknown>, c: Credentials): string {
  if (method === 'ticket') return c.secret;
  if (method === 'wampcra') {
    const key =
      typeof extra.salt === 'string'
        ? autobahn.auth_cra.derive_key(c.secret, extra.salt, Number(extra.iterations) || undefined, Number(extra.keylen) || undefined)
        : c.secret;
    return autobahn.auth_cra.sign(key, String(extra.challenge));
  }
  throw new Error(`unsupported authentication method ${method}`);
}

/** autobahn's error (`{error, args, kwargs}`) → the message and URI the page shows. */
export function toFabricError(err: unknown): FabricError {
  const e = err as { error?: unknown; args?: unknown[]; message?: unknown };
  const uri = typeof e.error === 'string' ? e.error : 'berth.dashboard.error';
  const message = typeof e.args?.[0] === 'string' ? e.args[0] : typeof e.message === 'string' ? e.message : uri;
  return { uri, message };
}

/**
 * Run an autobahn operation that may throw at once ("session not open" when the session just closed) or reject;
 * either way the answer is undefined. A subscription lost so is made again at the next join.
 */
async function settle<T>(op: () => Promise<T>): Promise<T | undefined> {
  try {
    return await op();
  } catch {
    return undefined;
  }
}
