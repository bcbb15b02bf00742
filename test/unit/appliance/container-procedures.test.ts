import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, until, world, type World } from './ownership-fixture.js';

let w: World;
afterEach(() => w?.stop());

/** berth serves every `D/<name>/<op>` through one prefix registration `D/`, dispatching by the concrete procedure. */
describe('per-container procedures through one prefix registration', () => {
  async function withWeb1(): Promise<void> {
    w = await world();
    const build = w.call(ALICE, 'build', ['app', 'http://127.0.0.1/app.git']);
    await until('build app to run', () => w.builder.isBuilding('app'));
    w.builder.finish('app');
    await build;
    await w.call(ALICE, 'create', ['app', 'web1']);
  }

  it('answers wamp.error.no_such_procedure for an unknown container, an unknown operation and extra path components', async () => {
    await withWeb1();
    for (const op of ['ghost/top', 'web1/nosuchop', 'web1/top/extra', 'web1', 'web1/', '/top', 'ghost/nosuchop']) {
      await expect(w.call(ALICE, op), op).rejects.toMatchObject({ uri: 'wamp.error.no_such_procedure' });
    }
    await expect(w.call(ALICE, 'ghost/top')).rejects.toMatchObject({ message: expect.stringContaining('no container named "ghost"') });
    await expect(w.call(ALICE, 'web1/nosuchop')).rejects.toMatchObject({ message: expect.stringContaining('no procedure own.test/web1/nosuchop') });
  });

  it("a known container's operations answer; another owner's container is not_authorized; a removed one is no_such_procedure at once", async () => {
    await withWeb1();
    expect(await w.call(ALICE, 'web1/inspect')).toMatchObject({ name: 'web1', state: 'running' });
    expect(await w.call(ALICE, 'web1/top')).toMatchObject({ processes: [{ PID: '1' }] });
    expect(await w.outcome(ALICE, 'web1/stop')).toBe('ok');
    await expect(w.call(BOB, 'web1/top')).rejects.toMatchObject({ uri: 'wamp.error.not_authorized', message: expect.stringContaining('container "web1"') });
    await w.call(ALICE, 'remove', ['web1']);
    await expect(w.call(ALICE, 'web1/top')).rejects.toMatchObject({ uri: 'wamp.error.no_such_procedure' });
  });

  it('registers the appliance exactly and the containers as one prefix, whatever the number of containers', async () => {
    await withWeb1();
    await w.call(ALICE, 'create', ['app', 'web2']);
    expect([...w.session.prefixes.keys()]).toEqual(['own.test/']);
    expect([...w.session.handlers.keys()].filter((u) => u.startsWith('own.test/web'))).toEqual([]);
  });
});
