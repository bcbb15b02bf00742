import { Decoder, Encoder } from 'cbor-x';
import { carries, forBinaryWire } from './binary-value.js';
import { scanCbor } from './cbor-scan.js';
import type { Decoded, Serializer } from './serializer.js';

// Plain data both ways: no records, no packed values, byte strings untagged, 64-bit integers as numbers.
const options = { useRecords: false, mapsAsObjects: true, pack: false, tagUint8Array: false, encodeUndefinedAsNil: true, int64AsNumber: true } as const;
const encoder = new Encoder(options);
const decoder = new Decoder(options);

/** `wamp.2.cbor`: binary frames; binary values travel as CBOR byte strings. */
export const cborSerializer: Serializer = {
  name: 'cbor',
  subprotocol: 'wamp.2.cbor',
  binary: true,
  decode(frame: Buffer): Decoded {
    const scan = scanCbor(frame);
    if (!scan.ok) return { ok: false, reason: `invalid CBOR: ${scan.reason}` };
    try {
      return { ok: true, value: decoder.decode(frame) as unknown, binary: scan.bytes ? 'bytes' : undefined };
    } catch (err) {
      return { ok: false, reason: `invalid CBOR: ${(err as Error).message}` };
    }
  },
  encode(message) {
    return encoder.encode(forBinaryWire(message, carries(message, 'json')));
  },
  encodeTail(items) {
    const convert = carries(items, 'json');
    return Buffer.concat(items.map((item) => encoder.encode(forBinaryWire(item, convert))));
  },
  frame(head, tail, count) {
    // Heads have at most 6 elements and payloads 2: the array header is always the one byte 0x80 | n.
    return Buffer.concat([Buffer.from([0x80 | (head.length + count)]), encoder.encode(forBinaryWire(head, false)).subarray(1), tail]);
  },
};
