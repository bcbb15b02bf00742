import { wildcardReaches } from '../router/authorize.js';
import type { MatchPolicy } from '../router/uri.js';

/**
 * What a URI pattern can reach, judged by string prefixes so that loose URIs ("/" inside components) work too.
 * A wildcard's reach is decided by its fixed lead: everything before its first empty component (`a.b..d` → `a.b.`),
 * which every URI it matches starts with.
 */
export function fixedLead(uri: string, match: MatchPolicy): string {
  if (match !== 'wildcard') return uri;
  const parts = uri.split('.');
  const firstAny = parts.indexOf('');
  return firstAny === -1 ? uri : parts.slice(0, firstAny).map((p) => `${p}.`).join('');
}

/** Whether every URI the pattern matches starts with `ns`. */
export function within(uri: string, match: MatchPolicy, ns: string): boolean {
  return fixedLead(uri, match).startsWith(ns);
}

/** Whether some URI the pattern matches could start with `ns`. */
export function mayReach(uri: string, match: MatchPolicy, ns: string): boolean {
  if (match === 'exact' || (match === 'wildcard' && !uri.split('.').includes(''))) return uri.startsWith(ns);
  // Component by component, as the static authorizer judges wildcards: `xs..other` never reaches `xs.demo.berth/`.
  if (match === 'wildcard') return wildcardReaches(uri, ns);
  return uri.startsWith(ns) || ns.startsWith(uri);
}

/** Empty components (`a..b`, `.a`, `a.`) in a URI meant literally (an exact match). */
export function hasEmptyComponent(uri: string): boolean {
  return uri.split('.').includes('');
}
