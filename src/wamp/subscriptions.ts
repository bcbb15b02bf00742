import type { Logger } from '../log.js';

/** An event as berth's handlers get it: positional and keyword arguments. */
export type EventHandler = (args: unknown[], kwargs: Record<string, unknown>) => void;

/** One joined session, as the bookkeeping needs it. `gone` settles when that session has left. */
export interface SubscribeLink {
  /** Rejects when the router refuses. */
  subscribe(topic: string): Promise<unknown>;
  readonly gone: Promise<void>;
}

/**
 * What berth wants to hear vs what the joined session is subscribed to, shared by both session kinds (like
 * `Registrations`): on every join everything wanted is subscribed again. berth never unsubscribes (it listens to the
 * router's meta events for as long as it runs).
 */
export class Subscriptions {
  private readonly wanted = new Map<string, EventHandler>();
  private readonly held = new Set<string>();
  private link: SubscribeLink | null = null;

  constructor(private readonly log: Logger) {}

  handler(topic: string): EventHandler | undefined {
    return this.wanted.get(topic);
  }

  /** Resolves once subscribed, or at once while not joined (applied at the next join); rejects on a refusal while joined. */
  subscribe(topic: string, handler: EventHandler): Promise<void> {
    this.wanted.set(topic, handler);
    return this.apply(topic);
  }

  /** A session joined: subscribe everything wanted on it (a refusal is logged). */
  async attach(link: SubscribeLink): Promise<void> {
    this.link = link;
    this.held.clear();
    await Promise.all([...this.wanted.keys()].map((topic) => this.apply(topic).catch((err: unknown) => this.log.error({ err, topic }, 'subscribe failed'))));
  }

  detach(link: SubscribeLink): void {
    if (this.link !== link) return;
    this.link = null;
    this.held.clear();
  }

  private async apply(topic: string): Promise<void> {
    const link = this.link;
    if (!link || this.held.has(topic)) return;
    this.held.add(topic);
    try {
      await Promise.race([link.subscribe(topic), link.gone]);
    } catch (err) {
      if (this.link === link) this.held.delete(topic);
      if (this.link === link) throw err;
    }
  }
}
