import type { Handler } from './call.js';
import type { EventHandler } from './subscriptions.js';

/**
 * berth's own WAMP session, whatever carries it: autobahn over WebSocket to an external router (`AutobahnSession`), or
 * an in-process peer on the embedded router (`LocalSession`). Both stay joined, register every wanted procedure again
 * on each join, and answer calls through the same boundary (`answerCall`).
 */
export interface WampSession {
  start(): void;
  /** Leave the router; safe to call twice. */
  stop(): Promise<void>;
  /**
   * Resolves once the router has the registration, or at once while not joined (applied at the next join). Rejects with
   * a `RegistrationError` if the router refuses it while joined; the procedure stays wanted (tried again at the next
   * join) until `unregister`. With `match: 'prefix'` the handler answers every URI that starts with `uri` and that no
   * exact registration holds; its calls carry the concrete URI called in `Call.procedure`.
   */
  register(uri: string, handler: Handler, options?: RegisterOptions): Promise<void>;
  /** Like `register`: rejects with a `RegistrationError` only if the router refuses it while joined. */
  unregister(uri: string): Promise<void>;
  /**
   * Fire and forget (`exclude_me: false`); a topic that is not a valid URI or too large is logged and dropped. `options`
   * narrow who receives the event (WAMP subscriber black- and whitelisting, which the router applies).
   */
  publish(topic: string, args: unknown[], kwargs?: Record<string, unknown>, options?: PublishOptions): Promise<void>;
  /**
   * Hear a topic (berth listens to the router's meta events, e.g. `wamp.subscription.on_create`), subscribed again on
   * every join. Resolves once subscribed, or at once while not joined; rejects if the router refuses while joined.
   */
  subscribe(topic: string, handler: EventHandler): Promise<void>;
  /**
   * Call a procedure on the router (its meta API), bounded by `timeoutMs`. Rejects with the router's error (`error`,
   * `args`), or an Error while not joined or on timeout.
   */
  call(uri: string, args?: unknown[], kwargs?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  /** `listener` runs after every join, once every wanted subscription and registration is in place. */
  onJoined(listener: () => void): void;
}

/** How a registration matches: exact (the default) or every URI with the registered string as its prefix. */
export interface RegisterOptions {
  readonly match?: 'prefix';
}

/** Subscriber black- and whitelisting by authid and authrole (WAMP advanced profile; Crossbar.io and the embedded router). */
export interface PublishOptions {
  readonly eligible_authid?: readonly string[];
  readonly eligible_authrole?: readonly string[];
  readonly exclude_authid?: readonly string[];
  readonly exclude_authrole?: readonly string[];
}

export interface SessionEvents {
  /** Fired after every join, once every wanted procedure is registered (or refused). */
  readonly onReady?: (info: { procedures: number }) => void;
  /** Told of every call berth answered (metrics; see AnswerOptions). */
  readonly onAnswered?: (procedure: string, outcome: string, seconds: number) => void;
}
