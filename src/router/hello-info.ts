import type { HelloInfo } from './authenticate.js';
import type { Transport } from './transport.js';
import type { ClientMessage } from './wamp-message.js';

type Hello = Extract<ClientMessage, { type: 'hello' }>;

/** What the authenticator is asked about a HELLO: the client's request (no authmethods: anonymous) and its transport. */
export function helloInfo(realm: string, details: Hello['details'], sessionId: number, transport: Transport): HelloInfo {
  return {
    realm,
    authid: details.authid,
    authmethods: details.authmethods && details.authmethods.length > 0 ? details.authmethods : ['anonymous'],
    authextra: details.authextra ?? {},
    sessionId,
    peer: transport.peer,
    listener: transport.listener,
    localAddress: transport.localAddress,
  };
}
