import type autobahn from 'autobahn';
import type { Logger } from '../log.js';
import type { LocalPeer } from '../router/local-peer.js';
import { within } from './within.js';
import { isConcreteUri, isPatternUri } from '../router/uri.js';
import { MSG } from '../router/wamp-message.js';
import { answerCall, jsonBytes } from './answer-call.js';
import { RegistrationError } from './registration-error.js';
import { Registrations, type Link } from './registrations.js';
import { Subscriptions, type EventHandler, type SubscribeLink } from './subscriptions.js';
import type { PublishOptions, RegisterOptions, SessionEvents, WampSession } from './wamp-session.js';

export interface LocalSessionOptions extends SessionEvents {
  /** Joins the embedded router's realm in this process (`EmbeddedRouter.joinLocal`). */
  readonly join: () => LocalPeer;
  readonly log: Logger;
  readonly maxResultBytes: number;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly action: 'register' | 'unregister' | 'subscribe' | 'call';
  readonly procedure: string;
}

/** The router's answer to a call or subscribe of berth's session, as autobahn reports one (`error`, `args`). */
export class RouterRefusal extends Error {
  override name = 'RouterRefusal';

  constructor(
    readonly error: string,
    readonly args: unknown[],
    what: string,
  ) {
    super(`${what} refused by the router: ${error}${typeof args[0] === 'string' ? ` (${args[0]})` : ''}`);
  }
}

type InvocationDetails = { receive_progress?: boolean; procedure?: string; caller?: number; caller_authid?: string; caller_authrole?: string };

/**
 * berth's session on its own embedded router, as an in-process peer: the same registrations, invocations, progressive
 * results, errors and publications as over WebSocket, without the frame limit, the JSON round trip or pings. An
 * INTERRUPT (the caller canceled or left) ends the invocation's answers and aborts the call's `signal` (an exec is killed);
 * other handlers run on, as they do behind autobahn, which cannot interrupt handlers (a build is canceled with
 * cancelBuild, not by its caller leaving).
 */
export class LocalSession implements WampSession {
  private readonly registrations: Registrations<number>;
  private readonly subscriptions: Subscriptions;
  private readonly topics = new Map<number, string>();
  private readonly joinedListeners: (() => void)[] = [];
  private peer: LocalPeer | undefined;
  private link: Link<number> | undefined;
  private heard: SubscribeLink | undefined;
  private leave: (() => void) | undefined;
  private stopped = false;
  private request = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly procedures = new Map<number, string>();
  /** Invocations being answered; `true` once interrupted. */
  private readonly invocations = new Map<number, { interrupted: boolean; readonly gone: AbortController }>();

  constructor(private readonly options: LocalSessionOptions) {
    this.registrations = new Registrations(options.log);
    this.subscriptions = new Subscriptions(options.log);
  }

  start(): void {
    if (this.peer || this.stopped) return;
    const peer = this.options.join();
    peer.onMessage = (m) => this.receive(m);
    this.peer = peer;
    const gone = new Promise<void>((resolve) => (this.leave = resolve));
    const link: Link<number> = {
      register: (uri, options) =>
        this.ask<number>('register', uri, (request) => ({ type: 'register', request, options: options.match ? { match: options.match } : {}, procedure: uri })).then((id) => {
          this.procedures.set(id, uri);
          return id;
        }),
      unregister: (uri, id) => {
        this.procedures.delete(id);
        return this.ask<void>('unregister', uri, (request) => ({ type: 'unregister', request, registration: id }));
      },
      gone,
    };
    this.link = link;
    const heard: SubscribeLink = {
      gone,
      subscribe: (topic) =>
        this.ask<number>('subscribe', topic, (request) => ({ type: 'subscribe', request, options: {}, topic })).then((id) => {
          this.topics.set(id, topic);
          return id;
        }),
    };
    this.heard = heard;
    void Promise.all([this.registrations.attach(link), this.subscriptions.attach(heard)]).then(([procedures]) => {
      if (this.peer !== peer) return;
      this.options.onReady?.({ procedures });
      for (const listener of this.joinedListeners) listener();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const peer = this.peer;
    this.peer = undefined;
    if (this.link) this.registrations.detach(this.link);
    if (this.heard) this.subscriptions.detach(this.heard);
    this.leave?.();
    this.pending.clear();
    peer?.leave();
  }

  register(uri: string, handler: Parameters<WampSession['register']>[1], options: RegisterOptions = {}): Promise<void> {
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

  /** A call to the router's meta API (or any procedure), answered like autobahn's: the first result argument. */
  async call(uri: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<unknown> {
    if (!this.peer) throw new Error(`cannot call ${uri}: not joined`);
    const answer = this.ask<unknown[] | undefined>('call', uri, (request) => ({ type: 'call', request, options: {}, procedure: uri, args, kwargs }));
    return (await within(answer, timeoutMs, uri))?.[0];
  }

  async publish(topic: string, args: unknown[], kwargs: Record<string, unknown> = {}, options: PublishOptions = {}): Promise<void> {
    const peer = this.peer;
    if (!peer) return;
    if (!isConcreteUri(topic)) return this.options.log.warn({ topic }, 'publish skipped: not a valid topic URI');
    const bytes = jsonBytes([args, kwargs]);
    if (bytes > this.options.maxResultBytes) return this.options.log.warn({ topic, bytes, limit: this.options.maxResultBytes }, 'publish skipped: over maxResultBytes');
    peer.receive({ type: 'publish', request: this.nextRequest(), options: { ...copy(options), exclude_me: false }, topic, args, kwargs });
  }

  private ask<T>(action: Pending['action'], procedure: string, make: (request: number) => Parameters<LocalPeer['receive']>[0]): Promise<T> {
    const peer = this.peer;
    if (!peer) return new Promise<T>(() => undefined); // settles through `gone`, which the caller races
    const request = this.nextRequest();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(request, { resolve: resolve as (v: unknown) => void, reject, action, procedure });
      peer.receive(make(request));
    });
  }

  private receive(m: unknown[]): void {
    switch (m[0]) {
      case MSG.REGISTERED:
        return this.settle(m[1] as number, m[2]);
      case MSG.UNREGISTERED:
        return this.settle(m[1] as number, undefined);
      case MSG.SUBSCRIBED:
        return this.settle(m[1] as number, m[2]);
      case MSG.RESULT:
        return this.settle(m[1] as number, m[3] ?? []);
      case MSG.EVENT:
        return this.event(m[1] as number, m[4] as unknown[] | undefined, m[5] as Record<string, unknown> | undefined);
      case MSG.ERROR:
        return this.settle(m[2] as number, undefined, { error: m[4] as string, args: (m[5] as unknown[] | undefined) ?? [] });
      case MSG.INVOCATION:
        return this.invoke(m[1] as number, m[2] as number, (m[3] ?? {}) as InvocationDetails, m[4] as unknown[] | undefined, m[5] as Record<string, unknown> | undefined);
      case MSG.INTERRUPT:
        return this.interrupt(m[1] as number);
      default:
        return;
    }
  }

  private settle(request: number, value: unknown, refusal?: { error: string; args: unknown[] }): void {
    const p = this.pending.get(request);
    if (!p) return;
    this.pending.delete(request);
    if (!refusal) return p.resolve(value);
    const reason = refusal.args[0];
    if (p.action === 'register' || p.action === 'unregister') p.reject(new RegistrationError(p.action, p.procedure, refusal.error, typeof reason === 'string' ? reason : undefined));
    else p.reject(new RouterRefusal(refusal.error, refusal.args, `${p.action} ${p.procedure}`));
  }

  private event(subscription: number, args: unknown[] = [], kwargs: Record<string, unknown> = {}): void {
    const topic = this.topics.get(subscription);
    const handler = topic === undefined ? undefined : this.subscriptions.handler(topic);
    try {
      handler?.(args, kwargs);
    } catch (err) {
      this.options.log.error({ err, topic }, 'event handler failed');
    }
  }

  private invoke(id: number, registration: number, details: InvocationDetails, args: unknown[] = [], kwargs: Record<string, unknown> = {}): void {
    const peer = this.peer;
    if (!peer) return;
    const registered = this.procedures.get(registration);
    const procedure = details.procedure ?? registered ?? '?';
    const state = { interrupted: false, gone: new AbortController() };
    this.invocations.set(id, state);
    const live = () => !state.interrupted && this.peer === peer;
    const progress = details.receive_progress
      ? (a: unknown[]) => {
          if (live()) peer.receive({ type: 'yield', request: id, options: { progress: true }, args: a, kwargs: undefined });
        }
      : undefined;
    const handler = registered === undefined ? undefined : this.registrations.handler(registered);
    answerCall(handler, {
      procedure,
      args,
      kwargs,
      caller: { session: details.caller, authid: details.caller_authid, authrole: details.caller_authrole },
      progress,
      signal: state.gone.signal,
    }, this.options).then(
      (value) => {
        if (live()) peer.receive({ type: 'yield', request: id, options: {}, args: [value], kwargs: undefined });
      },
      (err: autobahn.Error) => {
        if (live()) peer.receive({ type: 'error', request: id, details: {}, error: err.error, args: err.args, kwargs: err.kwargs });
      },
    ).finally(() => this.invocations.delete(id));
  }

  /** The caller canceled or left: answer at once (a `kill` cancel waits for this), and say nothing more for it. */
  private interrupt(id: number): void {
    const state = this.invocations.get(id);
    if (!state || state.interrupted) return;
    state.interrupted = true;
    state.gone.abort();
    this.options.log.debug({ invocation: id }, 'call interrupted by its caller');
    this.peer?.receive({ type: 'error', request: id, details: {}, error: 'wamp.error.canceled', args: ['the call was canceled'], kwargs: undefined });
  }

  private nextRequest(): number {
    this.request = this.request >= 2 ** 53 ? 1 : this.request + 1;
    return this.request;
  }
}

/** Publish options as the router's message parser gives them (mutable lists). */
function copy(o: PublishOptions): Record<string, string[]> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, [...(v as readonly string[])]]));
}
