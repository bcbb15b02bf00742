import { cborSerializer } from './cbor-serializer.js';
import { jsonSerializer } from './json-serializer.js';
import { msgpackSerializer } from './msgpack-serializer.js';

/** A decoded frame: the value, and which kind of binary its args/kwargs may carry (see binary-value.ts). */
export type Decoded = { ok: true; value: unknown; binary: 'json' | 'bytes' | undefined } | { ok: false; reason: string };

/** One WAMP serializer: its WebSocket subprotocol, frame type, and how messages become frames and back. */
export interface Serializer {
  readonly name: 'json' | 'msgpack' | 'cbor';
  readonly subprotocol: string;
  /** Binary WebSocket frames (msgpack, CBOR) or text frames (JSON). */
  readonly binary: boolean;
  /** One frame to a value; never throws, never builds more than the frame describes. */
  decode(frame: Buffer): Decoded;
  /** A whole message as one frame, binary values converted to this serializer's form. */
  encode(message: readonly unknown[]): Buffer;
  /** Items (args, kwargs) serialized once, to follow several message heads (see `frame`). */
  encodeTail(items: readonly unknown[]): Buffer;
  /** The frame of `head`'s elements followed by the `count` items already serialized in `tail`. */
  frame(head: readonly unknown[], tail: Buffer, count: number): Buffer;
}

/** Every serializer the router speaks. */
export const SERIALIZERS: readonly Serializer[] = [jsonSerializer, msgpackSerializer, cborSerializer];

const bySubprotocol = new Map(SERIALIZERS.map((s) => [s.subprotocol, s] as const));

/**
 * The subprotocol to answer an upgrade with: the first one the client offers that the router speaks (the client lists
 * them in its order of preference, RFC 6455 §4.1), or undefined when it offers none of them.
 */
export function chooseSubprotocol(offered: Iterable<string>): string | undefined {
  for (const p of offered) if (bySubprotocol.has(p)) return p;
  return undefined;
}

/** The serializer of a negotiated subprotocol. */
export function serializerFor(subprotocol: string): Serializer | undefined {
  return bySubprotocol.get(subprotocol);
}
