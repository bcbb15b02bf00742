/**
 * Binary values across serializers. msgpack (`bin`) and CBOR (byte strings) carry bytes; JSON cannot, so WAMP's JSON
 * convention is a string that starts with "\u0000" followed by the bytes in base64. The router keeps each payload as
 * its sender's serializer decoded it and converts only when a frame is made for a peer of the other kind: decoded
 * args/kwargs are marked here by the kind of binary they carry, so a payload without binary (nearly all of them) is never
 * walked.
 */
const marks = new WeakMap<object, 'json' | 'bytes'>();

/** `value` (args or kwargs of a decoded message) carries binary as "\0"+base64 strings (`json`) or as bytes (`bytes`). */
export function markBinary(value: unknown, kind: 'json' | 'bytes'): void {
  if (typeof value === 'object' && value !== null) marks.set(value, kind);
}

/** Whether any element of `items` carries binary of `kind`. */
export function carries(items: readonly unknown[], kind: 'json' | 'bytes'): boolean {
  for (const item of items) if (typeof item === 'object' && item !== null && marks.get(item) === kind) return true;
  return false;
}

/** JSON.stringify replacer: bytes become "\0"+base64 (the holder's own value: Buffer's toJSON has already run on `v`). */
export function bytesAsJson(this: unknown, key: string, v: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Uint8Array ? `\u0000${Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64')}` : v;
}

/**
 * A copy of `value` as msgpack and CBOR must carry it (shared parts kept, nothing copied when nothing changes):
 * integers beyond 32 bits as BigInt, because msgpackr and cbor-x write a plain number that large as a float64, and WAMP
 * IDs (up to 2^53) and integer arguments must stay integers on the wire, as strict peers (Autobahn|Python) check; and, when
 * `jsonBinary`, JSON's "\0"+base64 strings as bytes.
 */
export function forBinaryWire(value: unknown, jsonBinary: boolean): unknown {
  switch (typeof value) {
    case 'number':
      return (value > 0x7fffffff || value < -0x80000000) && Number.isSafeInteger(value) ? BigInt(value) : value;
    case 'string':
      return jsonBinary && value.charCodeAt(0) === 0 ? Buffer.from(value.slice(1), 'base64') : value;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = forBinaryWire(value[i], jsonBinary);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const k in value) {
    const item = (value as Record<string, unknown>)[k];
    const v = forBinaryWire(item, jsonBinary);
    if (v !== item) (out ??= { ...(value as Record<string, unknown>) })[k] = v;
  }
  return out ?? value;
}

/** Whether a decoded JSON value has a string starting with "\0" (only asked when the frame's text has `\u0000`). */
export function hasJsonBinary(value: unknown): boolean {
  if (typeof value === 'string') return value.charCodeAt(0) === 0;
  if (typeof value !== 'object' || value === null) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (hasJsonBinary(v)) return true;
  return false;
}
