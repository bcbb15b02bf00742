import { Wampy, type WampyOptions } from 'wampy';
import { CborSerializer } from 'wampy/CborSerializer.js';
import { MsgpackSerializer } from 'wampy/MsgpackSerializer.js';
import WebSocket from 'ws';
import { within } from './compare.js';
import type { Target } from './targets.js';

export type Serialization = 'json' | 'msgpack' | 'cbor';
export const SERIALIZATIONS: readonly Serialization[] = ['json', 'msgpack', 'cbor'];

const serializer = { json: () => undefined, msgpack: () => new MsgpackSerializer(), cbor: () => new CborSerializer() };

/** A wampy 8 session in one serializer; disposing it disconnects (bounded). */
export class WampyClient implements AsyncDisposable {
  private constructor(
    readonly w: Wampy,
    readonly welcome: Record<string, unknown>,
  ) {}

  /** Join anonymously with wampy in `serialization` (`uriValidation: 'loose'`, as berth's `D/op` URIs need). */
  static async open(target: Target, serialization: Serialization): Promise<WampyClient> {
    const s = serializer[serialization]();
    const options: WampyOptions = {
      realm: target.realm,
      uriValidation: 'loose',
      autoReconnect: false,
      // wampy calls `new ws(url, protocols, origin, headers, requestOptions)` (W3C style); `ws` takes the first two.
      ws: WebSocket as unknown as WampyOptions['ws'],
      ...(s ? { serializer: s } : {}),
    };
    const w = new Wampy(target.url, options);
    const welcome = await within(`wampy ${serialization} join ${target.name}`, w.connect());
    return new WampyClient(w, welcome);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await within('wampy disconnect', this.w.disconnect(), 3_000).catch(() => undefined);
  }
}

/** A wampy call's outcome, comparable across routers (Crossbar.io's RESULT details name the callee; compared apart). */
export async function wampyOutcome(p: Promise<{ argsList?: unknown[]; argsDict?: Record<string, unknown> }>): Promise<unknown> {
  try {
    const r = await within('wampy call', p);
    return { ok: { args: r.argsList ?? [], kwargs: r.argsDict ?? {} } };
  } catch (err) {
    const e = err as { errorUri?: string; argsList?: unknown[]; argsDict?: Record<string, unknown>; message?: string };
    if (typeof e.errorUri === 'string') return { error: e.errorUri, args: e.argsList ?? [], kwargs: e.argsDict ?? {} };
    return { thrown: String(e.message ?? err) };
  }
}
