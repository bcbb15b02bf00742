import { Decoder, encode as cborEncode } from 'cbor-x';
import { pack, Unpackr } from 'msgpackr';
import WebSocket from 'ws';
import { within } from '../../conformance/helpers/compare.js';

export type Kind = 'json' | 'msgpack' | 'cbor';
export const KINDS: readonly Kind[] = ['json', 'msgpack', 'cbor'];

// 64-bit integers (the router's IDs beyond 2^32) as numbers, as wampy's CBOR serializer reads them.
const unpackr = new Unpackr({ int64AsType: 'number', mapsAsObjects: true });
const cborDecoder = new Decoder({ int64AsNumber: true, mapsAsObjects: true });

/** Client-side codecs, independent of the router's own (msgpackr's and cbor-x's defaults otherwise, as most clients use them). */
export const codec: Record<Kind, { encode: (m: unknown) => Buffer | string; decode: (d: Buffer) => unknown; binary: boolean }> = {
  json: { encode: (m) => JSON.stringify(m), decode: (d) => JSON.parse(d.toString('utf8')), binary: false },
  msgpack: { encode: (m) => pack(m), decode: (d) => unpackr.unpack(d), binary: true },
  cbor: { encode: (m) => Buffer.from(cborEncode(m)), decode: (d) => cborDecoder.decode(d), binary: true },
};

const ROLES = { caller: { features: { progressive_call_results: true } }, callee: { features: { progressive_call_results: true } }, publisher: {}, subscriber: {} };

/** A WAMP peer written by hand in any serializer: sends exactly the frames a test wants, records what comes back. */
export class SerialPeer implements AsyncDisposable {
  readonly received: unknown[][] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { match: (m: unknown[]) => boolean; resolve: (m: unknown[]) => void }[] = [];
  sessionId = 0;

  private constructor(
    readonly ws: WebSocket,
    readonly kind: Kind,
  ) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer) => {
      const m = codec[kind].decode(data) as unknown[];
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => (w.match(m) ? (w.resolve(m), false) : true));
    });
    ws.on('error', () => undefined);
  }

  /** Connect offering `protocols` (default: this kind's) and, unless `join: false`, join `realm` anonymously. */
  static async open(url: string, kind: Kind, options: { join?: boolean; realm?: string; protocols?: string[] } = {}): Promise<SerialPeer> {
    const ws = new WebSocket(url, options.protocols ?? [`wamp.2.${kind}`]);
    await within('websocket open', new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)));
    const peer = new SerialPeer(ws, kind);
    if (options.join ?? true) {
      peer.send([1, options.realm ?? 'realm1', { roles: ROLES }]);
      const welcome = await peer.next((m) => m[0] === 2 || m[0] === 3);
      if (welcome[0] !== 2) throw new Error(`join refused: ${JSON.stringify(welcome)}`);
      peer.sessionId = welcome[1] as number;
    }
    return peer;
  }

  send(m: unknown[]): void {
    this.ws.send(codec[this.kind].encode(m), { binary: codec[this.kind].binary });
  }

  /** Send bytes as they are, in a binary or text frame. */
  sendRaw(data: Buffer | string, binary: boolean): void {
    this.ws.send(data, { binary });
  }

  next(match: (m: unknown[]) => boolean, ms = 5_000): Promise<unknown[]> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return within('WAMP frame', new Promise<unknown[]>((resolve) => this.waiters.push({ match, resolve })), ms);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    await within('websocket close', this.closed, 3_000).catch(() => this.ws.terminate());
  }
}
