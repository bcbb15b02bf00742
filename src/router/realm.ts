import type { Logger } from '../log.js';
import type { Authorize } from './authorize.js';
import { Broker } from './broker.js';
import { Dealer, type MetaProcedure } from './dealer.js';
import { metaProcedures } from './meta-api.js';
import type { Peer } from './peer.js';
import type { RealmConfig, RouterLimits } from './router-config.js';
import type { ClientMessage } from './wamp-message.js';

/** One realm: its joined sessions, its dealer and broker, and the meta API over them. */
export class Realm {
  readonly sessions = new Map<number, Peer>();
  readonly dealer: Dealer;
  readonly broker: Broker;
  private readonly roles: ReadonlySet<string>;

  constructor(readonly config: RealmConfig, authorize: Authorize, limits: RouterLimits, log: Logger) {
    const meta = new Map<string, MetaProcedure>();
    this.dealer = new Dealer(authorize, meta, limits, log);
    this.broker = new Broker(authorize, limits, log);
    for (const [uri, fn] of metaProcedures(this)) meta.set(uri, fn);
    this.roles = new Set(config.roles.map((r) => r.name));
  }

  get name(): string {
    return this.config.name;
  }

  hasRole(role: string): boolean {
    return this.roles.has(role);
  }

  /**
   * A joined session's dealer or broker message, handed to the one that handles it (the same for WebSocket and
   * in-process peers). `false` for a message that is not the realm's business (session-level ones).
   */
  route(peer: Peer, m: ClientMessage): void | Promise<void> | false {
    switch (m.type) {
      case 'call':
        return this.dealer.call(peer, m);
      case 'yield':
        return this.dealer.yield(peer, m);
      case 'error':
        return this.dealer.invocationError(peer, m);
      case 'register':
        return this.dealer.register(peer, m);
      case 'unregister':
        return this.dealer.unregister(peer, m);
      case 'cancel':
        return this.dealer.cancel(peer, m);
      case 'publish':
        return this.broker.publish(peer, m);
      case 'subscribe':
        return this.broker.subscribe(peer, m);
      case 'unsubscribe':
        return this.broker.unsubscribe(peer, m);
      default:
        return false;
    }
  }

  join(peer: Peer): void {
    this.sessions.set(peer.info.id, peer);
  }

  /** Everything the session held goes with it; calls pending on it are answered at once. */
  leave(peer: Peer): void {
    if (this.sessions.get(peer.info.id) !== peer) return;
    this.sessions.delete(peer.info.id);
    this.dealer.detach(peer);
    this.broker.detach(peer);
    // As Crossbar.io: args [session] (berth kills the execs of a caller that left).
    this.broker.routerEvent('wamp.session.on_leave', [peer.info.id]);
  }
}
