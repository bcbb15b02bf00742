import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/keyed-lock.js';

describe('KeyedLock', () => {
  it('runs operations on one key one after another, other keys in parallel, and forgets idle keys', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const op = (key: string, tag: string, ms: number) =>
      lock.run(key, async () => {
        order.push(`${tag}+`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`${tag}-`);
        return tag;
      });
    const results = await Promise.all([op('a', 'a1', 30), op('a', 'a2', 1), op('b', 'b1', 5)]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(order.indexOf('a1-')).toBeLessThan(order.indexOf('a2+'));
    expect(order.indexOf('b1+')).toBeLessThan(order.indexOf('a1-'));
    expect(lock.size).toBe(0);
  });

  it('a failing operation releases the key', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('k', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(lock.run('k', async () => 1)).resolves.toBe(1);
    expect(lock.size).toBe(0);
  });
});
