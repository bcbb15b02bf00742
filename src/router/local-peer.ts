import type { Logger } from '../log.js';
import type { SessionInfo } from './authorize.js';
import { randomId, type Peer } from './peer.js';
import type { Realm } from './realm.js';
import type { ClientMessage } from './wamp-message.js';

/**
 * A session that lives in the router's own process (berth's own session on its embedded router). Messages are handed
 * over as values: no WebSocket, no JSON round trip, so no frame limit and no pings to miss; it leaves only when told.
 * Router → client messages are delivered on a microtask, never from inside a dealer or broker step, so that the client's
 * answer (e.g. to an INTERRUPT) never re-enters the router half-way through that step.
 */
export class LocalPeer implements Peer {
  readonly info: SessionInfo;
  /** berth's session answers INTERRUPT (it stops answering that invocation), so callers' cancels reach it. */
  readonly calleeCanCancel = true;
  /** The router's host: per-session caps do not apply (see Peer.host). */
  readonly host = true;
  /** Router → client; set by the client before it sends anything. */
  onMessage: (message: unknown[]) => void = () => undefined;
  private realm: Realm | undefined;
  private busy = false;
  private readonly backlog: ClientMessage[] = [];

  constructor(realm: Realm, identity: { authid: string; authrole: string }, private readonly log: Logger) {
    this.info = { id: randomId(), realm: realm.name, authid: identity.authid, authrole: identity.authrole, authmethod: 'local' };
    this.realm = realm;
    realm.join(this);
  }

  get joined(): boolean {
    return this.realm !== undefined;
  }

  /** Router → client. */
  send(message: unknown[]): void {
    if (!this.realm) return;
    queueMicrotask(() => {
      if (this.realm) this.onMessage(message);
    });
  }

  /** Client → router, handled in order: a step that waits (an asynchronous authorizer) holds the later ones back. */
  receive(message: ClientMessage): void {
    if (!this.realm) return;
    if (this.busy) {
      this.backlog.push(message);
      return;
    }
    this.run(message);
  }

  /** Leave the realm: everything this session registered goes, calls pending on it are answered at once. Safe twice. */
  leave(): void {
    const realm = this.realm;
    this.realm = undefined;
    this.backlog.length = 0;
    realm?.leave(this);
  }

  private run(message: ClientMessage): void {
    let result: void | Promise<void>;
    try {
      result = this.dispatch(message);
    } catch (err) {
      this.log.error({ err, type: message.type }, 'internal error while handling a message of the local session');
      return;
    }
    if (!result) return;
    this.busy = true;
    void result
      .catch((err: unknown) => this.log.error({ err, type: message.type }, 'internal error while handling a message of the local session'))
      .then(() => {
        this.busy = false;
        while (!this.busy && this.backlog.length > 0 && this.realm) this.run(this.backlog.shift()!);
      });
  }

  private dispatch(m: ClientMessage): void | Promise<void> {
    const realm = this.realm!;
    switch (m.type) {
      case 'call':
        return realm.dealer.call(this, m);
      case 'yield':
        return realm.dealer.yield(this, m);
      case 'error':
        return realm.dealer.invocationError(this, m);
      case 'register':
        return realm.dealer.register(this, m);
      case 'unregister':
        return realm.dealer.unregister(this, m);
      case 'cancel':
        return realm.dealer.cancel(this, m);
      case 'publish':
        return realm.broker.publish(this, m);
      case 'subscribe':
        return realm.broker.subscribe(this, m);
      case 'unsubscribe':
        return realm.broker.unsubscribe(this, m);
      default:
        return; // HELLO, GOODBYE and the rest belong to a transport; a local session has none
    }
  }
}
