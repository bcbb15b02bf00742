import { Decoder, Encoder } from 'cbor-x';
import { binarySerializer } from './binary-serializer.js';
import { scanCbor } from './cbor-scan.js';

// Plain data both ways: no records, no packed values, byte strings untagged, 64-bit integers as numbers.
const options = { useRecords: false, mapsAsObjects: true, pack: false, tagUint8Array: false, encodeUndefinedAsNil: true, int64AsNumber: true } as const;
const encoder = new Encoder(options);
const decoder = new Decoder(options);

/** `wamp.2.cbor`: binary frames; binary values travel as CBOR byte strings. */
export const cborSerializer = binarySerializer({
  name: 'cbor',
  label: 'CBOR',
  scan: scanCbor,
  decode: (frame) => decoder.decode(frame) as unknown,
  encode: (value) => encoder.encode(value),
  // Heads have at most 6 elements and payloads 2: the array header is always the one byte 0x80 | n.
  arrayHeader: (n) => Buffer.from([0x80 | n]),
});
