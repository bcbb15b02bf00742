import { describe, expect, it } from 'vitest';
import { parseMessage, withPayload } from '../../../src/router/wamp-message.js';

describe('parseMessage', () => {
  it('parses CALL with and without payload', () => {
    expect(parseMessage('[48, 1, {}, "a.b"]')).toEqual({ ok: true, message: { type: 'call', request: 1, options: {}, procedure: 'a.b', args: undefined, kwargs: undefined } });
    const r = parseMessage('[48, 2, {"receive_progress": true}, "a.b", [1], {"k": 2}]');
    expect(r.ok && r.message).toMatchObject({ type: 'call', options: { receive_progress: true }, args: [1], kwargs: { k: 2 } });
  });
  it('refuses non-JSON, non-arrays, unknown types, router-to-client types and wrong field types', () => {
    for (const text of ['nope', '{}', '[]', '[999]', '[2, 1, {}]', '[48, "1", {}, "a"]', '[48, 1, [], "a"]', '[48, 1, {}, "a", {}]', '[49, 1, {"mode": "later"}]', '[1, "realm1", {}]']) {
      expect(parseMessage(text).ok, text).toBe(false);
    }
  });
  it('only accepts ERROR replies to INVOCATION from clients', () => {
    expect(parseMessage('[8, 68, 5, {}, "x.y", [1], {"a": 1}]').ok).toBe(true);
    expect(parseMessage('[8, 48, 5, {}, "x.y"]').ok).toBe(false);
  });
  it('keeps unknown options (loose) but checks the ones it uses', () => {
    const r = parseMessage('[16, 1, {"acknowledge": true, "x_custom": 1}, "a.b"]');
    expect(r.ok && r.message).toMatchObject({ type: 'publish', options: { acknowledge: true, x_custom: 1 } });
    expect(parseMessage('[16, 1, {"acknowledge": "yes"}, "a.b"]').ok).toBe(false);
  });
});

describe('withPayload', () => {
  it('omits empty payloads and keeps args when kwargs are present', () => {
    expect(withPayload([50, 1, {}], undefined, undefined)).toEqual([50, 1, {}]);
    expect(withPayload([50, 1, {}], [], {})).toEqual([50, 1, {}]);
    expect(withPayload([50, 1, {}], [1], undefined)).toEqual([50, 1, {}, [1]]);
    expect(withPayload([50, 1, {}], undefined, { a: 1 })).toEqual([50, 1, {}, [], { a: 1 }]);
  });
});
