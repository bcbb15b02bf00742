import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, containersOf, docker, makeImage, testDomain } from '../helpers/docker.js';
import { EngineProxy } from '../helpers/engine-proxy.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');

// Crash recovery: a berth killed between creating and starting a container left it `created`,
// listed and registered; 20 concurrent removes of one name answered an undocumented in_use.
describe('operations on one name, and a berth killed in the middle of one', { timeout: 180_000 }, () => {
  const D = testDomain('rec');
  let client: WampClient;
  let image: string;

  beforeAll(async () => {
    image = await makeImage(D, 'bb');
    client = await WampClient.connect(routerUrl);
  });
  afterAll(async () => {
    await client?.close();
    await cleanDomain(D);
  });

  it('20 concurrent removes of one name: one wins, the others get not_found', async () => {
    await using _berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    await client.call(`${D}/create`, ['bb', 'victim']);
    const attempts = await Promise.allSettled(Array.from({ length: 20 }, () => client.call(`${D}/remove`, ['victim'])));
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected').map((a) => (a.reason as { error: string }).error);
    expect(won.length).toBe(1);
    expect(lost).toEqual(Array(19).fill('berth.error.not_found'));
    expect(await containersOf(D)).toEqual([]);
  });

  it('SIGKILL between create and start: the restarted berth removes the half-made container before it answers', async () => {
    await using proxy = new EngineProxy();
    await proxy.up();
    const args = ['--router', routerUrl, '--domain', D, '--docker-host', proxy.dockerHost];
    const first = await BerthProcess.start(args);
    const held = proxy.holdRequests(/^POST \S*\/containers\/[0-9a-f]+\/start/);
    const create = client.call(`${D}/create`, ['bb', 'half']).catch((err: { error: string }) => err);
    await waitFor('the start request to be held', () => held.seen.length > 0, 15_000);
    first.child.kill('SIGKILL');
    await first.exited();
    proxy.forget();
    expect(await create).toMatchObject({ error: expect.stringMatching(/^wamp\.error\.(canceled|no_such_procedure)$/) });
    expect(await containersOf(D)).toEqual([expect.objectContaining({ name: `${D}.half`, state: 'created' })]);

    // made out-of-band and never started: not berth's half-made create, so it stays (and is listed)
    await docker('create', '--name', `${D}.manual`, '--label', `berth.domain=${D}`, '--label', 'berth.name=manual', image);

    await using second = await BerthProcess.start(args);
    expect((await containersOf(D)).map((c) => [c.name, c.state])).toEqual([[`${D}.manual`, 'created']]);
    expect(second.lines.some((l) => l.msg === 'recovered from an interrupted operation' && String(l.recovered).includes('"half"'))).toBe(true);
    expect(await client.call(`${D}/list`)).toEqual([expect.objectContaining({ name: 'manual', state: 'created' })]);
    expect((await client.callError(`${D}/half/start`)).error).toBe('wamp.error.no_such_procedure');
    await client.call(`${D}/remove`, ['manual']);
    // the name is free again
    expect(await client.call(`${D}/create`, ['bb', 'half'])).toMatchObject({ name: 'half', state: 'running' });
    await client.call(`${D}/remove`, ['half']);
  });

  it('a replacement killed before the swap is undone; one killed after the old container went is finished', async () => {
    const labels = (name: string, replaces: string) => [
      '--label', `berth.domain=${D}`, '--label', `berth.name=${name}`, '--label', 'berth.image=bb', '--label', `berth.replaces=${replaces}`,
    ];
    // "web": the old container still runs beside its replacement (killed before the old one was stopped).
    const old = await docker('run', '-d', '--name', `${D}.web`, '--label', `berth.domain=${D}`, '--label', 'berth.name=web', '--label', 'berth.image=bb', image);
    await docker('run', '-d', '--name', `${D}.web.next`, ...labels('web', old), image);
    // "api": only the replacement is left (killed after the old one was removed, before the rename).
    await docker('create', '--name', `${D}.api.next`, ...labels('api', 'gone'), image);

    await using berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    const left = (await containersOf(D)).map((c) => [c.name, c.state]).sort();
    expect(left).toEqual([[`${D}.api`, 'running'], [`${D}.web`, 'running']]);
    const list = await client.call<{ name: string; id: string; state: string }[]>(`${D}/list`);
    expect(list.map((c) => [c.name, c.state])).toEqual([['api', 'running'], ['web', 'running']]);
    expect(list.find((c) => c.name === 'web')!.id).toBe(old);
    expect(berth.lines.filter((l) => l.msg === 'recovered from an interrupted operation').length).toBe(2);
    await client.call(`${D}/remove`, ['api']);
    await client.call(`${D}/remove`, ['web']);
  });

  // Safe replacement: the old container is stopped only once its replacement is confirmed, so a berth killed between stopping and
  // removing it left a confirmed replacement beside a stopped old one: that swap is finished, not undone (which would
  // leave the container down). An old container stopped before its replacement began was not stopped by the swap.
  it('a replacement whose old container the swap had stopped is finished; one whose old container was stopped before is undone', async () => {
    const labels = (name: string, replaces: string) => [
      '--label', `berth.domain=${D}`, '--label', `berth.name=${name}`, '--label', 'berth.image=bb', '--label', `berth.replaces=${replaces}`,
    ];
    const own = (name: string) => ['--label', `berth.domain=${D}`, '--label', `berth.name=${name}`, '--label', 'berth.image=bb'];
    // "swapped": the replacement ran, then the old one was stopped (by the swap), and berth died before removing it.
    const oldSwapped = await docker('run', '-d', '--name', `${D}.swapped`, ...own('swapped'), image);
    const next = await docker('run', '-d', '--name', `${D}.swapped.next`, ...labels('swapped', oldSwapped), image);
    await docker('stop', '-t', '1', oldSwapped);
    // "idle": stopped by its user before an update began; the replacement never got further.
    const oldIdle = await docker('run', '-d', '--name', `${D}.idle`, ...own('idle'), image);
    await docker('stop', '-t', '1', oldIdle);
    await docker('run', '-d', '--name', `${D}.idle.next`, ...labels('idle', oldIdle), image);

    await using _berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    const list = await client.call<{ name: string; id: string; state: string }[]>(`${D}/list`);
    expect(list.map((c) => [c.name, c.id, c.state]).sort()).toEqual([['idle', oldIdle, 'exited'], ['swapped', next, 'running']]);
    expect((await containersOf(D)).map((c) => c.name).sort()).toEqual([`${D}.idle`, `${D}.swapped`]);
    await client.call(`${D}/remove`, ['idle']);
    await client.call(`${D}/remove`, ['swapped']);
  });
});
