import type { MatchPolicy } from './uri.js';
import { PrefixTrie } from './prefix-trie.js';
import { WildcardIndex } from './wildcard-index.js';

/** Something registered or subscribed under a URI and match policy (a registration or a subscription). */
export interface Entry {
  readonly id: number;
  readonly uri: string;
  readonly match: MatchPolicy;
  readonly created: string;
}

/**
 * URI → entries, per match policy. Lookups follow Crossbar.io's precedence: exact, then the longest matching prefix,
 * then wildcards (the one with the most fixed components). No lookup scans the entries (with a scan, 100k
 * wildcard registrations made every call cost 100 ms): exact URIs are a map, prefixes a radix trie, wildcards an index
 * per component, so a call costs the same with one registration or a hundred thousand.
 */
export class Registry<E extends Entry> {
  private readonly byPolicy: Record<MatchPolicy, Map<string, E>> = { exact: new Map(), prefix: new Map(), wildcard: new Map() };
  private readonly byId = new Map<number, E>();
  private readonly prefixes = new PrefixTrie<E>();
  private readonly wildcards = new WildcardIndex<E>();

  get(uri: string, match: MatchPolicy): E | undefined {
    return this.byPolicy[match].get(uri);
  }

  getById(id: number): E | undefined {
    return this.byId.get(id);
  }

  add(entry: E): void {
    this.byPolicy[entry.match].set(entry.uri, entry);
    this.byId.set(entry.id, entry);
    if (entry.match === 'prefix') this.prefixes.set(entry.uri, entry);
    else if (entry.match === 'wildcard') this.wildcards.set(entry.uri, entry);
  }

  remove(entry: E): void {
    if (this.byPolicy[entry.match].get(entry.uri) !== entry) return;
    this.byPolicy[entry.match].delete(entry.uri);
    this.byId.delete(entry.id);
    if (entry.match === 'prefix') this.prefixes.delete(entry.uri);
    else if (entry.match === 'wildcard') this.wildcards.delete(entry.uri);
  }

  all(match: MatchPolicy): E[] {
    return [...this.byPolicy[match].values()];
  }

  /** The single entry that handles `uri` (dealer semantics). */
  best(uri: string): E | undefined {
    return this.byPolicy.exact.get(uri) ?? this.prefixes.longestPrefixOf(uri) ?? this.wildcards.best(uri);
  }

  /** Every entry that matches `uri` (broker semantics). */
  matching(uri: string): E[] {
    const out: E[] = [];
    const exact = this.byPolicy.exact.get(uri);
    if (exact) out.push(exact);
    const push = (e: E) => out.push(e);
    this.prefixes.forEachPrefixOf(uri, push);
    this.wildcards.forEachMatch(uri, push);
    return out;
  }
}
