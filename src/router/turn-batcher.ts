import type { Duplex } from 'node:stream';

/**
 * Holds a connection's writes back until the current turn of the event loop ends, then writes them with one system
 * call: a peer with many calls in flight sends several per read, and one write per frame cost the router about a fifth
 * of its time. Order is kept; nothing waits for I/O (the flush runs before the event loop polls again).
 */
export class TurnBatcher {
  private corked = false;

  /** `socket` is the connection under the WebSocket; without one (tests), nothing is held. */
  constructor(private readonly socket: Duplex | undefined) {}

  /** Before a write: hold it (and the rest of this turn's) back. */
  hold(): void {
    if (this.corked || !this.socket) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(() => this.flush());
  }

  /** Write what was held back; each hold is undone exactly once, by whichever flush comes first. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket!.uncork();
  }
}
