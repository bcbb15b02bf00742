import { isConcreteUri, isPatternUri } from './uri.js';
import type { ClientMessage } from './wamp-message.js';

/**
 * What is wrong with a message's URI, if anything. URIs are checked where Crossbar.io checks them (while parsing), so a
 * bad one is a protocol violation there too.
 */
export function badUri(m: ClientMessage): string | undefined {
  switch (m.type) {
    case 'call':
      return isConcreteUri(m.procedure) ? undefined : `invalid procedure URI "${m.procedure}" in CALL`;
    case 'publish':
      return isConcreteUri(m.topic) ? undefined : `invalid topic URI "${m.topic}" in PUBLISH`;
    case 'register':
      return isPatternUri(m.procedure, m.options.match ?? 'exact') ? undefined : `invalid procedure URI "${m.procedure}" in REGISTER`;
    case 'subscribe':
      return isPatternUri(m.topic, m.options.match ?? 'exact') ? undefined : `invalid topic URI "${m.topic}" in SUBSCRIBE`;
    case 'error':
      return isConcreteUri(m.error) ? undefined : `invalid error URI "${m.error}" in ERROR`;
    default:
      return undefined;
  }
}
