/** The limits whose refusals the router counts (a fixed set: each is a metric label value). */
export const ROUTER_LIMITS = ['connections', 'queued_bytes', 'backlog', 'message_size'] as const;
export type RouterLimit = (typeof ROUTER_LIMITS)[number];

/**
 * What the router counts on its hot path: plain integers bumped per frame and read when metrics are scraped, so that a
 * message costs two additions, never a call into a metrics library.
 */
export class RouterStats {
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly refusals: Record<RouterLimit, number> = { connections: 0, queued_bytes: 0, backlog: 0, message_size: 0 };
}

/** The router at one moment: its counters, and the gauges computed when asked (sessions, bytes waiting). */
export interface RouterSnapshot {
  readonly stats: RouterStats;
  /** Joined sessions over the network (berth's own in-process session is not one). */
  readonly sessions: number;
  /** Bytes waiting: sent but not yet taken by the kernel, and received but queued behind a pending authorization. */
  readonly queuedBytes: number;
}
