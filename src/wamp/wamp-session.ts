import autobahn from 'autobahn';
import type { Logger } from '../log.js';
import type { Call, Handler } from './call.js';
import { toWampError } from './to-wamp-error.js';

export interface WampSessionOptions {
  readonly url: string;
  readonly realm: string;
  readonly authid?: string;
  readonly ticket?: string;
  readonly log: Logger;
  /** Fired after every join, once every wanted procedure is registered. */
  readonly onReady?: (info: { procedures: number }) => void;
}

const STOP_TIMEOUT_MS = 3_000;
const REJOIN_MAX_DELAY_MS = 10_000;

/**
 * One WAMP session that stays joined: autobahn reconnects with backoff while the router is away, and a clean close by the
 * router (which stops autobahn's own retries) is followed by a fresh open. On every join, every wanted procedure is
 * registered again; register/unregister calls made while disconnected take effect at the next join.
 */
export class WampSession {
  private readonly connection: autobahn.Connection;
  private readonly wanted = new Map<string, Handler>();
  private readonly registrations = new Map<string, autobahn.IRegistration>();
  /** Per-URI chain: register and unregister of one URI apply in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private session: autobahn.Session | null = null;
  private stopping = false;
  private closed: Promise<void>;
  private markClosed!: () => void;
  private rejoinDelay = 500;
  private rejoinTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WampSessionOptions) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    const auth = options.ticket
      ? { authmethods: ['ticket'], authid: options.authid, onchallenge: (_s: unknown, method: string) => this.answerChallenge(method) }
      : options.authid
        ? { authmethods: ['anonymous'], authid: options.authid }
        : {};
    this.connection = new autobahn.Connection({
      url: options.url,
      realm: options.realm,
      max_retries: -1,
      initial_retry_delay: 0.5,
      max_retry_delay: 10,
      retry_delay_growth: 1.5,
      autoping_interval: 10,
      autoping_timeout: 5,
      // Failures are logged by invoke() with their context; autobahn would print them to stderr again.
      on_user_error: () => undefined,
      ...auth,
    } as autobahn.IConnectionOptions);
    this.connection.onopen = (session) => this.onOpen(session);
    this.connection.onclose = (reason, details) => this.onClose(reason, details as { will_retry?: boolean; message?: string });
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

  /** Resolves once the procedure is registered with the router (or at once while disconnected). */
  register(uri: string, handler: Handler): Promise<void> {
    this.wanted.set(uri, handler);
    return this.enqueue(uri);
  }

  unregister(uri: string): Promise<void> {
    this.wanted.delete(uri);
    return this.enqueue(uri);
  }

  async publish(topic: string, args: unknown[], kwargs?: Record<string, unknown>): Promise<void> {
    const s = this.session;
    if (!s) return;
    try {
      await s.publish(topic, args, kwargs ?? {}, { exclude_me: false });
    } catch (err) {
      this.options.log.warn({ err, topic }, 'publish failed');
    }
  }

  private answerChallenge(method: string): string {
    if (method === 'ticket' && this.options.ticket) return this.options.ticket;
    throw new Error(`router asked for unsupported authentication method ${method}`);
  }

  private onOpen(session: autobahn.Session): void {
    this.session = session;
    this.registrations.clear();
    this.rejoinDelay = 500;
    const all = [...this.wanted.keys()].map((uri) => this.enqueue(uri));
    void Promise.all(all).then(() => {
      if (this.session === session) this.options.onReady?.({ procedures: this.registrations.size });
    });
  }

  private onClose(reason: string, details: { will_retry?: boolean; message?: string }): boolean {
    this.session = null;
    this.registrations.clear();
    if (this.stopping) {
      this.markClosed();
      return true;
    }
    this.options.log.warn({ reason, message: details.message, willRetry: details.will_retry }, 'left the router');
    if (details.will_retry) return false;
    // The router closed the session cleanly (e.g. shutting down): autobahn will not retry by itself.
    this.rejoinTimer = setTimeout(() => {
      if (!this.stopping) this.connection.open();
    }, this.rejoinDelay);
    this.rejoinDelay = Math.min(this.rejoinDelay * 2, REJOIN_MAX_DELAY_MS);
    return true;
  }

  private enqueue(uri: string): Promise<void> {
    const next = (this.chains.get(uri) ?? Promise.resolve()).then(() => this.reconcile(uri));
    this.chains.set(uri, next);
    void next.finally(() => {
      if (this.chains.get(uri) === next) this.chains.delete(uri);
    });
    return next;
  }

  /** Bring the router's view of one URI in line with what is wanted. Never rejects. */
  private async reconcile(uri: string): Promise<void> {
    const session = this.session;
    if (!session) return;
    const have = this.registrations.get(uri);
    const want = this.wanted.has(uri);
    try {
      if (want && !have) {
        const reg = await session.register(uri, (args, kwargs, details) => this.invoke(uri, args, kwargs, details));
        if (this.session === session) this.registrations.set(uri, reg);
      } else if (!want && have) {
        this.registrations.delete(uri);
        await session.unregister(have);
      }
    } catch (err) {
      if (this.session !== session) return; // the session went away meanwhile; the next join reconciles
      this.options.log.error({ err: describe(err), procedure: uri }, want ? 'register failed' : 'unregister failed');
    }
  }

  private async invoke(uri: string, args: unknown, kwargs: unknown, details: unknown): Promise<unknown> {
    const handler = this.wanted.get(uri);
    const d = (details ?? {}) as { progress?: (args: unknown[]) => void; caller?: number; caller_authid?: string; caller_authrole?: string };
    const call: Call = {
      procedure: uri,
      args: Array.isArray(args) ? args : [],
      kwargs: kwargs && typeof kwargs === 'object' ? (kwargs as Record<string, unknown>) : {},
      progress: d.progress ? (line) => d.progress!([line]) : undefined,
      caller: { session: d.caller, authid: d.caller_authid, authrole: d.caller_authrole },
    };
    const started = process.hrtime.bigint();
    try {
      if (!handler) throw new Error(`no handler for ${uri}`);
      const result = await handler(call);
      this.options.log.debug({ procedure: uri, ms: elapsedMs(started) }, 'call');
      return result ?? null;
    } catch (err) {
      const wampError = toWampError(err);
      const level = wampError.error === 'berth.error.internal' ? 'error' : 'warn';
      this.options.log[level]({ procedure: uri, error: wampError.error, message: wampError.args[0], err: level === 'error' ? err : undefined, ms: elapsedMs(started) }, 'call failed');
      throw wampError;
    }
  }
}

function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function describe(err: unknown): unknown {
  if (err instanceof autobahn.Error) return { error: err.error, args: err.args };
  return err;
}
