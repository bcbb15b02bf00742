/**
 * The JSON frames of outbound messages, made once per message object and only when a WebSocket peer needs one. The
 * broker hands the same EVENT array to every subscriber of a subscription, so it becomes bytes once, not once per
 * subscriber; its payload, shared by every matching subscription, is serialized once per publication. In-process peers
 * take the array itself and never pay for JSON.
 */
const frames = new WeakMap<readonly unknown[], Buffer>();
const pending = new WeakMap<readonly unknown[], { readonly head: string; readonly payload: Payload }>();

/** The UTF-8 frame of `message`, cached on the array's identity. */
export function encode(message: readonly unknown[]): Buffer {
  let frame = frames.get(message);
  if (!frame) {
    const parts = pending.get(message);
    frame = Buffer.from(parts ? `${parts.head.slice(0, -1)}${parts.payload.tail}` : JSON.stringify(message), 'utf8');
    frames.set(message, frame);
  }
  return frame;
}

/** The frame's size in bytes, without making the frame when the payload's size is already known. */
export function frameSize(message: readonly unknown[]): number {
  const frame = frames.get(message);
  if (frame) return frame.length;
  const parts = pending.get(message);
  return parts ? Buffer.byteLength(parts.head, 'utf8') - 1 + parts.payload.bytes : encode(message).length;
}

/** Args/kwargs serialized once, to be appended to several message heads (omitted when empty, as WAMP wants). */
export class Payload {
  readonly tail: string;
  readonly bytes: number;
  private readonly items: unknown[];

  constructor(args: readonly unknown[] | undefined, kwargs: Record<string, unknown> | undefined) {
    if (kwargs !== undefined && Object.keys(kwargs).length > 0) this.items = [args ?? [], kwargs];
    else if (args !== undefined && args.length > 0) this.items = [args];
    else this.items = [];
    this.tail = this.items.map((item) => `,${JSON.stringify(item)}`).join('') + ']';
    this.bytes = Buffer.byteLength(this.tail, 'utf8');
  }

  /** `head` followed by the payload, as a message whose frame is made from the shared payload text. */
  message(head: unknown[]): unknown[] {
    const message = [...head, ...this.items];
    pending.set(message, { head: JSON.stringify(head), payload: this });
    return message;
  }
}
