import { describe, expect, it } from 'vitest';
import { ContainerIndex } from '../../src/engine/container-index.js';
import type { ContainerRecord, Engine, EngineEvent } from '../../src/engine/engine.js';
import { createLogger } from '../../src/log.js';

/** A scripted engine: pure logic of the index only; the real engine is covered by the integration suites. */
class FakeEngine {
  containers = new Map<string, ContainerRecord>();
  up = true;
  onEvent: ((e: EngineEvent) => void) | undefined;
  onEnd: ((err?: Error) => void) | undefined;
  delays = new Map<string, number>();

  private check() {
    if (!this.up) throw Object.assign(new Error('down'), { code: 'ECONNREFUSED' });
  }
  async fetchContainerIds() {
    this.check();
    return [...this.containers.keys()];
  }
  async fetchContainer(id: string) {
    this.check();
    const snapshot = this.containers.get(id);
    await new Promise((r) => setTimeout(r, this.delays.get(id) ?? 0));
    return snapshot;
  }
  async watchContainers(_d: string, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void) {
    this.check();
    this.onEvent = onEvent;
    this.onEnd = onEnd;
    return { close: () => (this.onEvent = undefined) };
  }
}

const rec = (id: string, name: string, state = 'running', domain = 'd', labels: Record<string, string> = {}, engineName = `${domain}.${name}`): ContainerRecord =>
  ({ id, name, domain, state, labels, engineName }) as ContainerRecord;
const log = createLogger('silent');

describe('ContainerIndex', () => {
  it('groups the replicas of a name: getByName is replica 1, getAll one per name, getReplicas all of them in order', async () => {
    const engine = new FakeEngine();
    engine.containers.set('3', rec('3', 'web', 'running', 'd', { 'berth.replica': '3' }, 'd.web._3'));
    engine.containers.set('1', rec('1', 'web'));
    engine.containers.set('2', rec('2', 'web', 'exited', 'd', { 'berth.replica': '2' }, 'd.web._2'));
    engine.containers.set('o', rec('o', 'other'));
    const index = new ContainerIndex(engine as unknown as Engine, 'd', log);
    await index.start();
    expect(index.getByName('web')?.id).toBe('1');
    expect(index.getReplicas('web').map((c) => c.id)).toEqual(['1', '2', '3']);
    expect(index.getAll().map((c) => c.id).sort()).toEqual(['1', 'o']);
    expect(index.getAllReplicas()).toHaveLength(4);
    engine.containers.delete('3');
    index.forget('3');
    expect(index.getReplicas('web').map((c) => c.id)).toEqual(['1', '2']);
    index.forget('1');
    // Replica 1 gone out-of-band: the name is still there, its lowest replica stands for it.
    expect(index.getByName('web')?.id).toBe('2');
    index.forget('2');
    expect(index.getByName('web')).toBeUndefined();
    expect(index.getReplicas('web')).toEqual([]);
    index.stop();
  });

  it('syncs, follows events, and reports added/removed', async () => {
    const engine = new FakeEngine();
    engine.containers.set('1', rec('1', 'a'));
    engine.containers.set('x', rec('x', 'other', 'running', 'otherdomain'));
    const index = new ContainerIndex(engine as unknown as Engine, 'd', log);
    const seen: string[] = [];
    index.on('added', (c) => seen.push(`+${c.name}`));
    index.on('removed', (c) => seen.push(`-${c.name}`));
    await index.start();
    expect(index.getAll().map((c) => c.name)).toEqual(['a']);
    engine.containers.set('2', rec('2', 'b'));
    engine.onEvent!({ id: '2', action: 'create' });
    engine.containers.delete('1');
    engine.onEvent!({ id: '1', action: 'destroy' });
    await index.refresh('1');
    await index.refresh('2');
    expect(index.getAll().map((c) => c.name)).toEqual(['b']);
    expect(seen).toEqual(['+a', '+b', '-a']);
    index.stop();
  });

  it('a look at a container that began before berth removed it does not bring it back (remove then create of the name)', async () => {
    const engine = new FakeEngine();
    engine.containers.set('1', rec('1', 'a', 'running'));
    const index = new ContainerIndex(engine as unknown as Engine, 'd', log);
    await index.start();
    // The engine's 'die' of the stop before the removal: its inspect is answered while the container still exists…
    engine.delays.set('1', 30);
    engine.onEvent!({ id: '1', action: 'die' });
    await new Promise((r) => setTimeout(r, 5));
    // …and berth's remove returns and forgets it before that answer is applied.
    engine.containers.delete('1');
    index.forget('1');
    expect(index.getByName('a')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 60));
    expect(index.getByName('a')).toBeUndefined();
    // A new container of the name is seen as usual.
    engine.delays.set('2', 0);
    engine.containers.set('2', rec('2', 'a', 'running'));
    await index.refresh('2');
    expect(index.getByName('a')?.id).toBe('2');
    index.stop();
  });

  it('applies refreshes of one container in the order they were asked for', async () => {
    const engine = new FakeEngine();
    const index = new ContainerIndex(engine as unknown as Engine, 'd', log);
    await index.start();
    engine.containers.set('1', rec('1', 'a', 'running'));
    engine.delays.set('1', 30);
    const first = index.refresh('1');
    engine.containers.set('1', rec('1', 'a', 'exited'));
    engine.delays.set('1', 0);
    await Promise.all([first, index.refresh('1')]);
    expect(index.getByName('a')?.state).toBe('exited');
    index.stop();
  });

  it('goes unavailable when the stream ends and resyncs when the engine returns', async () => {
    const engine = new FakeEngine();
    engine.containers.set('1', rec('1', 'a'));
    const index = new ContainerIndex(engine as unknown as Engine, 'd', log);
    await index.start();
    expect(index.isAvailable()).toBe(true);
    engine.up = false;
    engine.onEnd!(new Error('cut'));
    expect(index.isAvailable()).toBe(false);
    expect(() => index.assertAvailable()).toThrow(/unavailable/);
    engine.containers.delete('1');
    engine.containers.set('2', rec('2', 'b'));
    engine.up = true;
    await new Promise((r) => setTimeout(r, 1_200));
    expect(index.isAvailable()).toBe(true);
    expect(index.getAll().map((c) => c.name)).toEqual(['b']);
    index.stop();
  });

  // Engine blips: a failed refresh was swallowed, so create answered "vanished" on an engine blip and stop returned
  // stale state. A refresh now reports the engine's error to whoever asked for it; the event path only logs it.
  it('a refresh reports the engine error to its caller, and the next refresh still runs', async () => {
    const engine = new FakeEngine();
    const index = new ContainerIndex(engine as unknown as Engine, 'd', log);
    await index.start();
    engine.containers.set('1', rec('1', 'a'));
    engine.up = false;
    await expect(index.refresh('1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    engine.up = true;
    await index.refresh('1');
    expect(index.getByName('a')?.state).toBe('running');
    engine.up = false;
    engine.onEvent!({ id: '1', action: 'die' }); // the event path must not produce an unhandled rejection
    await new Promise((r) => setTimeout(r, 20));
    index.stop();
  });

  it('leaves out a replacement under its temporary name; once renamed it takes the name over without a gap', async () => {
    const engine = new FakeEngine();
    engine.containers.set('old', rec('old', 'web'));
    engine.containers.set('new', rec('new', 'web', 'running', 'd', { 'berth.replaces': 'old' }, 'd.web.next'));
    const index = new ContainerIndex(engine as unknown as Engine, 'd', log);
    const seen: string[] = [];
    index.on('added', (c) => seen.push(`+${c.id}:${index.getByName('web')?.id}`));
    index.on('removed', (c) => seen.push(`-${c.id}:${index.getByName('web')?.id}`));
    await index.start();
    expect(index.getAll().map((c) => c.id)).toEqual(['old']);
    engine.containers.set('new', rec('new', 'web', 'running', 'd', { 'berth.replaces': 'old' }, 'd.web'));
    await index.refresh('new');
    expect(index.getAll().map((c) => c.id)).toEqual(['new']);
    // while the old one is reported gone, the name already belongs to the new one (its procedures keep answering)
    expect(seen).toEqual(['+old:old', '-old:new', '+new:new']);
    index.stop();
  });
});
