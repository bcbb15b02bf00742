import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { Logger } from '../log.js';
import type { AuthDecision, Authenticate, Challenge, Welcome } from './authenticate.js';
import type { SessionInfo } from './authorize.js';
import { badUri } from './bad-uri.js';
import { closeReason } from './close-reason.js';
import { helloInfo } from './hello-info.js';
import { MessageQueue } from './message-queue.js';
import { randomId, type Peer } from './peer.js';
import type { Realm } from './realm.js';
import type { RouterConfig } from './router-config.js';
import type { RouterStats } from './router-stats.js';
import { settle } from './settle.js';
import { TurnBatcher } from './turn-batcher.js';
import type { Transport } from './transport.js';
import { markBinary } from './binary-value.js';
import type { Serializer } from './serializer.js';
import { MSG, parseValue, type ClientMessage } from './wamp-message.js';
import { welcomeMessage } from './welcome-message.js';
import { encode, frameSize } from './wire.js';

export type { Transport } from './transport.js';

export interface SessionContext {
  readonly realms: ReadonlyMap<string, Realm>;
  readonly authenticate: Authenticate;
  readonly limits: RouterConfig['limits'];
  readonly log: Logger;
  /** The router's counters (messages, bytes, refusals), bumped here. */
  readonly stats: RouterStats;
}

type State = 'new' | 'challenged' | 'joined' | 'closing' | 'closed';

/**
 * One WebSocket connection and the WAMP session on it. Messages are handled strictly in arrival order: when a handler
 * has to wait (an asynchronous authenticator or authorizer), later messages queue behind it, so a CANCEL can never
 * overtake its CALL.
 */
export class RouterSession implements Peer {
  info: SessionInfo = { id: 0, realm: '', authid: '', authrole: '', authmethod: '' };
  calleeCanCancel = false;
  private state: State = 'new';
  private realm: Realm | undefined;
  private challenge: { decision: Challenge; realm: string; id: number } | undefined;
  private readonly inbound: MessageQueue;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private readonly closed: Promise<void>;
  private log: Logger;
  alive = true;
  private readonly batch: TurnBatcher;

  /** `socket` is the connection under `ws`: frames sent in one turn of the event loop leave it in one write. */
  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: SessionContext,
    private readonly transport: Transport,
    private readonly serializer: Serializer,
    private readonly socket?: Duplex,
  ) {
    this.log = ctx.log.child({ peer: transport.peer, listener: transport.listener });
    this.batch = new TurnBatcher(socket);
    this.inbound = new MessageQueue({
      handle: (m) => this.dispatch(m),
      crash: (err) => this.crash(err),
      open: () => this.state !== 'closed',
      maxBytes: ctx.limits.maxQueuedBytesPerSession,
    });
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('close', (code) => this.onClose(code));
    ws.on('error', (err) => this.log.warn({ err }, 'websocket error'));
    this.armHandshakeTimer();
  }

  get joined(): boolean {
    return this.state === 'joined';
  }

  /** Bytes waiting in both directions: not yet taken by the kernel, and queued behind a pending authorization. */
  get queuedBytes(): number {
    return this.ws.bufferedAmount + this.inbound.bytes;
  }

  send(message: unknown[]): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return true;
    const limits = this.ctx.limits;
    // The peer would close its session on a frame over the limit (as this router does): refuse it here instead.
    if (frameSize(message, this.serializer) > limits.maxMessageBytes) {
      this.ctx.stats.refusals.message_size++;
      return false;
    }
    this.batch.hold();
    const frame = encode(message, this.serializer);
    this.ctx.stats.messagesOut++;
    this.ctx.stats.bytesOut += frame.length;
    this.ws.send(frame, { binary: this.serializer.binary });
    // Backpressure: a peer that does not read is disconnected once its queue passes the cap, never buffered without end.
    // Held-back frames are not queued for a slow peer: hand them to the kernel first, then judge what it did not take.
    if (this.ws.bufferedAmount > limits.maxQueuedBytesPerSession) {
      this.batch.flush();
      if (this.ws.bufferedAmount > limits.maxQueuedBytesPerSession) this.tooSlow();
    }
    return true;
  }

  private tooSlow(): void {
    this.ctx.stats.refusals.queued_bytes++;
    this.log.warn({ session: this.info.id, queuedBytes: this.ws.bufferedAmount, limit: this.ctx.limits.maxQueuedBytesPerSession }, 'peer does not read its messages; disconnecting it');
    this.ws.terminate();
  }

  /** Router shutdown: GOODBYE, wait (bounded) for the client's GOODBYE, then close the socket; kill it if it lingers. */
  shutdown(timeoutMs: number): Promise<void> {
    return this.end('wamp.close.system_shutdown', 'the router is stopping', timeoutMs, 1001, 'router stopping');
  }

  /**
   * The router ends this session (as Crossbar.io's `wamp.session.kill*` does): GOODBYE with `reason`, and the session
   * leaves its realm at once (its registrations and subscriptions go before this returns); then, in the background, the
   * socket closes once the client answers, or after `timeoutMs` anyway.
   */
  kill(reason: string, message: string, timeoutMs: number): Promise<void> {
    this.log.info({ session: this.info.id, reason }, 'killing the session');
    return this.end(reason, message, timeoutMs, 1000, 'session killed');
  }

  private async end(reason: string, message: string, timeoutMs: number, code: number, text: string): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'joined') {
      this.send([MSG.GOODBYE, { message }, reason]);
      this.leaveRealm('closing');
      const answered = await Promise.race([this.closed.then(() => true), delay(timeoutMs / 2).then(() => false)]);
      if (answered) return;
    }
    this.ws.close(code, text);
    const closed = await Promise.race([this.closed.then(() => true), delay(timeoutMs / 2).then(() => false)]);
    if (!closed) this.ws.terminate();
  }

  /** Ping tick: a peer that did not answer the previous ping is gone; drop it and everything it registered. */
  ping(): void {
    if (!this.alive) {
      this.log.warn({ session: this.info.id }, 'peer did not answer ping; dropping it');
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    if (isBinary !== this.serializer.binary) {
      return this.fail(`invalid serialization of WAMP message (binary ${isBinary ? 'True' : 'False'}, but expected ${isBinary ? 'False' : 'True'})`);
    }
    const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    this.ctx.stats.messagesIn++;
    this.ctx.stats.bytesIn += frame.length;
    const decoded = this.serializer.decode(frame);
    if (!decoded.ok) return this.fail(decoded.reason);
    const parsed = parseValue(decoded.value);
    if (!parsed.ok) return this.fail(parsed.reason);
    const uriProblem = badUri(parsed.message);
    if (uriProblem) return this.fail(uriProblem);
    if (decoded.binary && 'args' in parsed.message) {
      // Binary values reach peers of another serializer converted (binary-value.ts); the marks say which payloads to walk.
      markBinary(parsed.message.args, decoded.binary);
      markBinary(parsed.message.kwargs, decoded.binary);
    }
    // Queued bytes count the frame as it came over the wire, in this session's serializer.
    if (!this.inbound.push(parsed.message, frame.length)) {
      this.ctx.stats.refusals.backlog++;
      this.fail('too many messages while an authorization is pending');
    }
  }

  private dispatch(m: ClientMessage): void | Promise<void> {
    switch (this.state) {
      case 'new':
        // Crossbar.io ignores anything but HELLO here (and a second HELLO later); so do we, to behave the same.
        return m.type === 'hello' ? this.hello(m.realm, m.details) : undefined;
      case 'challenged':
        if (m.type === 'authenticate') return this.authenticate(m.signature, m.extra);
        if (m.type === 'abort') this.abandon();
        return;
      case 'closing':
        if (m.type === 'goodbye') this.ws.close(1000);
        return;
      case 'closed':
        return;
    }
    const routed = this.realm!.route(this, m);
    if (routed !== false) return routed;
    switch (m.type) {
      case 'goodbye':
        // Crossbar.io answers with `wamp.close.normal` and keeps the transport for a new HELLO.
        this.send([MSG.GOODBYE, {}, 'wamp.close.normal']);
        this.leaveRealm('new');
        this.armHandshakeTimer();
        return;
      case 'abort':
        this.leaveRealm('new');
        this.ws.close(1000);
        return;
      default:
        return; // HELLO/AUTHENTICATE in a joined session: ignored, as Crossbar.io does
    }
  }

  private hello(realm: string, details: ClientMessageOf<'hello'>['details']): void | Promise<void> {
    const id = randomId();
    const roles = details.roles as Record<string, { features?: Record<string, unknown> } | undefined>;
    this.calleeCanCancel = roles.callee?.features?.call_canceling === true;
    const decision = this.ctx.authenticate(helloInfo(realm, details, id, this.transport));
    return settle(decision, (d) => this.decided(d, realm, id), (err) => this.authCrashed(err));
  }

  private authenticate(signature: string, extra: Record<string, unknown>): void | Promise<void> {
    const pending = this.challenge;
    this.challenge = undefined;
    this.state = 'new';
    if (!pending) return;
    const decision = pending.decision.verify(signature, extra);
    return settle(decision, (d) => this.decided(d, pending.realm, pending.id), (err) => this.authCrashed(err));
  }

  private decided(d: AuthDecision, realm: string, id: number): void {
    if (this.state === 'closed') return;
    if (d.outcome === 'deny') return this.abort(d.reason, d.message);
    if (d.outcome === 'challenge') {
      this.challenge = { decision: d, realm, id };
      this.state = 'challenged';
      this.send([MSG.CHALLENGE, d.authmethod, d.extra]);
      return;
    }
    this.welcome(d, realm, id);
  }

  private welcome(w: Welcome, realmName: string, id: number): void {
    // A custom authenticator may not know the realms; the router checks them again.
    const realm = this.ctx.realms.get(realmName);
    if (!realm) return this.abort('wamp.error.no_such_realm', `no realm "${realmName}" exists on this router`);
    if (w.authrole !== 'anonymous' && w.authrole !== 'trusted' && !realm.hasRole(w.authrole)) {
      return this.abort('wamp.error.no_such_role', `realm "${realmName}" has no role "${w.authrole}"`);
    }
    clearTimeout(this.handshakeTimer);
    this.info = { id, realm: realmName, authid: w.authid, authrole: w.authrole, authmethod: w.authmethod, authextra: w.authextra ?? {} };
    this.log = this.ctx.log.child({ peer: this.transport.peer, listener: this.transport.listener, session: id, realm: realmName, authid: w.authid });
    this.realm = realm;
    this.state = 'joined';
    realm.join(this);
    this.send(welcomeMessage(id, realmName, w));
    this.log.debug({ authrole: w.authrole, authmethod: w.authmethod }, 'session joined');
  }

  private abort(reason: string, message: string): void {
    this.log.info({ reason, message }, 'session refused');
    this.state = 'new';
    this.send([MSG.ABORT, { message }, reason]);
  }

  private authCrashed(err: unknown): void {
    this.log.error({ err }, 'authenticator failed');
    this.abort('wamp.error.authorization_failed', 'Internal server error');
  }

  private abandon(): void {
    this.challenge = undefined;
    this.state = 'new';
    this.ws.close(1000);
  }

  /** A protocol violation: close this session only (WebSocket 1002, like Crossbar.io). */
  private fail(reason: string): void {
    this.log.warn({ reason }, 'protocol violation; closing the session');
    this.leaveRealm('closed');
    this.ws.close(1002, closeReason(`WAMP Protocol Error (${reason})`));
  }

  private crash(err: unknown): void {
    this.log.error({ err }, 'internal error while handling a message; closing the session');
    this.leaveRealm('closed');
    this.ws.close(1011, 'WAMP Internal Error');
  }

  private leaveRealm(next: State): void {
    this.state = next;
    this.inbound.clear();
    const realm = this.realm;
    this.realm = undefined;
    if (realm) {
      realm.leave(this);
      this.log.debug('session left');
    }
  }

  private onClose(code: number): void {
    clearTimeout(this.handshakeTimer);
    this.leaveRealm('closed');
    this.log.debug({ code }, 'connection closed');
  }

  /** Every wait has a timeout: a connection that does not complete HELLO (and authentication) in time is closed. */
  private armHandshakeTimer(): void {
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = setTimeout(() => {
      if (this.state === 'new' || this.state === 'challenged') {
        this.log.info('no session established in time; closing the connection');
        this.ws.close(1008, 'no WAMP session established in time');
      }
    }, this.ctx.limits.handshakeTimeoutMs);
    this.handshakeTimer.unref();
  }
}

type ClientMessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

