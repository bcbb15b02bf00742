import type { ClientMessage } from './wamp-message.js';

/**
 * CALL and YIELD, the two messages of every call, checked by hand: zod's tuple, record and object parsers were a tenth
 * of the router's own work per call. This accepts only what the zod schemas accept, and is stricter where checking
 * by hand would be subtle (dicts with an own `__proto__` key or another prototype, 64-bit IDs): anything it does not
 * accept, valid or not, goes to zod, which stays the one judge of malformed messages and their reasons.
 */
export function hotMessage(raw: readonly unknown[]): ClientMessage | undefined {
  const n = raw.length;
  if (raw[0] === 48) {
    if (n < 4 || n > 6 || !isId(raw[1]) || !isDict(raw[2]) || typeof raw[3] !== 'string' || !isArgs(raw[4]) || !isKwargs(raw[5])) return undefined;
    const options = raw[2];
    const progress = options.receive_progress;
    const timeout = options.timeout;
    if (progress !== undefined && typeof progress !== 'boolean') return undefined;
    if (timeout !== undefined && !(typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= 0)) return undefined;
    return { type: 'call', request: raw[1], options, procedure: raw[3], args: raw[4], kwargs: raw[5] };
  }
  if (raw[0] === 70) {
    if (n < 3 || n > 5 || !isId(raw[1]) || !isDict(raw[2]) || !isArgs(raw[3]) || !isKwargs(raw[4])) return undefined;
    const options = raw[2];
    if (options.progress !== undefined && typeof options.progress !== 'boolean') return undefined;
    return { type: 'yield', request: raw[1], options, args: raw[3], kwargs: raw[4] };
  }
  return undefined;
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isDict(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && !Object.hasOwn(v, '__proto__');
}

function isArgs(v: unknown): v is unknown[] | undefined {
  return v === undefined || Array.isArray(v);
}

function isKwargs(v: unknown): v is Record<string, unknown> | undefined {
  return v === undefined || isDict(v);
}
