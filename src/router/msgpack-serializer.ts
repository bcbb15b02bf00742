import { Packr, Unpackr } from 'msgpackr';
import { binarySerializer } from './binary-serializer.js';
import { scanMsgpack } from './msgpack-scan.js';

// Plain data both ways: no records, no structured clones, 64-bit integers as numbers (WAMP IDs fit in 2^53).
const packr = new Packr({ useRecords: false, moreTypes: false, encodeUndefinedAsNil: true, mapsAsObjects: true });
const unpackr = new Unpackr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

/** `wamp.2.msgpack`: binary frames; binary values travel as msgpack `bin`. */
export const msgpackSerializer = binarySerializer({
  name: 'msgpack',
  label: 'msgpack',
  scan: scanMsgpack,
  decode: (frame) => unpackr.unpack(frame) as unknown,
  encode: (value) => packr.pack(value),
  arrayHeader,
});

function arrayHeader(n: number): Buffer {
  if (n < 16) return Buffer.from([0x90 | n]);
  const b = Buffer.alloc(3);
  b[0] = 0xdc;
  b.writeUInt16BE(n, 1);
  return b;
}
