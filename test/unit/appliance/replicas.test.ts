import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../../../src/engine/engine.js';
import { LABELS } from '../../../src/engine/labels.js';
import { checkContainerTicket } from '../../../src/tenancy/container-credentials.js';
import { ALICE, BOB, D, record, until, world, type Who, type World } from './ownership-fixture.js';

let w: World;
afterEach(() => w?.stop());

async function built(who: Who, name: string): Promise<void> {
  const call = w.call(who, 'build', [name, `http://127.0.0.1/${name}.git`]);
  await until(`build ${name} to run`, () => w.builder.isBuilding(name));
  w.builder.finish(name);
  await call;
}

const engineContainers = () => [...w.engine.containers.values()].sort((a, b) => a.engineName.localeCompare(b.engineName));
const envOf = (c: ContainerRecord, key: string) => c.env.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
type Dict = { name: string; id: string; replicas: { wanted: number; running: number; list?: { replica: number; id: string; state: string }[] } };

describe('replicas behind one domain', () => {
  it('create(…, replicas=3): three engine containers with one domain and authid, each its own ticket, REPLICA and label', async () => {
    w = await world();
    await built(ALICE, 'a');
    const dict = (await w.call(ALICE, 'create', ['a', 'web', { MODE: 'x' }, {}, 3])) as Dict;
    expect(dict.replicas).toEqual({ wanted: 3, running: 3 });
    const all = engineContainers();
    expect(all.map((c) => c.engineName)).toEqual([`${D}.web`, `${D}.web._2`, `${D}.web._3`]);
    expect(all.map((c) => c.labels[LABELS.replica])).toEqual(['1', '2', '3']);
    expect(all.map((c) => envOf(c, 'REPLICA'))).toEqual(['1', '2', '3']);
    expect(new Set(all.map((c) => envOf(c, 'DOMAIN')))).toEqual(new Set([`${D}.web`]));
    expect(new Set(all.map((c) => envOf(c, 'WAMP_AUTHID')))).toEqual(new Set([`${D}.web`]));
    expect(all.map((c) => envOf(c, 'MODE'))).toEqual(['x', 'x', 'x']);
    expect(new Set(all.map((c) => envOf(c, 'WAMP_TICKET'))).size).toBe(3);
    expect(new Set(all.map((c) => c.labels[LABELS.ticket])).size).toBe(3);
    expect(all.every((c) => c.labels[LABELS.owner] === 'alice')).toBe(true);
    // D/list: one entry per name; the keyword form of create works too.
    expect(await w.call(ALICE, 'list')).toEqual([expect.objectContaining({ name: 'web', replicas: { wanted: 3, running: 3 } })]);
    await w.call(ALICE, 'create', ['a', 'one'], { replicas: 1 });
    expect(((await w.call(ALICE, 'one/inspect')) as Dict).replicas).toMatchObject({ wanted: 1, running: 1 });
    const inspect = (await w.call(ALICE, 'web/inspect')) as Dict;
    expect(inspect.replicas.list!.map((r) => [r.replica, r.state])).toEqual([[1, 'running'], [2, 'running'], [3, 'running']]);
  });

  it("each replica's ticket passes as D.N and says which replica it is; a removed replica's ticket no longer does", async () => {
    w = await world();
    await built(ALICE, 'a');
    await w.call(ALICE, 'create', ['a', 'web', {}, {}, 2]);
    const [one, two] = engineContainers();
    const check = (ticket: unknown) => checkContainerTicket(D, (n) => w.index.getReplicas(n), `${D}.web`, ticket);
    expect(check(envOf(one!, 'WAMP_TICKET'))).toEqual({ ok: true, name: 'web', replica: 1 });
    expect(check(envOf(two!, 'WAMP_TICKET'))).toEqual({ ok: true, name: 'web', replica: 2 });
    expect(check('forged')).toMatchObject({ ok: false });
    await w.call(ALICE, 'web/scale', [1]);
    expect(check(envOf(two!, 'WAMP_TICKET'))).toMatchObject({ ok: false });
  });

  it('scale up makes the missing replicas like replica 1; scale down stops and removes the highest; the endpoints stay', async () => {
    w = await world();
    await built(ALICE, 'a');
    const first = (await w.call(ALICE, 'create', ['a', 'web', { MODE: 'y' }, { pids: 64 }])) as Dict;
    expect(((await w.call(ALICE, 'web/scale', [3])) as Dict).replicas).toEqual({ wanted: 3, running: 3 });
    const all = engineContainers();
    expect(all.map((c) => [c.engineName, envOf(c, 'MODE'), envOf(c, 'REPLICA'), c.labels[LABELS.owner], c.imageId])).toEqual([
      [`${D}.web`, 'y', '1', 'alice', all[0]!.imageId],
      [`${D}.web._2`, 'y', '2', 'alice', all[0]!.imageId],
      [`${D}.web._3`, 'y', '3', 'alice', all[0]!.imageId],
    ]);
    const stopped: string[] = [];
    const stop = w.engine.stopContainer.bind(w.engine);
    w.engine.stopContainer = async (id: string) => void stopped.push(id) ?? stop(id);
    const down = (await w.call(ALICE, 'web/scale', [], { replicas: 1 })) as Dict;
    expect(down).toMatchObject({ id: first.id, replicas: { wanted: 1, running: 1 } });
    expect(stopped).toEqual([all[2]!.id, all[1]!.id]);
    expect(engineContainers().map((c) => c.engineName)).toEqual([`${D}.web`]);
    expect(((await w.call(ALICE, 'web/inspect')) as Dict).name).toBe('web');
    expect(w.revoked).toEqual([]);
    // Scale to the count it has: nothing changes.
    expect(((await w.call(ALICE, 'web/scale', [1])) as Dict).id).toBe(first.id);
  });

  it('start, stop, restart and remove act on every replica; logs and top tell each; the endpoints go with the last', async () => {
    w = await world();
    await built(ALICE, 'a');
    await w.call(ALICE, 'create', ['a', 'web', {}, {}, 3]);
    expect(((await w.call(ALICE, 'web/stop')) as Dict).replicas).toEqual({ wanted: 3, running: 0 });
    expect(engineContainers().map((c) => c.state)).toEqual(['exited', 'exited', 'exited']);
    expect(((await w.call(ALICE, 'web/start')) as Dict).replicas).toEqual({ wanted: 3, running: 3 });
    expect(((await w.call(ALICE, 'web/restart')) as Dict).replicas).toEqual({ wanted: 3, running: 3 });
    expect(await w.call(ALICE, 'web/logs')).toBe('[1] a log line\n[2] a log line\n[3] a log line\n');
    const top = (await w.call(ALICE, 'web/top')) as { pids: number; replicas: { replica: number; pids: number }[] };
    expect(top.pids).toBe(1);
    expect(top.replicas.map((r) => r.replica)).toEqual([1, 2, 3]);
    expect(await w.call(ALICE, 'remove', ['web'])).toEqual({ name: 'web', removed: true });
    expect(engineContainers()).toEqual([]);
    await expect(w.call(ALICE, 'web/start')).rejects.toMatchObject({ uri: 'wamp.error.no_such_procedure' });
    expect(w.revoked).toEqual([`${D}.web`]);
  });

  it('a one-replica container answers as before: logs unprefixed, top without replicas', async () => {
    w = await world();
    await built(ALICE, 'a');
    await w.call(ALICE, 'create', ['a', 'web']);
    expect(await w.call(ALICE, 'web/logs')).toBe('a log line\n');
    expect(await w.call(ALICE, 'web/top')).not.toHaveProperty('replicas');
  });

  it('quotas.replicas counts replicas beyond each container\'s first, per owner; over it nothing is made', async () => {
    w = await world({ quotas: { containers: 50, builds: 2, replicas: 3 } });
    await built(ALICE, 'a');
    await built(BOB, 'b');
    await w.call(ALICE, 'create', ['a', 'one', {}, {}, 3]); // 2 of 3
    expect(await w.outcome(ALICE, 'create', ['a', 'two', {}, {}, 3])).toBe('berth.error.quota_exceeded');
    expect(w.index.getByName('two')).toBeUndefined();
    await expect(w.call(ALICE, 'one/scale', [5])).rejects.toMatchObject({ details: { quota: 'replicas', limit: 3 } });
    expect(w.index.getReplicas('one')).toHaveLength(3);
    expect(await w.outcome(ALICE, 'one/scale', [4])).toBe('ok'); // 3 of 3
    expect(await w.outcome(ALICE, 'create', ['a', 'two'])).toBe('ok'); // a first replica counts under containers only
    expect(await w.outcome(ALICE, 'two/scale', [2])).toBe('berth.error.quota_exceeded');
    // Another owner's count is its own.
    expect(await w.outcome(BOB, 'create', ['b', 'bweb', {}, {}, 4])).toBe('ok');
    // Concurrent scale-ups of one owner cannot overshoot.
    await w.call(ALICE, 'one/scale', [1]);
    const outcomes = await Promise.all([w.outcome(ALICE, 'one/scale', [4]), w.outcome(ALICE, 'two/scale', [4])]);
    expect(outcomes.sort()).toEqual(['berth.error.quota_exceeded', 'ok']);
  });

  it('maxReplicas bounds one container; replicas must be a whole number from 1', async () => {
    w = await world({}, { max: 4 });
    await built(ALICE, 'a');
    await expect(w.call(ALICE, 'create', ['a', 'web', {}, {}, 5])).rejects.toMatchObject({ uri: 'wamp.error.invalid_argument', details: { cap: 'maxReplicas' } });
    expect(engineContainers()).toEqual([]);
    for (const bad of [0, -1, 1.5, '2', true]) expect(await w.outcome(ALICE, 'create', ['a', 'web', {}, {}, bad]), String(bad)).toBe('wamp.error.invalid_argument');
    await w.call(ALICE, 'create', ['a', 'web', {}, {}, 4]);
    expect(await w.outcome(ALICE, 'web/scale', [5])).toBe('wamp.error.invalid_argument');
    expect(await w.outcome(ALICE, 'web/scale', [0])).toBe('wamp.error.invalid_argument');
    expect(await w.outcome(ALICE, 'web/scale')).toBe('wamp.error.invalid_argument');
  });

  it('an image with Run.yaml Volumes allows one replica: create and scale refuse more with invalid_argument', async () => {
    w = await world();
    await built(ALICE, 'a');
    const image = [...w.engine.images.values()].find((i) => i.name === 'a')!;
    w.engine.images.set(image.id, { ...image, labels: { ...image.labels, [LABELS.volumes]: '["/data"]' } });
    await expect(w.call(ALICE, 'create', ['a', 'web', {}, {}, 2])).rejects.toMatchObject({ uri: 'wamp.error.invalid_argument', message: expect.stringContaining('Volumes') });
    expect(engineContainers()).toEqual([]);
    w.engine.images.set(image.id, image);
    await w.call(ALICE, 'create', ['a', 'web']);
    w.engine.images.set(image.id, { ...image, labels: { ...image.labels, [LABELS.volumes]: '["/data"]' } });
    expect(await w.outcome(ALICE, 'web/scale', [2])).toBe('wamp.error.invalid_argument');
    expect(engineContainers()).toHaveLength(1);
  });

  it('engine: swarm refuses more than one replica with not_supported', async () => {
    w = await world({}, { swarm: true });
    await built(ALICE, 'a');
    expect(await w.outcome(ALICE, 'create', ['a', 'web', {}, {}, 2])).toBe('berth.error.not_supported');
    expect(await w.outcome(ALICE, 'create', ['a', 'web'])).toBe('ok');
    expect(await w.outcome(ALICE, 'web/scale', [2])).toBe('berth.error.not_supported');
  });

  it('another owner can neither scale nor see the replicas', async () => {
    w = await world();
    await built(ALICE, 'a');
    await w.call(ALICE, 'create', ['a', 'web', {}, {}, 2]);
    expect(await w.outcome(BOB, 'web/scale', [3])).toBe('wamp.error.not_authorized');
    expect(await w.outcome(BOB, 'web/scale', [1])).toBe('wamp.error.not_authorized');
    expect(w.index.getReplicas('web')).toHaveLength(2);
  });

  it('all or nothing: a replica that cannot start undoes the create, or only that scale up', async () => {
    w = await world();
    await built(ALICE, 'a');
    const start = w.engine.startContainer.bind(w.engine);
    w.engine.startContainer = async (id: string) => {
      if (w.engine.containers.get(id)?.labels[LABELS.replica] === '3') throw new Error('engine refused replica 3');
      return start(id);
    };
    await expect(w.call(ALICE, 'create', ['a', 'web', {}, {}, 3])).rejects.toThrow('engine refused replica 3');
    expect(engineContainers()).toEqual([]);
    expect(w.index.getByName('web')).toBeUndefined();
    await w.call(ALICE, 'create', ['a', 'web']);
    await expect(w.call(ALICE, 'web/scale', [4])).rejects.toThrow('engine refused replica 3');
    expect(engineContainers().map((c) => c.engineName)).toEqual([`${D}.web`]);
    expect(await w.outcome(ALICE, 'web/scale', [2])).toBe('ok');
  });

  it('updateImage with containers refuses a container of several replicas, replacing nothing', async () => {
    w = await world();
    await built(ALICE, 'a');
    await w.call(ALICE, 'create', ['a', 'web', {}, {}, 2]);
    const ids = engineContainers().map((c) => c.id);
    const update = w.outcome(ALICE, 'updateImage', ['a'], { updateContainers: true });
    await until('rebuild', () => w.builder.isBuilding('a'));
    w.builder.finish('a');
    expect(await update).toBe('berth.error.not_supported');
    expect(engineContainers().map((c) => c.id)).toEqual(ids);
  });

  it('a replica a killed berth left created but never started is removed at start; the others stay, and wanted is what exists', async () => {
    w = await world({}, {}, (engine) => {
      const labels = (replica: string) => ({ [LABELS.domain]: D, [LABELS.name]: 'web', [LABELS.origin]: 'berth', [LABELS.owner]: 'alice', [LABELS.replica]: replica });
      engine.containers.set('r1', { ...record('r1', `${D}.web`, 'web', 'a', 'sha256:x', labels('1')), state: 'running' });
      engine.containers.set('r2', { ...record('r2', `${D}.web._2`, 'web', 'a', 'sha256:x', labels('2')), state: 'running' });
      engine.containers.set('r3', record('r3', `${D}.web._3`, 'web', 'a', 'sha256:x', labels('3')));
      // Made before replicas: no label, replica 1 of 1.
      engine.containers.set('old', { ...record('old', `${D}.old`, 'old', 'a', 'sha256:x', { [LABELS.domain]: D, [LABELS.name]: 'old', [LABELS.owner]: 'alice' }), state: 'running' });
    });
    expect([...w.engine.containers.keys()].sort()).toEqual(['old', 'r1', 'r2']);
    expect(await w.call(ALICE, 'list')).toEqual([
      expect.objectContaining({ name: 'old', replicas: { wanted: 1, running: 1 } }),
      expect.objectContaining({ name: 'web', id: 'r1', replicas: { wanted: 2, running: 2 } }),
    ]);
  });
});
