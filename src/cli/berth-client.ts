import { createRequire } from 'node:module';
import autobahn from 'autobahn';
import { REGISTER_OPTIONS } from '../wamp/autobahn-session.js';
import { CliError } from './cli-error.js';
import type { Connection } from './connection.js';
import { EXIT } from './exit-codes.js';

/** How long joining may take: a host that accepts TCP and never answers the WAMP handshake is "unreachable" too. */
const JOIN_TIMEOUT_MS = 15_000;
/** How long a GOODBYE may take before the command exits anyway. */
const CLOSE_TIMEOUT_MS = 2_000;

type Progress = (value: unknown) => void;
/** autobahn's call promise is when.js's, whose `then` takes a third callback for progressive results. */
type ProgressPromise = { then(ok: (v: unknown) => void, fail: (e: unknown) => void, progress: Progress): unknown };

/**
 * The berth command's session: a plain autobahn-js caller on the router, like any other client of berth. Every failure
 * becomes a CliError: what the fabric answered (exit 1, with its URI), or an unreachable/lost router (exit 3).
 */
export class BerthClient {
  private lost: Promise<never>;
  private markLost!: (err: CliError) => void;

  private constructor(
    readonly connection: Connection,
    private readonly ab: autobahn.Connection,
    private readonly session: autobahn.Session,
  ) {
    this.lost = new Promise<never>((_, reject) => (this.markLost = reject));
    this.lost.catch(() => undefined);
  }

  static connect(connection: Connection): Promise<BerthClient> {
    silenceAutobahn();
    const { url, realm, authid, ticket } = connection;
    const auth = ticket
      ? { authmethods: ['ticket'], authid, onchallenge: (_s: unknown, method: string) => (method === 'ticket' ? ticket : '') }
      : authid
        ? { authmethods: ['anonymous'], authid }
        : {};
    const ab = new autobahn.Connection({
      url,
      realm,
      max_retries: 0,
      retry_if_unreachable: false,
      // A router that goes away during a long build is noticed within 15 s, not at the next TCP timeout.
      autoping_interval: 10,
      autoping_timeout: 5,
      on_user_error: () => undefined,
      on_internal_error: () => undefined,
      ...auth,
    } as autobahn.IConnectionOptions);
    return new Promise((resolve, reject) => {
      let client: BerthClient | undefined;
      const timer = setTimeout(() => {
        reject(unreachable(url, `no WAMP answer within ${JOIN_TIMEOUT_MS / 1000} s`));
        try {
          ab.close();
        } catch {
          // not open yet
        }
      }, JOIN_TIMEOUT_MS);
      ab.onopen = (session) => {
        clearTimeout(timer);
        client = new BerthClient(connection, ab, session);
        resolve(client);
      };
      ab.onclose = (reason, details: { reason?: string | null; message?: string | null }) => {
        clearTimeout(timer);
        const err = closeError(connection, reason, details, client !== undefined);
        if (client) client.markLost(err);
        else reject(err);
        return true;
      };
      ab.open();
    });
  }

  get domain(): string {
    return this.connection.domain;
  }

  /** Call `uri`; `onProgress` receives each progressive result (then the call asks for them). */
  async call<T = unknown>(uri: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, onProgress?: Progress): Promise<T> {
    const options: autobahn.ICallOptions = onProgress ? { receive_progress: true } : {};
    const answer = new Promise<unknown>((resolve, reject) => {
      (this.session.call(uri, args, kwargs, options) as unknown as ProgressPromise).then(resolve, reject, (v) => onProgress?.(v));
    });
    try {
      return (await Promise.race([answer, this.lost])) as T;
    } catch (err) {
      throw toCliError(err, uri, this.connection);
    }
  }

  /**
   * Subscribe to `topic`; resolves once the router has the subscription. `untilLost()` then waits for the router to go
   * away (the command runs until Ctrl-C otherwise).
   */
  async subscribe(topic: string, onEvent: (args: unknown[], kwargs: Record<string, unknown>) => void): Promise<void> {
    try {
      await Promise.race([this.session.subscribe(topic, (args, kwargs) => onEvent(args ?? [], (kwargs ?? {}) as Record<string, unknown>)), this.lost]);
    } catch (err) {
      throw toCliError(err, topic, this.connection);
    }
  }

  /**
   * Register `uri` (for `berth doctor`'s probe of caller disclosure): the handler gets the call's details, as the router
   * gave them. Resolves to a function that unregisters it.
   */
  async register(uri: string, handler: (details: Record<string, unknown>) => unknown): Promise<() => Promise<void>> {
    try {
      // With the options berth's own registrations carry: routers that disclose only on request (nexus) then disclose.
      const registration = await Promise.race([this.session.register(uri, (_a, _k, details) => handler((details ?? {}) as Record<string, unknown>), REGISTER_OPTIONS), this.lost]);
      return async () => {
        await this.session.unregister(registration).catch(() => undefined);
      };
    } catch (err) {
      throw toCliError(err, uri, this.connection);
    }
  }

  /** Rejects (exit 3, with the URL) when the router goes away. */
  untilLost(): Promise<never> {
    return this.lost;
  }

  /** Leave the router (GOODBYE), bounded. */
  async close(): Promise<void> {
    if (!this.session.isOpen) return;
    await new Promise<void>((resolve) => {
      this.ab.onclose = () => {
        resolve();
        return true;
      };
      setTimeout(resolve, CLOSE_TIMEOUT_MS).unref();
      try {
        this.ab.close();
      } catch {
        resolve();
      }
    });
  }
}

function unreachable(url: string, why: string): CliError {
  return new CliError(`cannot reach the router at ${url}: ${why}`, undefined, EXIT.unreachable);
}

function closeError(c: Connection, reason: string, details: { reason?: string | null; message?: string | null }, wasOpen: boolean): CliError {
  if (wasOpen) return new CliError(`lost the connection to the router at ${c.url}${details.message ? `: ${details.message}` : ''}`, details.reason ?? undefined, EXIT.unreachable);
  if (details.reason) {
    // The router answered the HELLO with ABORT: a realm it does not have, or credentials it refuses.
    return new CliError(details.message || `the router at ${c.url} refused to join realm "${c.realm}"`, details.reason);
  }
  return unreachable(c.url, reason === 'unreachable' ? 'connection refused or no WebSocket there' : reason);
}

/** The one line for what the fabric answered; a per-container procedure nobody serves means there is no such container. */
export function toCliError(err: unknown, uri: string, c: Connection): CliError {
  if (err instanceof CliError) return err;
  if (!(err instanceof autobahn.Error)) return new CliError(String((err as Error)?.message ?? err));
  const message = typeof err.args?.[0] === 'string' ? err.args[0] : err.args?.length ? JSON.stringify(err.args[0]) : err.error;
  if (err.error === 'wamp.error.no_such_procedure') {
    const rest = uri.startsWith(`${c.domain}/`) ? uri.slice(c.domain.length + 1) : undefined;
    const parts = rest?.split('/');
    if (parts?.length === 2) return new CliError(`no container "${parts[0]}" in domain ${c.domain}`, err.error);
    if (parts?.length === 1) return new CliError(`no berth serves domain ${c.domain} on ${c.url} (is "berth serve --domain ${c.domain}" running?)`, err.error);
  }
  return new CliError(message, err.error);
}

/** autobahn-js prints notices ("connection closed", "auto-reconnect disabled!") to the console; a command's output is its own. */
function silenceAutobahn(): void {
  const lib = createRequire(import.meta.url)('autobahn/lib/log.js') as { warn: unknown; debug: unknown };
  lib.warn = () => undefined;
  lib.debug = () => undefined;
}
