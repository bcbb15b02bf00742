import type { SessionInfo } from './authorize.js';

/** A joined session as the dealer, broker and meta API see it. */
export interface Peer {
  readonly info: SessionInfo;
  /** Whether the client announced `call_canceling` as callee (then it understands INTERRUPT). */
  readonly calleeCanCancel: boolean;
  /** False once the session has left; work that finished after an await must check it. */
  readonly joined: boolean;
  /**
   * The router's host itself (berth's in-process session): not held to the per-session caps, which exist to bound what
   * remote peers can make the router hold. berth registers 12 + 9 × containers procedures.
   */
  readonly host?: boolean;
  /**
   * Deliver one message. `false` means it was not sent because it is larger than this peer accepts (the sender of what
   * it answers is told, see the dealer); `true`/`undefined` means sent, or dropped because the peer is gone.
   */
  send(message: unknown[]): boolean | void;
}

let counter = 0;
/** Router-scope IDs: random in [1, 2^53) as the WAMP spec asks, so they reveal nothing about other sessions. */
export function randomId(): number {
  return Math.floor(Math.random() * (2 ** 53 - 1)) + 1;
}
/** Session-scope IDs only the router sees twice (invocations): sequential is enough and cheaper. */
export function nextId(): number {
  counter = counter >= 2 ** 53 ? 1 : counter + 1;
  return counter;
}
