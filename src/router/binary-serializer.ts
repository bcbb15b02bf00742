import { carries, forBinaryWire } from './binary-value.js';
import type { ScanResult } from './msgpack-scan.js';
import type { Decoded, Serializer } from './serializer.js';

/** What makes msgpack or CBOR a WAMP serializer: the codec, the bounded pre-scan, and its array header. */
export interface BinaryCodec {
  readonly name: 'msgpack' | 'cbor';
  /** Label in protocol errors: `invalid msgpack: …`. */
  readonly label: string;
  /** Linear and allocation-free: refuses anything but one value of plain data before the codec sees the frame. */
  readonly scan: (frame: Buffer) => ScanResult;
  readonly decode: (frame: Buffer) => unknown;
  readonly encode: (value: unknown) => Buffer;
  /** The header of an array of `n` elements. */
  readonly arrayHeader: (n: number) => Buffer;
}

/** `wamp.2.<name>`: binary frames; binary values travel as the codec's byte strings. */
export function binarySerializer(c: BinaryCodec): Serializer {
  return {
    name: c.name,
    subprotocol: `wamp.2.${c.name}`,
    binary: true,
    decode(frame: Buffer): Decoded {
      const scan = c.scan(frame);
      if (!scan.ok) return { ok: false, reason: `invalid ${c.label}: ${scan.reason}` };
      try {
        return { ok: true, value: c.decode(frame), binary: scan.bytes ? 'bytes' : undefined };
      } catch (err) {
        return { ok: false, reason: `invalid ${c.label}: ${(err as Error).message}` };
      }
    },
    encode(message) {
      return c.encode(forBinaryWire(message, carries(message, 'json')));
    },
    encodeTail(items) {
      const convert = carries(items, 'json');
      return Buffer.concat(items.map((item) => c.encode(forBinaryWire(item, convert))));
    },
    frame(head, tail, count) {
      // The head's own array header is replaced by one that counts the tail's items too.
      return Buffer.concat([c.arrayHeader(head.length + count), c.encode(forBinaryWire(head, false)).subarray(c.arrayHeader(head.length).length), tail]);
    },
  };
}
