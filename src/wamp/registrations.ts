import type { Logger } from '../log.js';
import type { Handler } from './call.js';
import { RegistrationError } from './registration-error.js';
import type { RegisterOptions } from './wamp-session.js';

/** One joined session, as the bookkeeping needs it. `gone` settles when that session has left. */
export interface Link<R> {
  /** Rejects with a `RegistrationError` when the router refuses. */
  register(uri: string, options: RegisterOptions): Promise<R>;
  unregister(uri: string, registration: R): Promise<void>;
  readonly gone: Promise<void>;
}

const GONE: unique symbol = Symbol('gone');

/**
 * What berth wants registered vs what the joined session holds, shared by both session kinds. Register and unregister
 * of one URI apply in order (a chain per URI); on every join everything wanted is registered again. A step that was in
 * flight when its session left settles as soon as it left (autobahn never settles such requests).
 */
export class Registrations<R> {
  private readonly wanted = new Map<string, { readonly handler: Handler; readonly options: RegisterOptions }>();
  private readonly held = new Map<string, R>();
  private readonly chains = new Map<string, Promise<void>>();
  private link: Link<R> | null = null;

  constructor(private readonly log: Logger) {}

  handler(uri: string): Handler | undefined {
    return this.wanted.get(uri)?.handler;
  }

  register(uri: string, handler: Handler, options: RegisterOptions = {}): Promise<void> {
    this.wanted.set(uri, { handler, options });
    return this.enqueue(uri);
  }

  unregister(uri: string): Promise<void> {
    this.wanted.delete(uri);
    return this.enqueue(uri);
  }

  /** A session joined: register everything wanted on it; resolves with how many registrations it holds then. */
  async attach(link: Link<R>): Promise<number> {
    this.link = link;
    this.held.clear();
    await Promise.all(
      [...this.wanted.keys()].map((uri) =>
        this.enqueue(uri).catch((err: unknown) => this.log.error({ err: describe(err), procedure: uri }, 'register failed')),
      ),
    );
    return this.link === link ? this.held.size : 0;
  }

  detach(link: Link<R>): void {
    if (this.link !== link) return;
    this.link = null;
    this.held.clear();
  }

  private enqueue(uri: string): Promise<void> {
    const next = (this.chains.get(uri) ?? Promise.resolve()).catch(() => undefined).then(() => this.reconcile(uri));
    this.chains.set(uri, next);
    const done = () => {
      if (this.chains.get(uri) === next) this.chains.delete(uri);
    };
    next.then(done, done);
    return next;
  }

  /** Bring the router's view of one URI in line with what is wanted; rejects only on a refusal while joined. */
  private async reconcile(uri: string): Promise<void> {
    const link = this.link;
    if (!link) return;
    const have = this.held.get(uri);
    const want = this.wanted.get(uri);
    try {
      if (want && have === undefined) {
        const reg: R | typeof GONE = await Promise.race([link.register(uri, want.options), link.gone.then((): typeof GONE => GONE)]);
        if (reg !== GONE && this.link === link) this.held.set(uri, reg as R);
      } else if (!want && have !== undefined) {
        this.held.delete(uri);
        await Promise.race([link.unregister(uri, have), link.gone]);
      }
    } catch (err) {
      if (this.link !== link) return; // the session went away meanwhile; the next join reconciles
      throw err;
    }
  }
}

function describe(err: unknown): unknown {
  return err instanceof RegistrationError ? { error: err.error, message: err.message } : err;
}
