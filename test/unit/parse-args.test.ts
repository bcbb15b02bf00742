import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/appliance/parse-args.js';
import { isBerthError } from '../../src/errors.js';
import type { Call } from '../../src/wamp/call.js';

const schema = z.object({ a: z.string(), b: z.number().default(7) });
const call = (args: unknown[], kwargs: Record<string, unknown> = {}): Call => ({ procedure: 'd/op', args, kwargs });

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isBerthError(err, 'invalid_argument')) return err.message;
    throw err;
  }
  throw new Error('did not fail');
}

describe('parseArgs', () => {
  it('takes positional and keyword arguments and applies defaults', () => {
    expect(parseArgs(call(['x', 2]), ['a', 'b'], schema)).toEqual({ a: 'x', b: 2 });
    expect(parseArgs(call([], { a: 'x' }), ['a', 'b'], schema)).toEqual({ a: 'x', b: 7 });
    expect(parseArgs(call(['x'], { b: 3 }), ['a', 'b'], schema)).toEqual({ a: 'x', b: 3 });
  });

  it('refuses too many, unknown, doubled and ill-typed arguments', () => {
    expect(failure(() => parseArgs(call(['x', 1, 2]), ['a', 'b'], schema))).toMatch(/at most 2 arguments \(a, b\), got 3/);
    expect(failure(() => parseArgs(call(['x'], { c: 1 }), ['a', 'b'], schema))).toMatch(/unexpected keyword argument "c"/);
    expect(failure(() => parseArgs(call(['x'], { a: 'y' }), ['a', 'b'], schema))).toMatch(/two values for "a"/);
    expect(failure(() => parseArgs(call([1]), ['a', 'b'], schema))).toMatch(/^d\/op: a /);
    expect(failure(() => parseArgs(call([]), ['a', 'b'], schema))).toMatch(/a/);
  });
});
