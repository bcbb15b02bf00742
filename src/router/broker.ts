import type { Logger } from '../log.js';
import type { Authorize } from './authorize.js';
import { authorized } from './authorized.js';
import { randomId, type Peer } from './peer.js';
import { Registry, type Entry } from './registry.js';
import { isReservedUri } from './uri.js';
import type { RouterLimits } from './router-config.js';
import { LIMIT_EXCEEDED } from './router-errors.js';
import { MSG, type ClientMessageOf } from './wamp-message.js';
import { Payload } from './wire.js';

export interface Subscription extends Entry {
  readonly subscribers: Set<Peer>;
}

type PublishOptions = ClientMessageOf<'publish'>['options'];

/** Delivers events to subscribers, with the publish options Crossbar.io supports. */
export class Broker {
  readonly subscriptions = new Registry<Subscription>();
  private readonly byPeer = new Map<Peer, Set<Subscription>>();

  constructor(
    private readonly authorize: Authorize,
    private readonly limits: Pick<RouterLimits, 'maxSubscriptionsPerSession'>,
    private readonly log: Logger,
  ) {}

  subscribe(peer: Peer, msg: ClientMessageOf<'subscribe'>): void | Promise<void> {
    const match = msg.options.match ?? 'exact';
    return authorized(this.authorize, peer, 'subscribe', msg.topic, msg.request, () => {
      const held = this.byPeer.get(peer)?.size ?? 0;
      const max = this.limits.maxSubscriptionsPerSession;
      if (!peer.host && held >= max && !this.subscriptions.get(msg.topic, match)?.subscribers.has(peer)) {
        this.log.warn({ session: peer.info.id, limit: 'maxSubscriptionsPerSession', max }, 'per-session limit reached');
        peer.send([MSG.ERROR, MSG.SUBSCRIBE, msg.request, {}, LIMIT_EXCEEDED, [`session already holds ${held} subscriptions: limits.maxSubscriptionsPerSession is ${max}`], { limit: 'maxSubscriptionsPerSession', max }]);
        return;
      }
      let sub = this.subscriptions.get(msg.topic, match);
      const created = !sub;
      if (!sub) {
        sub = { id: randomId(), uri: msg.topic, match, created: new Date().toISOString(), subscribers: new Set() };
        this.subscriptions.add(sub);
      }
      const already = sub.subscribers.has(peer);
      sub.subscribers.add(peer);
      let mine = this.byPeer.get(peer);
      if (!mine) this.byPeer.set(peer, (mine = new Set()));
      mine.add(sub);
      this.log.debug({ session: peer.info.id, topic: msg.topic, match, subscription: sub.id }, 'subscribed');
      peer.send([MSG.SUBSCRIBED, msg.request, sub.id]);
      // Crossbar.io's meta events, after the SUBSCRIBED (as Crossbar.io sends them), never about the meta API itself.
      if (created) this.metaEvent(sub, 'wamp.subscription.on_create', [peer.info.id, { id: sub.id, created: sub.created, uri: sub.uri, match: sub.match }]);
      if (!already) this.metaEvent(sub, 'wamp.subscription.on_subscribe', [peer.info.id, sub.id]);
    }, false, match);
  }

  unsubscribe(peer: Peer, msg: ClientMessageOf<'unsubscribe'>): void {
    const sub = this.subscriptions.getById(msg.subscription);
    if (!sub || !sub.subscribers.has(peer)) {
      peer.send([MSG.ERROR, MSG.UNSUBSCRIBE, msg.request, {}, 'wamp.error.no_such_subscription']);
      return;
    }
    this.drop(peer, sub);
    peer.send([MSG.UNSUBSCRIBED, msg.request]);
  }

  publish(peer: Peer, msg: ClientMessageOf<'publish'>): void | Promise<void> {
    const { request, topic, options } = msg;
    const ack = options.acknowledge === true;
    if (isReservedUri(topic)) {
      if (ack) peer.send([MSG.ERROR, MSG.PUBLISH, request, {}, 'wamp.error.invalid_uri', [`publish with restricted topic URI '${topic}'`]]);
      return;
    }
    return authorized(this.authorize, peer, 'publish', topic, request, (auth) => {
      const publication = randomId();
      const base: Record<string, unknown> = {};
      if (auth.disclose) Object.assign(base, { publisher: peer.info.id, publisher_authid: peer.info.authid, publisher_authrole: peer.info.authrole });
      const excludeMe = options.exclude_me !== false;
      // The payload is serialized once per publication, each EVENT once per subscription (not per subscriber).
      const payload = new Payload(msg.args, msg.kwargs);
      let dropped = 0;
      for (const sub of this.subscriptions.matching(topic)) {
        const details = sub.match === 'exact' ? base : { ...base, topic };
        let event: unknown[] | undefined;
        for (const s of sub.subscribers) {
          if ((s === peer && excludeMe) || !eligible(s, options)) continue;
          event ??= payload.message([MSG.EVENT, sub.id, publication, details]);
          // Larger than the subscriber accepts: dropped for that subscriber only (as Crossbar.io does), never its session.
          if (s.send(event) === false) dropped++;
        }
      }
      if (dropped > 0) this.log.warn({ session: peer.info.id, topic, publication, dropped }, 'event larger than some subscribers accept; not delivered to them');
      if (ack) peer.send([MSG.PUBLISHED, request, publication]);
    }, !ack);
  }

  detach(peer: Peer): void {
    for (const sub of [...(this.byPeer.get(peer) ?? [])]) this.drop(peer, sub, true);
    this.byPeer.delete(peer);
  }

  /**
   * Unsubscribed, or left: `on_unsubscribe`, then `on_delete` when it was the last subscriber. As on Crossbar.io, the
   * session of these events is null when it left (Crossbar.io has forgotten the session's ID by then).
   */
  private drop(peer: Peer, sub: Subscription, left = false): void {
    sub.subscribers.delete(peer);
    this.byPeer.get(peer)?.delete(sub);
    if (sub.subscribers.size === 0) this.subscriptions.remove(sub);
    const session = left ? null : peer.info.id;
    this.metaEvent(sub, 'wamp.subscription.on_unsubscribe', [session, sub.id]);
    if (sub.subscribers.size === 0) this.metaEvent(sub, 'wamp.subscription.on_delete', [session, sub.id]);
  }

  /**
   * A subscription meta event (args `[session, …]`), published by the router itself: to every subscriber of the meta
   * topic (their subscription was authorized), publisher undisclosed. None for subscriptions to `wamp.…` topics.
   */
  private metaEvent(about: Subscription, topic: string, args: unknown[]): void {
    if (about.uri.startsWith('wamp.')) return;
    this.routerEvent(topic, args);
  }

  /** An event published by the router itself (a meta event): to every subscriber of the topic, publisher undisclosed. */
  routerEvent(topic: string, args: unknown[]): void {
    const payload = new Payload(args, undefined);
    const publication = randomId();
    for (const sub of this.subscriptions.matching(topic)) {
      const event = payload.message([MSG.EVENT, sub.id, publication, sub.match === 'exact' ? {} : { topic }]);
      for (const s of sub.subscribers) s.send(event);
    }
  }
}

/** Subscriber black- and whitelisting by session id, authid and authrole. */
function eligible(s: Peer, o: PublishOptions): boolean {
  const { id, authid, authrole } = s.info;
  if (o.eligible && !o.eligible.includes(id)) return false;
  if (o.exclude?.includes(id)) return false;
  if (o.eligible_authid !== undefined && !list(o.eligible_authid).includes(authid)) return false;
  if (o.eligible_authrole !== undefined && !list(o.eligible_authrole).includes(authrole)) return false;
  if (o.exclude_authid !== undefined && list(o.exclude_authid).includes(authid)) return false;
  if (o.exclude_authrole !== undefined && list(o.exclude_authrole).includes(authrole)) return false;
  return true;
}

const list = (v: string | string[]) => (typeof v === 'string' ? [v] : v);
