import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, containersOf, docker, imagesOf, makeImage, testDomain } from '../helpers/docker.js';
import { EngineProxy } from '../helpers/engine-proxy.js';
import { startTestRouter } from '../helpers/test-router.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const OPS = ['exec', 'image', 'inspect', 'logs', 'restart', 'scale', 'start', 'stop', 'top'];
/**
 * create, list, images, remove, removeImage, build, cancelBuild, updateImage, volumes, removeVolume, releases, rollback
 * (releases); the prefix `D/` that serves every container's `D/<name>/op`; and on an external router D._authenticate
 * and D._authorize (tenancy). The same whatever the number of containers.
 */
const PROCEDURES = 12 + 1 + 2;

/** Whether every URI answers (`want`) or every one answers no_such_procedure (`!want`), as a caller sees it. */
async function allServed(client: WampClient, uris: string[], want: boolean): Promise<boolean> {
  for (const u of uris) if ((await client.serves(u)) !== want) return false;
  return true;
}

describe('state lives in the engine', { timeout: 180_000 }, () => {
  const D = testDomain('life');
  let client: WampClient;

  beforeAll(async () => {
    await makeImage(D, 'bb');
    client = await WampClient.connect(routerUrl);
  });
  afterAll(async () => {
    await client?.close();
    await cleanDomain(D);
  });

  it('endpoints disappear when a container is removed out-of-band with docker rm', async () => {
    await using berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    await client.call(`${D}/create`, ['bb', 'oob']);
    expect(await client.serves(`${D}/oob/start`)).toBe(true);
    await docker('rm', '-f', `${D}.oob`);
    await waitFor('endpoints to go', () => allServed(client, OPS.map((op) => `${D}/oob/${op}`), false), 15_000);
    expect(await client.call(`${D}/list`)).toEqual([]);
    expect(berth.child.exitCode).toBeNull();
  });

  it('a container created out-of-band with the labels is picked up', async () => {
    await using _berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    await docker('run', '-d', '--name', `${D}.manual`, '--label', `berth.domain=${D}`, '--label', 'berth.name=manual', `berth-test-${D}/bb:latest`);
    await waitFor('endpoints to appear', () => allServed(client, [`${D}/manual/start`], true), 15_000);
    // The index follows the engine's events: `create` (endpoints appear) comes before `start`, so wait for the state.
    const list = await waitFor('the index to see it running', async () => {
      const l = await client.call<{ name: string; state: string }[]>(`${D}/list`);
      return l[0]?.state === 'running' ? l : undefined;
    }, 15_000);
    expect(list).toEqual([expect.objectContaining({ name: 'manual', state: 'running' })]);
    expect(await client.call(`${D}/remove`, ['manual'])).toEqual({ name: 'manual', removed: true });
  });

  it('a restarted berth loses nothing: existing containers and their endpoints come back', async () => {
    const first = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    await client.call(`${D}/create`, ['bb', 'keep1']);
    await client.call(`${D}/create`, ['bb', 'keep2']);
    await client.call(`${D}/keep2/stop`);
    expect(await first.stop()).toBe(0);
    await waitFor('endpoints gone with berth', () => allServed(client, [`${D}/keep1/start`, `${D}/list`], false), 15_000);
    expect((await containersOf(D)).length).toBe(2); // berth's exit leaves containers running
    await using second = await BerthProcess.start(['--router', routerUrl, '--domain', D], { procedures: PROCEDURES });
    expect(second.lines.find((l) => l.msg === 'joined the router')).toMatchObject({ procedures: PROCEDURES, domain: D, realm: 'realm1' });
    expect(await allServed(client, ['keep1', 'keep2'].flatMap((n) => OPS.map((op) => `${D}/${n}/${op}`)), true)).toBe(true);
    const list = await client.call<{ name: string; state: string }[]>(`${D}/list`);
    expect(list.map((c) => [c.name, c.state])).toEqual([['keep1', 'running'], ['keep2', 'exited']]);
    expect(await client.call(`${D}/keep2/start`)).toMatchObject({ state: 'running' });
    await client.call(`${D}/remove`, ['keep1']);
    await client.call(`${D}/remove`, ['keep2']);
  });

  it('concurrent create of one name: exactly one wins, the rest get already_exists', async () => {
    await using _berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => client.call(`${D}/create`, ['bb', 'race'])));
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(won.length).toBe(1);
    expect(lost.map((l) => (l.reason as { error: string }).error)).toEqual(Array(7).fill('berth.error.already_exists'));
    expect((await containersOf(D)).map((c) => c.name)).toEqual([`${D}.race`]);
    await client.call(`${D}/remove`, ['race']);
  });
});

describe('two domains on one engine', { timeout: 180_000 }, () => {
  const A = testDomain('da');
  const B = testDomain('db');
  let client: WampClient;

  beforeAll(async () => {
    await makeImage(A, 'app');
    await makeImage(B, 'app');
    client = await WampClient.connect(routerUrl);
  });
  afterAll(async () => {
    await client?.close();
    await cleanDomain(A);
    await cleanDomain(B);
  });

  it('never see, touch or collide with each other', async () => {
    await using _a = await BerthProcess.start(['--router', routerUrl, '--domain', A]);
    await using _b = await BerthProcess.start(['--router', routerUrl, '--domain', B]);
    // Same container name and same image name in both domains.
    expect(await client.call(`${A}/create`, ['app', 'svc'])).toMatchObject({ domain: `${A}.svc` });
    expect(await client.call(`${B}/create`, ['app', 'svc'])).toMatchObject({ domain: `${B}.svc` });
    expect((await client.call<{ name: string }[]>(`${A}/list`)).map((c) => c.name)).toEqual(['svc']);
    expect((await client.call<{ name: string }[]>(`${B}/list`)).map((c) => c.name)).toEqual(['svc']);
    const aImages = await client.call<{ id: string }[]>(`${A}/images`);
    const bImages = await client.call<{ id: string }[]>(`${B}/images`);
    expect(aImages[0]!.id).not.toBe(bImages[0]!.id);
    await client.call(`${A}/remove`, ['svc']);
    expect((await client.call<unknown[]>(`${B}/list`)).length).toBe(1);
    expect((await containersOf(B)).length).toBe(1);
    expect(await client.serves(`${B}/svc/start`)).toBe(true);
    await client.call(`${A}/removeImage`, ['app']);
    expect((await imagesOf(B)).length).toBe(1);
    await client.call(`${B}/remove`, ['svc']);
  });
});

describe('the router goes away and comes back', { timeout: 180_000 }, () => {
  const D = testDomain('rtr');
  afterAll(() => cleanDomain(D));

  it('berth reconnects, re-registers every procedure, and calls work again', async () => {
    await makeImage(D, 'bb');
    await using router = await startTestRouter();
    await using berth = await BerthProcess.start(['--router', router.url, '--domain', D]);
    {
      await using c1 = await WampClient.connect(router.url);
      await c1.call(`${D}/create`, ['bb', 'survivor']);
    }
    const joinsBefore = berth.joinCount();
    await router.halt();
    await new Promise((r) => setTimeout(r, 2_000)); // berth retries against a closed port meanwhile
    await router.boot();
    await waitFor('berth to rejoin', () => berth.joinCount() > joinsBefore, 60_000);
    expect(berth.lines.filter((l) => l.msg === 'joined the router').at(-1)).toMatchObject({ procedures: PROCEDURES });
    await using c2 = await WampClient.connect(router.url);
    expect((await c2.call<{ name: string }[]>(`${D}/list`)).map((c) => c.name)).toEqual(['survivor']);
    expect(await c2.call(`${D}/survivor/stop`)).toMatchObject({ state: 'exited' });
    expect(await c2.call(`${D}/remove`, ['survivor'])).toEqual({ name: 'survivor', removed: true });
    expect(berth.child.exitCode).toBeNull();
  });
});

describe('the engine goes away and comes back', { timeout: 180_000 }, () => {
  const D = testDomain('eng');
  afterAll(() => cleanDomain(D));

  it('calls answer engine_unavailable, berth keeps running, and recovers (out-of-band changes included)', async () => {
    await makeImage(D, 'bb');
    await using proxy = new EngineProxy();
    await proxy.up();
    await using berth = await BerthProcess.start(['--router', routerUrl, '--domain', D, '--docker-host', proxy.dockerHost]);
    await using client = await WampClient.connect(routerUrl);
    await client.call(`${D}/create`, ['bb', 'a1']);
    await client.call(`${D}/create`, ['bb', 'a2']);

    await proxy.down();
    await waitFor('berth to notice', () => berth.lines.some((l) => /event stream|unavailable/.test(l.msg)), 10_000);
    for (const [proc, args] of [[`${D}/list`, []], [`${D}/images`, []], [`${D}/create`, ['bb', 'a3']], [`${D}/a1/stop`, []], [`${D}/remove`, ['a1']]] as const) {
      const err = await client.callError(proc, [...args]);
      expect(err.error, proc).toBe('berth.error.engine_unavailable');
      expect(String(err.args[0])).toMatch(/engine/i);
    }
    // Changes made while berth cannot see the engine.
    await docker('rm', '-f', `${D}.a2`);

    await proxy.up();
    await waitFor('berth to recover', async () => {
      try {
        return (await client.call<{ name: string }[]>(`${D}/list`)).map((c) => c.name).join() === 'a1';
      } catch {
        return false;
      }
    }, 20_000);
    await waitFor('a2 endpoints gone', async () => !(await client.serves(`${D}/a2/start`)), 10_000);
    expect(await client.call(`${D}/a1/stop`)).toMatchObject({ state: 'exited' });
    expect(await client.call(`${D}/create`, ['bb', 'a3'])).toMatchObject({ state: 'running' });
    expect(berth.child.exitCode).toBeNull();
  });

  it('starts while the engine is unreachable, answers engine_unavailable, and recovers when it appears', async () => {
    await using proxy = new EngineProxy();
    // Without --wait-for-engine berth refuses to start on an engine nothing answers for (first-run.test.ts).
    await using berth = await BerthProcess.start(['--router', routerUrl, '--domain', D, '--docker-host', proxy.dockerHost, '--wait-for-engine']);
    await using client = await WampClient.connect(routerUrl);
    expect((await client.callError(`${D}/list`)).error).toBe('berth.error.engine_unavailable');
    await proxy.up();
    await waitFor('recovery', async () => Array.isArray(await client.call(`${D}/list`).catch(() => undefined)), 20_000);
    expect(berth.child.exitCode).toBeNull();
  });
});
