import { afterEach, describe, expect, it } from 'vitest';
import { LABELS } from '../../../src/engine/labels.js';
import { ADMIN, ALICE, ANON, BOB, D, until, world, type Who, type World } from './ownership-fixture.js';

type Item = { name: string; owner: string };

let w: World;
afterEach(() => w?.stop());

/** A finished build of `name` by `who`. */
async function built(who: Who, name: string): Promise<void> {
  const call = w.call(who, 'build', [name, `http://127.0.0.1/${name}.git`]);
  await until(`build ${name} to run`, () => w.builder.isBuilding(name));
  w.builder.finish(name);
  await call;
}

const names = (items: unknown) => (items as Item[]).map((i) => i.name);

describe('callers own what they create', () => {
  it('each sees only their own containers and images, each item with its owner; an admin sees all', async () => {
    w = await world();
    await built(ALICE, 'a');
    await built(BOB, 'b');
    await w.call(ALICE, 'create', ['a', 'web']);
    await w.call(BOB, 'create', ['b', 'bweb']);
    expect(await w.call(ALICE, 'list')).toEqual([expect.objectContaining({ name: 'web', owner: 'alice' })]);
    expect(await w.call(BOB, 'list')).toEqual([expect.objectContaining({ name: 'bweb', owner: 'bob' })]);
    expect(await w.call(ALICE, 'images')).toEqual([expect.objectContaining({ name: 'a', owner: 'alice' })]);
    expect(names(await w.call(BOB, 'images'))).toEqual(['b']);
    expect(await w.call(ADMIN, 'list')).toEqual([expect.objectContaining({ name: 'bweb', owner: 'bob' }), expect.objectContaining({ name: 'web', owner: 'alice' })]);
    expect(names(await w.call(ADMIN, 'images'))).toEqual(['a', 'b']);
    expect(await w.call(ANON, 'list')).toEqual([]);
    const labels = [...w.engine.containers.values()].find((c) => c.name === 'web')!.labels;
    expect(labels).toMatchObject({ [LABELS.owner]: 'alice', [LABELS.ownerRole]: 'user' });
    expect([...w.engine.images.values()].find((i) => i.name === 'a')!.labels).toMatchObject({ [LABELS.owner]: 'alice', [LABELS.ownerRole]: 'user' });
  });

  it("answers not_authorized, naming the item, for every procedure on another owner's container or image", async () => {
    w = await world();
    await built(ALICE, 'a');
    await w.call(ALICE, 'create', ['a', 'web']);
    for (const op of ['start', 'stop', 'restart', 'inspect', 'logs', 'top', 'image']) {
      await expect(w.call(BOB, `web/${op}`), op).rejects.toMatchObject({ uri: 'wamp.error.not_authorized', message: expect.stringContaining('container "web"') });
    }
    await expect(w.call(BOB, 'remove', ['web'])).rejects.toMatchObject({ uri: 'wamp.error.not_authorized', message: expect.stringContaining('"web"') });
    await expect(w.call(BOB, 'removeImage', ['a'])).rejects.toMatchObject({ uri: 'wamp.error.not_authorized', message: expect.stringContaining('image "a"') });
    await expect(w.call(BOB, 'updateImage', ['a'])).rejects.toMatchObject({ uri: 'wamp.error.not_authorized', message: expect.stringContaining('image "a"') });
    await expect(w.call(BOB, 'build', ['a', 'http://127.0.0.1/b.git'])).rejects.toMatchObject({ uri: 'wamp.error.not_authorized', message: expect.stringContaining('"a"') });
    await expect(w.call(BOB, 'create', ['a', 'bweb'])).rejects.toMatchObject({ uri: 'wamp.error.not_authorized', message: expect.stringContaining('image "a"') });
    // Names stay global: a taken name is taken, whoever holds it.
    expect(await w.outcome(BOB, 'create', ['a', 'web'])).toBe('berth.error.already_exists');
    // A running build of Alice's: Bob can neither cancel it nor start one of that name.
    const running = w.call(ALICE, 'build', ['c', 'http://127.0.0.1/c.git']);
    await until('build c', () => w.builder.isBuilding('c'));
    expect(await w.outcome(BOB, 'cancelBuild', ['c'])).toBe('wamp.error.not_authorized');
    expect(await w.outcome(BOB, 'build', ['c', 'http://127.0.0.1/c.git'])).toBe('wamp.error.not_authorized');
    expect(await w.outcome(ALICE, 'build', ['c', 'http://127.0.0.1/c.git'])).toBe('berth.error.busy');
    w.builder.finish('c');
    await running;
    // Nothing changed.
    expect([...w.engine.containers.values()].map((c) => [c.name, c.state])).toEqual([['web', 'running']]);
    expect(names(await w.call(ALICE, 'images'))).toEqual(['a', 'c']);
  });

  it('an admin sees and manages everything; create may use admin-built images, not other owners\'', async () => {
    w = await world();
    await built(ALICE, 'a');
    await built(ADMIN, 'base');
    await w.call(ALICE, 'create', ['a', 'web']);
    expect(await w.outcome(BOB, 'create', ['base', 'bweb'])).toBe('ok');
    expect(await w.call(BOB, 'list')).toEqual([expect.objectContaining({ name: 'bweb', owner: 'bob' })]);
    expect(await w.outcome(ADMIN, 'web/stop')).toBe('ok');
    expect(await w.outcome(ADMIN, 'web/inspect')).toBe('ok');
    expect(await w.outcome(ADMIN, 'remove', ['bweb'])).toBe('ok');
    expect(await w.outcome(ADMIN, 'remove', ['web'])).toBe('ok');
    expect(await w.outcome(ADMIN, 'removeImage', ['a'])).toBe('ok');
    // An admin's image stays the admin's: Bob may use it, not remove it.
    expect(await w.outcome(BOB, 'removeImage', ['base'])).toBe('wamp.error.not_authorized');
  });

  it('items made before owners existed (no berth.owner label) belong to anonymous', async () => {
    w = await world();
    w.engine.addImage('old');
    await w.call(ANON, 'create', ['old', 'legacy']);
    const c = [...w.engine.containers.values()][0]!;
    const { [LABELS.owner]: _o, [LABELS.ownerRole]: _r, ...unlabelled } = c.labels;
    w.engine.containers.set(c.id, { ...c, labels: unlabelled });
    await w.appliance['ops'].index.refresh(c.id);
    expect(await w.call(ANON, 'list')).toEqual([expect.objectContaining({ name: 'legacy', owner: 'anonymous' })]);
    expect(await w.call(ANON, 'images')).toEqual([expect.objectContaining({ name: 'old', owner: 'anonymous' })]);
    expect(await w.call(ALICE, 'list')).toEqual([]);
    expect(await w.outcome(ALICE, 'legacy/stop')).toBe('wamp.error.not_authorized');
    expect(await w.outcome({ authid: 'another-anonymous', authrole: 'anonymous' }, 'legacy/stop')).toBe('ok');
  });

  it('in owner mode a call without caller disclosure is refused, explaining why, and berth warns once', async () => {
    w = await world();
    w.engine.addImage('img');
    for (const op of ['list', 'images', 'create']) {
      await expect(w.call(undefined, op, op === 'create' ? ['img', 'x'] : [])).rejects.toMatchObject({
        uri: 'wamp.error.not_authorized',
        message: expect.stringMatching(/caller disclosure.*berth's role/),
      });
    }
    expect(await w.outcome({ session: 1 } as Who, 'list')).toBe('wamp.error.not_authorized');
    expect(w.engine.containers.size).toBe(0);
    expect(w.log.filter((l) => /disclose/.test(String(l.msg)) && l.level === 40)).toHaveLength(1);
  });

  it('open mode filters and refuses nothing, but records owners', async () => {
    w = await world({ callers: 'open' });
    await built(ALICE, 'a');
    await w.call(ALICE, 'create', ['a', 'web']);
    expect(await w.call(BOB, 'list')).toEqual([expect.objectContaining({ name: 'web', owner: 'alice' })]);
    expect(await w.call(undefined, 'list')).toEqual([expect.objectContaining({ name: 'web' })]);
    expect(await w.outcome(BOB, 'create', ['a', 'bweb'])).toBe('ok');
    expect(await w.outcome(undefined, 'create', ['a', 'nobody'])).toBe('ok');
    expect(await w.outcome(BOB, 'web/stop')).toBe('ok');
    expect(await w.outcome(BOB, 'remove', ['web'])).toBe('ok');
    expect(await w.outcome(BOB, 'removeImage', ['a'])).toBe('berth.error.in_use');
    expect(await w.call(BOB, 'list')).toEqual([expect.objectContaining({ name: 'bweb', owner: 'bob' }), expect.objectContaining({ name: 'nobody', owner: 'anonymous' })]);
  });

  it('the builds quota holds per owner, also for builds started at the same moment', async () => {
    w = await world({ quotas: { containers: 50, builds: 1, replicas: 8 } });
    const a1 = w.call(ALICE, 'build', ['a1', 'http://127.0.0.1/a1.git']);
    const a2 = w.outcome(ALICE, 'build', ['a2', 'http://127.0.0.1/a2.git']);
    const b1 = w.call(BOB, 'build', ['b1', 'http://127.0.0.1/b1.git']);
    expect(await a2).toBe('berth.error.quota_exceeded');
    await until('builds', () => w.builder.isBuilding('a1') && w.builder.isBuilding('b1'));
    expect(w.builder.isBuilding('a2')).toBe(false);
    w.builder.finish('a1');
    w.builder.finish('b1');
    await Promise.all([a1, b1]);
    await built(ALICE, 'a2');
  });

  it('the containers quota holds per owner, also for concurrent creates, and nothing is created over it', async () => {
    w = await world({ quotas: { containers: 2, builds: 2, replicas: 8 } });
    w.engine.addImage('img', { [LABELS.owner]: 'alice' });
    w.engine.addImage('bimg', { [LABELS.owner]: 'bob' });
    w.engine.createDelayMs = 20;
    const outcomes = await Promise.all(['w1', 'w2', 'w3', 'w4', 'w5'].map((n) => w.outcome(ALICE, 'create', ['img', n])));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'berth.error.quota_exceeded')).toHaveLength(3);
    expect(w.engine.containers.size).toBe(2);
    await expect(w.call(ALICE, 'create', ['img', 'w6'])).rejects.toMatchObject({ uri: 'berth.error.quota_exceeded', message: expect.stringContaining('quotas.containers') });
    expect(await w.outcome(BOB, 'create', ['bimg', 'b1'])).toBe('ok');
    const [first] = (await w.call(ALICE, 'list')) as Item[];
    await w.call(ALICE, 'remove', [first!.name]);
    expect(await w.outcome(ALICE, 'create', ['img', 'w7'])).toBe('ok');
  });

  it('writes one audit line per changing call, with procedure, name, caller and outcome, and none for reads', async () => {
    w = await world();
    await built(ALICE, 'a');
    await w.call(ALICE, 'create', ['a', 'web'], { environment: { SECRET: 'hunter2' } });
    await w.outcome(BOB, 'web/stop');
    await w.call(ALICE, 'web/restart');
    await w.call(ALICE, 'list');
    await w.call(ALICE, 'web/inspect');
    await w.outcome(ALICE, 'remove', ['nosuch']);
    await w.call(ALICE, 'remove', ['web']);
    const audit = w.log.filter((l) => l.msg === 'audit').map(({ procedure, name, authid, authrole, outcome }) => ({ procedure, name, authid, authrole, outcome }));
    expect(audit).toEqual([
      { procedure: `${D}/build`, name: 'a', authid: 'alice', authrole: 'user', outcome: 'ok' },
      { procedure: `${D}/create`, name: 'web', authid: 'alice', authrole: 'user', outcome: 'ok' },
      { procedure: `${D}/web/stop`, name: 'web', authid: 'bob', authrole: 'user', outcome: 'wamp.error.not_authorized' },
      { procedure: `${D}/web/restart`, name: 'web', authid: 'alice', authrole: 'user', outcome: 'ok' },
      { procedure: `${D}/remove`, name: 'nosuch', authid: 'alice', authrole: 'user', outcome: 'berth.error.not_found' },
      { procedure: `${D}/remove`, name: 'web', authid: 'alice', authrole: 'user', outcome: 'ok' },
    ]);
    const text = JSON.stringify(w.log);
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/WAMP_TICKET=/);
  });

  it('build events go only to the owner and admin roles; buildOwner follows the running build, then the image', async () => {
    w = await world();
    const running = w.call(ALICE, 'build', ['a', 'http://127.0.0.1/a.git']);
    await until('build a', () => w.builder.isBuilding('a'));
    expect(await w.appliance.buildOwner('a')).toBe('alice');
    w.builder.finish('a');
    await running;
    expect(await w.appliance.buildOwner('a')).toBe('alice');
    expect(await w.appliance.buildOwner('nothing')).toBeUndefined();
    const events = w.session.published.filter((p) => p.topic === `${D}/build/a`);
    expect(events.length).toBeGreaterThan(0);
    // Every event goes out twice: to the owner, and to admins other than the owner.
    expect(events.map((e) => e.options)).toEqual(
      events.map((_, i) => (i % 2 === 0 ? { eligible_authid: ['alice'] } : { eligible_authrole: ['admin'], exclude_authid: ['alice'] })),
    );
    await built(ANON, 'b');
    expect(new Set(w.session.published.filter((p) => p.topic === `${D}/build/b`).map((e) => JSON.stringify(e.options)))).toEqual(
      new Set([JSON.stringify({ eligible_authrole: ['anonymous', 'admin'] })]),
    );
    expect(await w.appliance.buildOwner('b')).toBe('anonymous');
  });

  it('open mode publishes build events to everyone', async () => {
    w = await world({ callers: 'open' });
    await built(ALICE, 'a');
    expect(w.session.published.every((p) => Object.keys(p.options ?? {}).length === 0)).toBe(true);
  });

  it("remove revokes the container's sessions; a replacement keeps the owner and the ticket; a re-created name gets a new ticket", async () => {
    w = await world();
    await built(ALICE, 'a');
    await w.call(ALICE, 'create', ['a', 'web']);
    const ticketOf = () => [...w.engine.containers.values()].find((c) => c.name === 'web')!.env.find((e) => e.startsWith('WAMP_TICKET='));
    const before = ticketOf();
    const hashBefore = [...w.engine.containers.values()][0]!.labels[LABELS.ticket];
    const update = w.call(ADMIN, 'updateImage', ['a'], { updateContainers: true });
    await until('rebuild', () => w.builder.isBuilding('a'));
    w.builder.finish('a');
    expect(await update).toMatchObject({ containers: ['web'] });
    const replaced = [...w.engine.containers.values()].find((c) => c.name === 'web')!;
    expect(replaced.labels).toMatchObject({ [LABELS.owner]: 'alice', [LABELS.ownerRole]: 'user', [LABELS.ticket]: hashBefore });
    expect(ticketOf()).toBe(before);
    // The rebuilt image stays Alice's although the admin rebuilt it; images lists one entry per name (its current release).
    expect(((await w.call(ALICE, 'images')) as Item[]).map((i) => [i.name, i.owner])).toEqual([['a', 'alice']]);
    expect(w.revoked).toEqual([]);
    await w.call(ALICE, 'remove', ['web']);
    expect(w.revoked).toEqual([`${D}.web`]);
    await w.call(ALICE, 'create', ['a', 'web']);
    expect(ticketOf()).not.toBe(before);
  });

  it('a container caller acts as the owner of its container, only with containers.callAppliance', async () => {
    w = await world({ callAppliance: true });
    await built(ALICE, 'a');
    await built(BOB, 'b');
    await w.call(ALICE, 'create', ['a', 'web']);
    await w.call(BOB, 'create', ['b', 'bweb']);
    const web = { authid: `${D}.web`, authrole: 'container' };
    expect(names(await w.call(web, 'list'))).toEqual(['web']);
    expect(await w.outcome(web, 'bweb/stop')).toBe('wamp.error.not_authorized');
    expect(await w.outcome(web, 'create', ['a', 'child'])).toBe('ok');
    expect(await w.call(ALICE, 'list')).toEqual([expect.objectContaining({ name: 'child', owner: 'alice' }), expect.objectContaining({ name: 'web' })]);
    expect(await w.outcome({ authid: `${D}.nosuch`, authrole: 'container' }, 'list')).toBe('wamp.error.not_authorized');
    w.stop();
    w = await world({ callAppliance: false });
    expect(await w.outcome({ authid: `${D}.web`, authrole: 'container' }, 'list')).toBe('wamp.error.not_authorized');
  });
});
