import autobahn from 'autobahn';

export interface WampFailure {
  error: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** An autobahn-js caller for tests. */
export class WampClient implements AsyncDisposable {
  private constructor(
    private readonly connection: autobahn.Connection,
    readonly session: autobahn.Session,
  ) {}

  static connect(url: string, options: { realm?: string; authid?: string; ticket?: string } = {}): Promise<WampClient> {
    return new Promise((resolve, reject) => {
      const connection = new autobahn.Connection({
        url,
        realm: options.realm ?? 'realm1',
        max_retries: 0,
        retry_if_unreachable: false,
        ...(options.ticket ? { authmethods: ['ticket'], authid: options.authid, onchallenge: () => options.ticket! } : {}),
      } as autobahn.IConnectionOptions);
      const timer = setTimeout(() => reject(new Error(`could not join ${url} within 15 s`)), 15_000);
      connection.onopen = (session) => {
        clearTimeout(timer);
        resolve(new WampClient(connection, session));
      };
      connection.onclose = (reason, details) => {
        clearTimeout(timer);
        reject(new Error(`connection closed: ${reason} ${JSON.stringify(details)}`));
        return true;
      };
      connection.open();
    });
  }

  async call<T = unknown>(procedure: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, options: autobahn.ICallOptions = {}): Promise<T> {
    return (await this.session.call(procedure, args, kwargs, { timeout: 120_000, ...options } as autobahn.ICallOptions)) as T;
  }

  /** The WAMP error a call fails with; throws if the call succeeds. */
  async callError(procedure: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<WampFailure> {
    try {
      const result = await this.call(procedure, args, kwargs);
      throw new Error(`${procedure} unexpectedly succeeded: ${JSON.stringify(result)}`);
    } catch (err) {
      if (err instanceof autobahn.Error) return { error: err.error, args: err.args ?? [], kwargs: (err.kwargs ?? {}) as Record<string, unknown> };
      throw err;
    }
  }

  /**
   * Does a procedure answer, as a caller sees it: anything but `wamp.error.no_such_procedure` (the router's answer for a
   * URI nobody serves, and berth's for `D/<name>/op` of a container it does not have). Called with more arguments than
   * any of berth's procedures takes, so a berth procedure answers invalid_argument without doing anything.
   */
  async serves(procedure: string): Promise<boolean> {
    try {
      await this.call(procedure, Array.from({ length: 9 }, () => 0));
      return true;
    } catch (err) {
      if (err instanceof autobahn.Error) return err.error !== 'wamp.error.no_such_procedure';
      throw err;
    }
  }

  /** Is a procedure registered at the router right now (router meta API)? */
  async isRegistered(procedure: string): Promise<boolean> {
    const id = await this.call<number | null>('wamp.registration.lookup', [procedure]);
    // Crossbar.io answers null for none, nexus 0 (never a WAMP ID).
    return typeof id === 'number' && id !== 0;
  }

  async close(): Promise<void> {
    if (!this.session.isOpen) return;
    await new Promise<void>((resolve) => {
      const prev = this.connection.onclose;
      this.connection.onclose = (reason, details) => {
        resolve();
        return prev?.(reason, details) ?? true;
      };
      try {
        this.connection.close();
      } catch {
        resolve();
      }
      setTimeout(resolve, 3_000).unref();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
