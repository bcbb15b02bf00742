/** How a registration or subscription matches URIs (WAMP advanced profile, as Crossbar.io implements it). */
export type MatchPolicy = 'exact' | 'prefix' | 'wildcard';

// Crossbar.io's loose URI rules (autobahn/wamp/message.py): components are anything but whitespace, '.' and '#'.
// Loose checking is what lets berth use URIs such as `berth/web1/start`.
const LOOSE_NON_EMPTY = /^([^\s.#]+\.)*([^\s.#]+)$/;
const LOOSE_LAST_EMPTY = /^([^\s.#]+\.)*([^\s.#]*)$/;
const LOOSE_EMPTY = /^(([^\s.#]+\.)|\.)*([^\s.#]+)?$/;

/** A URI to call or publish to: every component non-empty. */
export function isConcreteUri(uri: string): boolean {
  return LOOSE_NON_EMPTY.test(uri);
}

/** A URI to register or subscribe with the given policy. */
export function isPatternUri(uri: string, match: MatchPolicy): boolean {
  if (match === 'exact') return LOOSE_NON_EMPTY.test(uri);
  if (match === 'prefix') return LOOSE_LAST_EMPTY.test(uri);
  return LOOSE_EMPTY.test(uri);
}

/** Wildcard patterns have empty components (`a..c`) that match any one component; string prefix for `prefix`. */
export function matches(pattern: string, match: MatchPolicy, uri: string): boolean {
  if (match === 'exact') return pattern === uri;
  if (match === 'prefix') return uri.startsWith(pattern);
  const want = pattern.split('.');
  const got = uri.split('.');
  return want.length === got.length && want.every((c, i) => c === '' || c === got[i]);
}

/** URIs of the router's own namespaces, which clients may not register or publish to. */
export function isReservedUri(uri: string): boolean {
  return uri.startsWith('wamp.');
}
