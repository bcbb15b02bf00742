import { Packr, Unpackr } from 'msgpackr';
import { carries, forBinaryWire } from './binary-value.js';
import { scanMsgpack } from './msgpack-scan.js';
import type { Decoded, Serializer } from './serializer.js';

// Plain data both ways: no records, no structured clones, 64-bit integers as numbers (WAMP IDs fit in 2^53).
const packr = new Packr({ useRecords: false, moreTypes: false, encodeUndefinedAsNil: true, mapsAsObjects: true });
const unpackr = new Unpackr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

/** `wamp.2.msgpack`: binary frames; binary values travel as msgpack `bin`. */
export const msgpackSerializer: Serializer = {
  name: 'msgpack',
  subprotocol: 'wamp.2.msgpack',
  binary: true,
  decode(frame: Buffer): Decoded {
    const scan = scanMsgpack(frame);
    if (!scan.ok) return { ok: false, reason: `invalid msgpack: ${scan.reason}` };
    try {
      return { ok: true, value: unpackr.unpack(frame), binary: scan.bytes ? 'bytes' : undefined };
    } catch (err) {
      return { ok: false, reason: `invalid msgpack: ${(err as Error).message}` };
    }
  },
  encode(message) {
    return packr.pack(forBinaryWire(message, carries(message, 'json')));
  },
  encodeTail(items) {
    const convert = carries(items, 'json');
    return Buffer.concat(items.map((item) => packr.pack(forBinaryWire(item, convert))));
  },
  frame(head, tail, count) {
    return Buffer.concat([arrayHeader(head.length + count), packr.pack(forBinaryWire(head, false)).subarray(arrayHeader(head.length).length), tail]);
  },
};

function arrayHeader(n: number): Buffer {
  if (n < 16) return Buffer.from([0x90 | n]);
  const b = Buffer.alloc(3);
  b[0] = 0xdc;
  b.writeUInt16BE(n, 1);
  return b;
}
