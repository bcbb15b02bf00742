import { afterEach, describe, expect, it } from 'vitest';
import { LABELS } from '../../../src/engine/labels.js';
import { ALICE, until, world, type World } from './ownership-fixture.js';

let w: World;
afterEach(() => w?.stop());

describe('create (either engine)', () => {
  it('the index knows a new container, with its ticket, before the engine starts it (its process presents the ticket at once)', async () => {
    w = await world();
    const build = w.call(ALICE, 'build', ['a', 'http://127.0.0.1/a.git']);
    await until('build a to run', () => w.builder.isBuilding('a'));
    w.builder.finish('a');
    await build;
    // This engine tells no events (as a swarm, which berth only looks at every pollMs): the index learns only by asking.
    const atStart: (string | undefined)[] = [];
    const start = w.engine.startContainer.bind(w.engine);
    w.engine.startContainer = async (id: string) => {
      atStart.push(w.index.getByName('web')?.labels[LABELS.ticket]);
      return start(id);
    };
    await w.call(ALICE, 'create', ['a', 'web']);
    expect(atStart).toEqual([expect.stringMatching(/.{16,}/)]);
  });
});
