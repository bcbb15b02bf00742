import { describe, expect, it } from 'vitest';
import { BuildSlots } from '../../../src/pipeline/build-slots.js';
import { BerthError } from '../../../src/errors.js';

describe('BuildSlots', () => {
  it('runs up to the limit, queues the rest in order, and lets an aborted waiter leave', async () => {
    const slots = new BuildSlots(1);
    const r1 = await slots.acquire(new AbortController().signal);
    const order: string[] = [];
    const abort = new AbortController();
    const w2 = slots.acquire(abort.signal).then((r) => (order.push('2'), r));
    const w3 = slots.acquire(new AbortController().signal).then((r) => (order.push('3'), r));
    expect(slots.queued).toBe(2);
    abort.abort(new BerthError('canceled', 'x'));
    await expect(w2).rejects.toMatchObject({ code: 'canceled' });
    r1();
    r1(); // releasing twice frees one slot only
    (await w3)();
    expect(order).toEqual(['3']);
    expect(slots.active).toBe(0);
  });
});

