import type { ContainerIndex } from '../engine/container-index.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../log.js';
import { buildAudience } from '../tenancy/build-audience.js';
import { mayReachLogs } from '../tenancy/fabric-policy.js';
import { itemOwner } from '../tenancy/callers.js';
import type { Tenancy } from '../tenancy/tenancy.js';
import { containerUri } from '../wamp/uris.js';
import type { WampSession } from '../wamp/wamp-session.js';
import { LogFollower } from './log-follower.js';
import { CONTAINER_NAME } from './names.js';

export interface LogsTopicOptions {
  readonly domain: string;
  readonly index: Pick<ContainerIndex, 'getByName' | 'getAll' | 'on'>;
  readonly engine: Pick<Engine, 'followLogs'>;
  readonly session: WampSession;
  readonly tenancy: Pick<Tenancy, 'callers' | 'adminRoles'>;
  /** `logs.maxLineBytes`: a longer line is cut. */
  readonly maxLineBytes: number;
  readonly log: Logger;
}

/** A subscription as the router's meta API describes it. */
interface SubscriptionInfo {
  readonly uri: string;
  readonly match: string;
}

/** Whether a subscription (exact, prefix or wildcard, as the router matches) receives events published to `topic`. */
export function subscriptionMatches(sub: SubscriptionInfo, topic: string): boolean {
  if (sub.match === 'prefix') return topic.startsWith(sub.uri);
  if (sub.match !== 'wildcard') return topic === sub.uri;
  const want = sub.uri.split('.');
  const have = topic.split('.');
  return want.length === have.length && want.every((part, i) => part === '' || part === have[i]);
}

const asId = (v: unknown) => (typeof v === 'number' ? v : undefined);
function asInfo(v: unknown): (SubscriptionInfo & { id: number }) | undefined {
  const d = (v ?? {}) as { id?: unknown; uri?: unknown; match?: unknown };
  // No match policy means exact (WAMP); nexus says so with an empty string.
  return typeof d.id === 'number' && typeof d.uri === 'string' ? { id: d.id, uri: d.uri, match: typeof d.match === 'string' && d.match !== '' ? d.match : 'exact' } : undefined;
}

/**
 * Topic `D/<name>/logs`: while it has at least one subscriber, berth follows that container's output and
 * publishes each line `{stream, line, time}` to the container's owner and the admin roles; with no subscriber it holds
 * no engine stream. Who subscribes comes from the router's meta API on both routers: `wamp.subscription.on_create` /
 * `on_delete` as they happen, and `wamp.subscription.match` + `get` for every container on each join (what changed
 * while berth was away). A pattern subscription (an admin's) counts for every container's topic it matches; one made
 * while berth was away and matching no container then is not known until it is made again.
 */
export class LogsTopic {
  /** Subscriptions that receive some container's logs topic, by subscription ID. */
  private readonly subs = new Map<number, SubscriptionInfo>();
  private readonly followers = new Map<string, LogFollower>();
  private stopped = false;

  constructor(private readonly o: LogsTopicOptions) {}

  topic(name: string): string {
    return containerUri(this.o.domain, name, 'logs');
  }

  /** Listen to the router and the index; call once, before the session starts. */
  start(): void {
    const { session, index, log } = this.o;
    const fail = (err: unknown) => log.error({ err }, 'cannot hear the router\'s subscription meta events: D/<name>/logs will not follow');
    session.subscribe('wamp.subscription.on_create', (args) => this.created(asInfo(args[1]))).catch(fail);
    session.subscribe('wamp.subscription.on_delete', (args) => this.deleted(asId(args[1]))).catch(fail);
    session.onJoined(() => void this.reconcile());
    index.on('change', ({ event, after }) => {
      // A start (or a replacement swapped in under the name, already running) follows again from the last line told.
      // A new name may be one a pattern subscription already matches.
      if (!after || (event.action !== 'start' && event.action !== 'rename')) return;
      const follower = this.followers.get(after.name);
      if (follower) follower.follow();
      else this.update();
    });
  }

  /** Close every engine stream; safe to call twice. */
  stop(): void {
    this.stopped = true;
    for (const f of this.followers.values()) f.stop();
    this.followers.clear();
  }

  /** Containers whose logs are followed now (engine stream open), for tests and the log. */
  following(): string[] {
    return [...this.followers.entries()].filter(([, f]) => f.following).map(([name]) => name);
  }

  private created(info: (SubscriptionInfo & { id: number }) | undefined): void {
    if (!info || !this.reachesLogs(info)) return;
    this.subs.set(info.id, { uri: info.uri, match: info.match });
    this.update();
  }

  private deleted(id: number | undefined): void {
    if (id === undefined || !this.subs.has(id)) return;
    // A router that lets any peer publish on wamp.* topics (nexus) lets one forge this event to stop berth following a
    // container others listen to: a subscription the router still has stays.
    void this.o.session
      .call('wamp.subscription.get', [id])
      .then(asInfo, () => undefined)
      .then((still) => {
        if (still?.id !== id && this.subs.delete(id)) this.update();
      });
  }

  /** After a join: who listens to each container's topic now (subscriptions made or gone while berth was away). */
  private async reconcile(): Promise<void> {
    const { session, index, log } = this.o;
    const before = new Set(this.subs.keys());
    const found = new Set<number>();
    try {
      for (const c of index.getAll()) {
        const ids = (await session.call('wamp.subscription.match', [this.topic(c.name)])) as unknown;
        for (const id of Array.isArray(ids) ? ids.filter((i): i is number => typeof i === 'number') : []) {
          found.add(id);
          if (this.subs.has(id)) continue;
          const info = asInfo(await session.call('wamp.subscription.get', [id]).catch(() => undefined));
          if (info) this.subs.set(id, { uri: info.uri, match: info.match });
        }
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot ask the router who follows container logs; going by its meta events');
      return this.update();
    }
    for (const id of before) if (!found.has(id)) this.subs.delete(id);
    this.update();
  }

  /** Whether this subscription may receive some container's logs topic (now or later). */
  private reachesLogs(info: SubscriptionInfo): boolean {
    if (info.match === 'exact') return this.nameOf(info.uri) !== undefined;
    return (info.match === 'prefix' || info.match === 'wildcard') && mayReachLogs(this.o.domain, info.uri.toLowerCase(), info.match);
  }

  /** Every name someone may want: the containers, and the names exact subscriptions ask for (a container yet to come). */
  private names(): Set<string> {
    const names = new Set(this.o.index.getAll().map((c) => c.name));
    for (const s of this.subs.values()) {
      const name = s.match === 'exact' ? this.nameOf(s.uri) : undefined;
      if (name) names.add(name);
    }
    return names;
  }

  /** The container name in an exact logs topic `D/<name>/logs`, if it is one. */
  private nameOf(uri: string): string | undefined {
    const head = `${this.o.domain}/`;
    if (!uri.startsWith(head) || !uri.endsWith('/logs')) return undefined;
    const name = uri.slice(head.length, -'/logs'.length);
    return CONTAINER_NAME.test(name) ? name : undefined;
  }

  private wanted(name: string): boolean {
    const topic = this.topic(name);
    for (const s of this.subs.values()) if (subscriptionMatches(s, topic)) return true;
    return false;
  }

  /** Follow every name that has a subscriber, and nothing else. */
  private update(): void {
    if (this.stopped) return;
    for (const [name, f] of this.followers) {
      if (this.wanted(name)) continue;
      f.stop();
      this.followers.delete(name);
    }
    for (const name of this.names()) {
      if (this.followers.has(name) || !this.wanted(name)) continue;
      const f = this.follower(name);
      this.followers.set(name, f);
      f.follow();
    }
  }

  private follower(name: string): LogFollower {
    const { engine, index, maxLineBytes, log, session, tenancy } = this.o;
    const topic = this.topic(name);
    return new LogFollower({
      name,
      engine,
      container: (n) => index.getByName(n),
      maxLineBytes,
      log,
      publish: (line, container) => {
        for (const options of buildAudience(tenancy, itemOwner(container.labels))) void session.publish(topic, [line], {}, options);
      },
    });
  }
}
