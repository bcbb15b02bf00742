import type { Serializer } from './serializer.js';

/**
 * The frames of outbound messages, made once per message object and serializer, and only when a WebSocket peer of that
 * serializer needs one. The broker hands the same EVENT array to every subscriber of a subscription, so it becomes bytes
 * once per serializer in use, not once per subscriber; its payload, shared by every matching subscription, is serialized
 * once per publication and serializer. In-process peers take the array itself and never pay for serialization.
 */
const frames = new Map<Serializer, WeakMap<readonly unknown[], Buffer>>();
const pending = new WeakMap<readonly unknown[], { readonly head: readonly unknown[]; readonly payload: Payload }>();

function cache(s: Serializer): WeakMap<readonly unknown[], Buffer> {
  let c = frames.get(s);
  if (!c) frames.set(s, (c = new WeakMap()));
  return c;
}

/** The frame of `message` in serializer `s`, cached on the array's identity. */
export function encode(message: readonly unknown[], s: Serializer): Buffer {
  const c = cache(s);
  let frame = c.get(message);
  if (!frame) {
    const parts = pending.get(message);
    frame = parts ? s.frame(parts.head, parts.payload.tail(s), parts.payload.count) : s.encode(message);
    c.set(message, frame);
  }
  return frame;
}

/** The frame's size in bytes in serializer `s` (the limits count bytes on the wire, in the peer's own serializer). */
export function frameSize(message: readonly unknown[], s: Serializer): number {
  return encode(message, s).length;
}

/** Args/kwargs serialized once per serializer in use, to be appended to several message heads (omitted when empty, as WAMP wants). */
export class Payload {
  readonly count: number;
  private readonly items: unknown[];
  private readonly tails = new Map<Serializer, Buffer>();

  constructor(args: readonly unknown[] | undefined, kwargs: Record<string, unknown> | undefined) {
    if (kwargs !== undefined && Object.keys(kwargs).length > 0) this.items = [args ?? [], kwargs];
    else if (args !== undefined && args.length > 0) this.items = [args];
    else this.items = [];
    this.count = this.items.length;
  }

  /** The serialized items in `s`, made on first use. */
  tail(s: Serializer): Buffer {
    let t = this.tails.get(s);
    if (!t) this.tails.set(s, (t = s.encodeTail(this.items)));
    return t;
  }

  /** `head` followed by the payload, as a message whose frames are made from the shared payload bytes. */
  message(head: unknown[]): unknown[] {
    const message = [...head, ...this.items];
    pending.set(message, { head, payload: this });
    return message;
  }
}
