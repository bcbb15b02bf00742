/** How deep containers may nest in a msgpack or CBOR frame (WAMP messages are shallow; this bounds the decoder's stack). */
export const MAX_DEPTH = 100;

/** What a binary frame holds, once checked to be plain data, or why it is not. */
export type ScanResult = { ok: true; bytes: boolean } | { ok: false; reason: string };

class Refused extends Error {}

/**
 * Check a msgpack frame before msgpackr sees it: exactly one value, plain data only (nil, booleans, numbers, str, bin,
 * arrays, maps with str keys), no ext types (msgpackr's records, structured clones, timestamps), no length larger than
 * the bytes that remain, nesting at most MAX_DEPTH. The one ext taken is msgpackr's `undefined` (fixext 1, type 0). Linear in the frame and allocates nothing, so a hostile frame costs
 * no more than reading it.
 */
export function scanMsgpack(buf: Uint8Array): ScanResult {
  let pos = 0;
  let bytes = false;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const need = (n: number) => {
    if (n > buf.length - pos) throw new Refused(`msgpack length ${n} beyond the end of the frame`);
  };
  const len = (size: 1 | 2 | 4) => {
    need(size);
    const n = size === 1 ? buf[pos]! : size === 2 ? view.getUint16(pos) : view.getUint32(pos);
    pos += size;
    return n;
  };
  const items = (n: number, depth: number, map: boolean) => {
    if (depth >= MAX_DEPTH) throw new Refused(`msgpack nested deeper than ${MAX_DEPTH}`);
    need(map ? 2 * n : n); // every item takes at least one byte
    for (let i = 0; i < n; i++) {
      if (map) value(depth + 1, true);
      value(depth + 1, false);
    }
  };
  const value = (depth: number, key: boolean): void => {
    need(1);
    const b = buf[pos++]!;
    const str = (b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb);
    if (key && !str) throw new Refused('msgpack map key that is not a string');
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
    if (b <= 0x8f) return items(b & 0x0f, depth, true);
    if (b <= 0x9f) return items(b & 0x0f, depth, false);
    if (b <= 0xbf) return void (need(b & 0x1f), (pos += b & 0x1f));
    switch (b) {
      case 0xc4: case 0xc5: case 0xc6: {
        const n = len(b === 0xc4 ? 1 : b === 0xc5 ? 2 : 4);
        need(n);
        pos += n;
        bytes = true;
        return;
      }
      case 0xd9: case 0xda: case 0xdb: {
        const n = len(b === 0xd9 ? 1 : b === 0xda ? 2 : 4);
        need(n);
        pos += n;
        return;
      }
      case 0xca: case 0xce: case 0xd2: return void (need(4), (pos += 4));
      case 0xcb: case 0xcf: case 0xd3: return void (need(8), (pos += 8));
      case 0xcc: case 0xd0: return void (need(1), (pos += 1));
      case 0xcd: case 0xd1: return void (need(2), (pos += 2));
      case 0xdc: return items(len(2), depth, false);
      case 0xdd: return items(len(4), depth, false);
      case 0xde: return items(len(2), depth, true);
      case 0xdf: return items(len(4), depth, true);
      case 0xd4:
        // fixext 1 of type 0 with data 0 is how msgpackr (so wampy) sends `undefined` (e.g. unset options): read as
        // undefined, which leaves an option unset, as JSON's omitted keys do. Every other ext is refused below.
        need(2);
        if (buf[pos] === 0 && buf[pos + 1] === 0) return void (pos += 2);
        throw new Refused('msgpack extension type (only plain data is accepted)');
      default: // 0xc1 (never used), 0xc7–0xc9 and 0xd5–0xd8 (ext)
        throw new Refused(b === 0xc1 ? 'msgpack byte 0xc1' : 'msgpack extension type (only plain data is accepted)');
    }
  };
  try {
    value(0, false);
    if (pos !== buf.length) return { ok: false, reason: 'msgpack frame with bytes after its value' };
    return { ok: true, bytes };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message };
    throw err;
  }
}
