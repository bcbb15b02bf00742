import WebSocket from 'ws';
import { within } from './compare.js';
import type { Target } from './targets.js';

const ROLES = {
  caller: { features: { call_canceling: true, progressive_call_results: true, caller_identification: true } },
  callee: { features: { call_canceling: true, progressive_call_results: true, caller_identification: true, pattern_based_registration: true } },
  publisher: { features: { publisher_exclusion: true } },
  subscriber: { features: { pattern_based_subscription: true } },
};

/**
 * A WAMP peer written by hand: sends exactly the frames a scenario wants (malformed ones, CANCEL with a given mode) and
 * records every frame the router sends back, plus the WebSocket close code.
 */
export class RawClient implements AsyncDisposable {
  readonly received: unknown[][] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { match: (m: unknown[]) => boolean; resolve: (m: unknown[]) => void }[] = [];
  sessionId = 0;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as unknown[];
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => (w.match(m) ? (w.resolve(m), false) : true));
    });
    ws.on('error', () => undefined);
  }

  /** Connect and (by default) join anonymously. `autoPong: false` makes a peer that looks dead to WebSocket pings. */
  static async open(target: Target, options: { join?: boolean; autoPong?: boolean } = {}): Promise<RawClient> {
    const ws = new WebSocket(target.url, ['wamp.2.json'], { autoPong: options.autoPong ?? true });
    await within('websocket open', new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)));
    const c = new RawClient(ws);
    if (options.join ?? true) {
      c.send([1, target.realm, { roles: ROLES }]);
      const welcome = await c.next((m) => m[0] === 2 || m[0] === 3);
      if (welcome[0] !== 2) throw new Error(`join refused: ${JSON.stringify(welcome)}`);
      c.sessionId = welcome[1] as number;
    }
    return c;
  }

  send(m: unknown[] | string | Buffer): void {
    this.ws.send(Array.isArray(m) ? JSON.stringify(m) : m);
  }

  /** The next frame (already received or still to come) that matches, within a deadline. */
  next(match: (m: unknown[]) => boolean, ms = 5_000, after = 0): Promise<unknown[]> {
    const seen = this.received.slice(after).find(match);
    if (seen) return Promise.resolve(seen);
    return within('WAMP frame', new Promise<unknown[]>((resolve) => this.waiters.push({ match, resolve })), ms);
  }

  /** Frames received so far that match. */
  all(match: (m: unknown[]) => boolean): unknown[][] {
    return this.received.filter(match);
  }

  async register(request: number, procedure: string): Promise<number> {
    this.send([64, request, {}, procedure]);
    const r = await this.next((m) => (m[0] === 65 || m[0] === 8) && m[m[0] === 8 ? 2 : 1] === request);
    if (r[0] !== 65) throw new Error(`register failed: ${JSON.stringify(r)}`);
    return r[2] as number;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    await within('websocket close', this.closed, 3_000).catch(() => this.ws.terminate());
  }
}

export const isType = (type: number, request?: number, at = 1) => (m: unknown[]) => m[0] === type && (request === undefined || m[at] === request);
