import type { Action, Authorization, Authorize } from './authorize.js';
import { MSG } from './wamp-message.js';
import type { Peer } from './peer.js';
import type { MatchPolicy } from './uri.js';

const TARGET: Record<Action, string> = { call: 'call procedure', register: 'register procedure', subscribe: 'subscribe to topic', publish: 'publish to topic' };
const REQUEST_TYPE: Record<Action, number> = { call: MSG.CALL, register: MSG.REGISTER, subscribe: MSG.SUBSCRIBE, publish: MSG.PUBLISH };

/**
 * Ask the hook, then run `proceed` only if allowed. Stays synchronous when the hook answers synchronously (the static
 * authorizer always does), so the hot path costs no extra turn of the event loop. Refusals are answered with Crossbar.io's
 * error URIs; `quiet` (an unacknowledged PUBLISH) suppresses the answer.
 */
export function authorized(
  authorize: Authorize,
  peer: Peer,
  action: Action,
  uri: string,
  request: number,
  proceed: (auth: Authorization) => void,
  quiet = false,
  match: MatchPolicy = 'exact',
): void | Promise<void> {
  const fail = (error: string, text: string) => {
    if (!quiet && peer.joined) peer.send([MSG.ERROR, REQUEST_TYPE[action], request, {}, error, [text]]);
  };
  const decide = (raw: boolean | Authorization) => {
    const auth = typeof raw === 'boolean' ? { allow: raw, disclose: false } : raw;
    if (!peer.joined) return;
    if (auth.allow) return proceed(auth);
    const s = peer.info;
    if (action === 'publish') return fail('wamp.error.not_authorized', `session not authorized to publish to topic '${uri}'`);
    fail('wamp.error.not_authorized', `session (session_id=${s.id}, authid="${s.authid}", authrole="${s.authrole}") is not authorized to ${TARGET[action]} "${uri}" on realm "${s.realm}"`);
  };
  const failed = (err: unknown) => fail('wamp.error.authorization_failed', `failed to authorize session for ${action} on '${uri}': ${String(err)}`);
  let raw: ReturnType<Authorize>;
  try {
    raw = authorize(peer.info, action, uri, match);
  } catch (err) {
    return failed(err);
  }
  if (typeof raw === 'object' && 'then' in raw) return raw.then(decide, failed);
  return decide(raw);
}
