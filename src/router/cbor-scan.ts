import { MAX_DEPTH, type ScanResult } from './msgpack-scan.js';

class Refused extends Error {}

const BREAK = 0xff;

/**
 * Check a CBOR frame before cbor-x sees it: exactly one data item, plain data only (integers, floats, false/true/null,
 * undefined, byte and text strings, arrays, maps with text keys), no tags but 64 on a byte string (cbor-x turns tags
 * into Dates, BigInts, Sets, Maps, typed arrays, shared references and packed-value expansions, some of them costly to
 * build), no other simple values, no length larger than the bytes that remain, nesting at most MAX_DEPTH. Linear in the frame.
 */
export function scanCbor(buf: Uint8Array): ScanResult {
  let pos = 0;
  let bytes = false;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const need = (n: number) => {
    if (n > buf.length - pos) throw new Refused(`CBOR length ${n} beyond the end of the frame`);
  };
  /** The argument of the head whose low five bits are `ai`; -1 for indefinite length. */
  const argument = (ai: number): number => {
    if (ai < 24) return ai;
    const size = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
    if (ai === 31) return -1;
    if (size === 0) throw new Refused(`CBOR reserved additional information ${ai}`);
    need(size);
    const n = size === 1 ? buf[pos]! : size === 2 ? view.getUint16(pos) : size === 4 ? view.getUint32(pos) : view.getUint32(pos) * 2 ** 32 + view.getUint32(pos + 4);
    pos += size;
    return n;
  };
  const chunks = (major: number) => {
    for (;;) {
      need(1);
      if (buf[pos] === BREAK) return void pos++;
      const head = buf[pos++]!;
      if (head >> 5 !== major) throw new Refused('CBOR indefinite string with a chunk of another type');
      const n = argument(head & 0x1f);
      if (n < 0) throw new Refused('CBOR nested indefinite string');
      need(n);
      pos += n;
    }
  };
  const items = (n: number, depth: number, map: boolean) => {
    if (depth >= MAX_DEPTH) throw new Refused(`CBOR nested deeper than ${MAX_DEPTH}`);
    if (n < 0) {
      for (;;) {
        need(1);
        if (buf[pos] === BREAK) return void pos++;
        if (map) item(depth + 1, true);
        item(depth + 1, false);
      }
    }
    need(map ? 2 * n : n); // every item takes at least one byte
    for (let i = 0; i < n; i++) {
      if (map) item(depth + 1, true);
      item(depth + 1, false);
    }
  };
  const item = (depth: number, key: boolean): void => {
    need(1);
    const head = buf[pos++]!;
    const major = head >> 5;
    const ai = head & 0x1f;
    if (key && major !== 3) throw new Refused('CBOR map key that is not a text string');
    switch (major) {
      case 0: case 1:
        if (argument(ai) < 0) throw new Refused('CBOR integer of indefinite length');
        return;
      case 2: case 3: {
        if (major === 2) bytes = true;
        const n = argument(ai);
        if (n < 0) return chunks(major);
        need(n);
        pos += n;
        return;
      }
      case 4: return items(argument(ai), depth, false);
      case 5: return items(argument(ai), depth, true);
      case 6: {
        // Tag 64 (RFC 8746, uint8 typed array) on a byte string is how cbor-x (so wampy) sends a Uint8Array: bytes.
        if (argument(ai) !== 64) throw new Refused('CBOR tag (only plain data is accepted)');
        need(1);
        if (buf[pos]! >> 5 !== 2) throw new Refused('CBOR tag 64 on something other than a byte string');
        return item(depth, false);
      }
      default:
        if (ai >= 20 && ai <= 23) return; // false, true, null, undefined (cbor-x, so wampy, sends unset options as undefined)
        if (ai === 25 || ai === 26 || ai === 27) return void argument(ai);
        throw new Refused(ai === 31 ? 'CBOR break outside an indefinite item' : `CBOR simple value ${ai} (only false, true, null, undefined and floats)`);
    }
  };
  try {
    item(0, false);
    if (pos !== buf.length) return { ok: false, reason: 'CBOR frame with bytes after its item' };
    return { ok: true, bytes };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message };
    throw err;
  }
}
