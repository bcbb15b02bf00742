import { describe, expect, it } from 'vitest';
import { StartGate } from '../../../src/daemon/start-gate.js';
import type { Call, Handler } from '../../../src/wamp/call.js';
import type { WampSession } from '../../../src/wamp/wamp-session.js';

/** A session that records what is registered and how often the router was asked. */
function fakeSession(refuse: ReadonlySet<string> = new Set()) {
  const handlers = new Map<string, Handler>();
  const held = new Set<string>();
  let requests = 0;
  const session: WampSession = {
    start: () => undefined,
    stop: async () => undefined,
    register: async (uri, handler) => {
      handlers.set(uri, handler);
      if (held.has(uri)) return; // already held: the session's bookkeeping sends nothing
      requests++;
      if (refuse.has(uri)) throw new Error(`refused ${uri}`);
      held.add(uri);
    },
    unregister: async (uri) => {
      handlers.delete(uri);
      held.delete(uri);
    },
    publish: async () => undefined,
    subscribe: async () => undefined,
    call: async () => undefined,
    onJoined: () => undefined,
  };
  return { session, handlers, held, requests: () => requests };
}

const call: Call = { procedure: 'd/list', args: [], kwargs: {} };

describe('StartGate: berth joins while it starts, and still answers nothing before the start is done', () => {
  it('holds a call that arrives while berth starts until release, then answers it', async () => {
    const fake = fakeSession();
    const gate = new StartGate(fake.session);
    let view = 'half-read';
    await gate.session.register('d/list', async () => view);
    let answer: unknown;
    const pending = fake.handlers.get('d/list')!(call).then((a) => (answer = a));
    await new Promise((r) => setTimeout(r, 20));
    expect(answer).toBeUndefined();
    view = 'complete';
    gate.release();
    await pending;
    expect(answer).toBe('complete');
    // Once open, a call is answered at once.
    expect(await fake.handlers.get('d/list')!(call)).toBe('complete');
  });

  it('settle: counts what the router holds, without registering anything twice; a refused one is not counted', async () => {
    const fake = fakeSession(new Set(['d/c1/top']));
    const gate = new StartGate(fake.session);
    await gate.session.register('d/list', async () => 1);
    await gate.session.register('d/c0/top', async () => 1);
    await gate.session.register('d/c1/top', async () => 1).catch(() => undefined);
    await gate.session.register('d/gone/top', async () => 1);
    await gate.session.unregister('d/gone/top');
    const before = fake.requests();
    expect(await gate.settle()).toBe(2);
    // Only the refused one was asked again.
    expect(fake.requests() - before).toBe(1);
    expect([...fake.held].sort()).toEqual(['d/c0/top', 'd/list']);
  });
});
