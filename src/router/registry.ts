import { matches, type MatchPolicy } from './uri.js';

/** Something registered or subscribed under a URI and match policy (a registration or a subscription). */
export interface Entry {
  readonly id: number;
  readonly uri: string;
  readonly match: MatchPolicy;
  readonly created: string;
}

/**
 * URI → entries, per match policy. Lookups follow Crossbar.io's precedence: exact, then the longest matching prefix,
 * then wildcards (the one with the most fixed components).
 */
export class Registry<E extends Entry> {
  private readonly byPolicy: Record<MatchPolicy, Map<string, E>> = { exact: new Map(), prefix: new Map(), wildcard: new Map() };
  private readonly byId = new Map<number, E>();

  get(uri: string, match: MatchPolicy): E | undefined {
    return this.byPolicy[match].get(uri);
  }

  getById(id: number): E | undefined {
    return this.byId.get(id);
  }

  add(entry: E): void {
    this.byPolicy[entry.match].set(entry.uri, entry);
    this.byId.set(entry.id, entry);
  }

  remove(entry: E): void {
    this.byPolicy[entry.match].delete(entry.uri);
    this.byId.delete(entry.id);
  }

  all(match: MatchPolicy): E[] {
    return [...this.byPolicy[match].values()];
  }

  /** The single entry that handles `uri` (dealer semantics). */
  best(uri: string): E | undefined {
    const exact = this.byPolicy.exact.get(uri);
    if (exact) return exact;
    let best: E | undefined;
    for (const e of this.byPolicy.prefix.values()) if (uri.startsWith(e.uri) && (!best || e.uri.length > best.uri.length)) best = e;
    if (best) return best;
    let fixed = -1;
    for (const e of this.byPolicy.wildcard.values()) {
      if (!matches(e.uri, 'wildcard', uri)) continue;
      const n = e.uri.split('.').filter((c) => c !== '').length;
      if (n > fixed) [best, fixed] = [e, n];
    }
    return best;
  }

  /** Every entry that matches `uri` (broker semantics). */
  matching(uri: string): E[] {
    const out: E[] = [];
    const exact = this.byPolicy.exact.get(uri);
    if (exact) out.push(exact);
    for (const e of this.byPolicy.prefix.values()) if (uri.startsWith(e.uri)) out.push(e);
    for (const e of this.byPolicy.wildcard.values()) if (matches(e.uri, 'wildcard', uri)) out.push(e);
    return out;
  }
}
