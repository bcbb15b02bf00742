import autobahn from 'autobahn';
import type { Logger } from '../log.js';
import { within } from './within.js';
import { isConcreteUri, isPatternUri } from '../router/uri.js';
import { answerCall, jsonBytes } from './answer-call.js';
import { routeAutobahnLog } from './autobahn-log.js';
import type { Handler } from './call.js';
import { RegistrationError } from './registration-error.js';
import { Registrations, type Link } from './registrations.js';
import { Subscriptions, type EventHandler, type SubscribeLink } from './subscriptions.js';
import type { PublishOptions, RegisterOptions, SessionEvents, WampSession } from './wamp-session.js';

export interface AutobahnSessionOptions extends SessionEvents {
  readonly url: string;
  readonly realm: string;
  readonly authid?: string;
  readonly ticket?: string;
  readonly log: Logger;
  readonly maxResultBytes: number;
}

const STOP_TIMEOUT_MS = 3_000;
/**
 * Rejoin delays: from 0.25 s doubling up to a cap of 1.4 s, each one drawn from 60–100 % of its step (jitter, so that
 * many berths do not knock on a restarted router together). Wherever the backoff stands, berth tries again at most
 * 1.4 s after the router is back, so it is back within 2 s.
 */
export const REJOIN = { initialMs: 250, maxMs: 1_400, growth: 2, jitter: 0.4 } as const;
/**
 * Every registration asks for its callers' identity: some routers (nexus) disclose the caller only to a callee that
 * asks, and berth's ownership rules need it. Routers that disclose by their own rules (Crossbar.io) take the option too.
 */
export const REGISTER_OPTIONS = { disclose_caller: true } as const;
/** A router that refused the join (ABORT, e.g. a wrong ticket) is asked again less often: nothing changes by itself. */
const REFUSED_MAX_MS = 10_000;

/**
 * berth's session on an external router (e.g. Crossbar.io) over WebSocket with autobahn. It stays joined: whenever the
 * connection closes (lost, refused, or closed cleanly by the router) berth itself schedules the next attempt with a
 * capped, jittered delay (autobahn's own retries are turned off: its jitter is lost at its cap).
 */
export class AutobahnSession implements WampSession {
  private readonly connection: autobahn.Connection;
  private readonly registrations: Registrations<autobahn.IRegistration>;
  private readonly subscriptions: Subscriptions;
  private readonly joinedListeners: (() => void)[] = [];
  private session: autobahn.Session | null = null;
  private link: (Link<autobahn.IRegistration> & { leave: () => void }) | null = null;
  private heard: SubscribeLink | null = null;
  private stopping = false;
  private readonly closed: Promise<void>;
  private markClosed!: () => void;
  private rejoinStep: number = REJOIN.initialMs;
  private rejoinTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AutobahnSessionOptions) {
    routeAutobahnLog(options.log);
    this.registrations = new Registrations(options.log);
    this.subscriptions = new Subscriptions(options.log);
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    const auth = options.ticket
      ? { authmethods: ['ticket'], authid: options.authid, onchallenge: (_s: unknown, method: string) => this.answerChallenge(method) }
      : options.authid
        ? { authmethods: ['anonymous'], authid: options.authid }
        : {};
    this.connection = new autobahn.Connection({
      url: options.url,
      realm: options.realm,
      max_retries: 0,
      autoping_interval: 10,
      autoping_timeout: 5,
      // Failures are logged by answerCall() with their context; autobahn would print them to stderr again.
      on_user_error: () => undefined,
      on_internal_error: (err: unknown) => options.log.error({ err }, 'autobahn internal error'),
      ...auth,
    } as autobahn.IConnectionOptions);
    this.connection.onopen = (session) => this.onOpen(session);
    this.connection.onclose = (reason, details) => this.onClose(reason, details as { reason?: string; message?: string });
  }

  /** The delay before the next attempt, and the step after it. */
  static rejoinDelay(step: number, random = Math.random(), maxMs: number = REJOIN.maxMs): { delayMs: number; nextStep: number } {
    const capped = Math.min(step, maxMs);
    return { delayMs: Math.round(capped * (1 - REJOIN.jitter * random)), nextStep: Math.min(capped * REJOIN.growth, maxMs) };
  }

  start(): void {
    this.connection.open();
  }

  /** Leave the router and close; safe to call twice. */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      clearTimeout(this.rejoinTimer);
      try {
        this.connection.close('wamp.close.normal', 'berth is stopping');
      } catch {
        this.markClosed(); // already closed
      }
    }
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, STOP_TIMEOUT_MS).unref())]);
  }

  register(uri: string, handler: Handler, options: RegisterOptions = {}): Promise<void> {
    // Crossbar.io answers an invalid URI by closing the session: never send one.
    if (!isPatternUri(uri, options.match ?? 'exact')) return Promise.reject(new RegistrationError('register', uri, 'wamp.error.invalid_uri', 'not a valid WAMP URI'));
    return this.registrations.register(uri, handler, options);
  }

  unregister(uri: string): Promise<void> {
    return this.registrations.unregister(uri);
  }

  subscribe(topic: string, handler: EventHandler): Promise<void> {
    if (!isConcreteUri(topic)) return Promise.reject(new Error(`cannot subscribe to ${topic}: not a valid WAMP URI`));
    return this.subscriptions.subscribe(topic, handler);
  }

  onJoined(listener: () => void): void {
    this.joinedListeners.push(listener);
  }

  /**
   * Call a procedure on the router (the meta API, e.g. `wamp.session.kill_by_authid`), bounded by `timeoutMs`. Rejects
   * with `{error, args}` as the router answered, or an Error while not joined or on timeout.
   */
  async call(uri: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<unknown> {
    const s = this.session;
    if (!s) throw new Error(`cannot call ${uri}: not joined`);
    return within(s.call(uri, args, kwargs, { timeout: Math.ceil(timeoutMs / 1000) } as autobahn.ICallOptions), timeoutMs, uri);
  }

  async publish(topic: string, args: unknown[], kwargs: Record<string, unknown> = {}, options: PublishOptions = {}): Promise<void> {
    const s = this.session;
    if (!s) return;
    const { log, maxResultBytes } = this.options;
    if (!isConcreteUri(topic)) return log.warn({ topic }, 'publish skipped: not a valid topic URI');
    const bytes = jsonBytes([args, kwargs]);
    if (bytes > maxResultBytes) return log.warn({ topic, bytes, limit: maxResultBytes }, 'publish skipped: over maxResultBytes');
    try {
      await s.publish(topic, args, kwargs, { ...options, exclude_me: false } as autobahn.IPublishOptions);
    } catch (err) {
      log.warn({ err, topic }, 'publish failed');
    }
  }

  private answerChallenge(method: string): string {
    if (method === 'ticket' && this.options.ticket) return this.options.ticket;
    throw new Error(`router asked for unsupported authentication method ${method}`);
  }

  private onOpen(session: autobahn.Session): void {
    this.session = session;
    this.rejoinStep = REJOIN.initialMs;
    let leave!: () => void;
    const gone = new Promise<void>((resolve) => (leave = resolve));
    const link = {
      gone,
      leave,
      register: async (uri: string, options: RegisterOptions) => {
        try {
          return await session.register(uri, (args, kwargs, details) => this.invoke(uri, args, kwargs, details), { ...REGISTER_OPTIONS, ...options });
        } catch (err) {
          throw refusal('register', uri, err);
        }
      },
      unregister: async (uri: string, reg: autobahn.IRegistration) => {
        try {
          await session.unregister(reg);
        } catch (err) {
          throw refusal('unregister', uri, err);
        }
      },
    };
    this.link = link;
    const heard = {
      gone,
      subscribe: async (topic: string) => {
        await session.subscribe(topic, (args, kwargs) => this.subscriptions.handler(topic)?.(Array.isArray(args) ? args : [], kwargs && typeof kwargs === 'object' ? (kwargs as Record<string, unknown>) : {}));
      },
    };
    this.heard = heard;
    void Promise.all([this.registrations.attach(link), this.subscriptions.attach(heard)]).then(([procedures]) => {
      if (this.session !== session) return;
      this.options.onReady?.({ procedures });
      for (const listener of this.joinedListeners) listener();
    });
  }

  private onClose(reason: string, details: { reason?: string; message?: string }): boolean {
    this.session = null;
    if (this.heard) this.subscriptions.detach(this.heard);
    this.heard = null;
    if (this.link) {
      this.registrations.detach(this.link);
      this.link.leave();
      this.link = null;
    }
    if (this.stopping) {
      this.markClosed();
      return true;
    }
    // An ABORT (refused join) carries a `wamp.error.*` reason; a router that went away or said GOODBYE does not.
    const refused = details.reason?.startsWith('wamp.error.') === true;
    const { delayMs, nextStep } = AutobahnSession.rejoinDelay(this.rejoinStep, Math.random(), refused ? REFUSED_MAX_MS : REJOIN.maxMs);
    this.rejoinStep = nextStep;
    this.options.log.warn({ reason, closeReason: details.reason ?? undefined, message: details.message || undefined, retryInMs: delayMs }, 'left the router');
    this.rejoinTimer = setTimeout(() => {
      if (this.stopping) return;
      try {
        this.connection.open();
      } catch (err) {
        this.options.log.error({ err }, 'cannot reopen the connection');
      }
    }, delayMs);
    return true; // berth schedules every retry itself
  }

  /**
   * `uri` is the registration's; autobahn hands over the URI called as `details.procedure` (the router sends it for
   * a pattern registration; for an exact one autobahn fills in the registration's).
   */
  private invoke(uri: string, args: unknown, kwargs: unknown, details: unknown): Promise<unknown> {
    const d = (details ?? {}) as { procedure?: string; progress?: (args: unknown[]) => void; caller?: number; caller_authid?: string; caller_authrole?: string };
    return answerCall(this.registrations.handler(uri), {
      procedure: typeof d.procedure === 'string' ? d.procedure : uri,
      args: Array.isArray(args) ? args : [],
      kwargs: kwargs && typeof kwargs === 'object' ? (kwargs as Record<string, unknown>) : {},
      progress: d.progress,
      caller: { session: d.caller, authid: d.caller_authid, authrole: d.caller_authrole },
    }, this.options);
  }
}

function refusal(action: 'register' | 'unregister', uri: string, err: unknown): RegistrationError {
  if (err instanceof autobahn.Error) return new RegistrationError(action, uri, err.error, typeof err.args?.[0] === 'string' ? err.args[0] : undefined);
  return new RegistrationError(action, uri, 'wamp.error.runtime_error', String(err));
}
