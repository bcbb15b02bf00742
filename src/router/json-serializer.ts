import { bytesAsJson, carries, hasJsonBinary } from './binary-value.js';
import type { Decoded, Serializer } from './serializer.js';

/** `wamp.2.json`: text frames; binary values travel as "\0"+base64 strings. */
export const jsonSerializer: Serializer = {
  name: 'json',
  subprotocol: 'wamp.2.json',
  binary: false,
  decode(frame: Buffer): Decoded {
    const text = frame.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, reason: 'invalid JSON' };
    }
    // A string that starts with NUL is escaped in JSON text, so frames without `\u0000` carry no binary (no walk).
    return { ok: true, value, binary: text.includes('\\u0000') && hasJsonBinary(value) ? 'json' : undefined };
  },
  encode(message) {
    return Buffer.from(carries(message, 'bytes') ? JSON.stringify(message, bytesAsJson) : JSON.stringify(message), 'utf8');
  },
  encodeTail(items) {
    const bytes = carries(items, 'bytes');
    return Buffer.from(items.map((item) => `,${bytes ? JSON.stringify(item, bytesAsJson) : JSON.stringify(item)}`).join('') + ']', 'utf8');
  },
  frame(head, tail) {
    const text = JSON.stringify(head);
    return Buffer.concat([Buffer.from(text.slice(0, -1), 'utf8'), tail]);
  },
};
