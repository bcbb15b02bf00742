import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, makeImage, testDomain } from '../helpers/docker.js';
import { ROUTER_KIND, startTestRouter } from '../helpers/test-router.js';
import { freePort, portOpen, waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const APPLIANCE = ['build', 'cancelBuild', 'create', 'images', 'list', 'releases', 'remove', 'removeImage', 'removeVolume', 'rollback', 'updateImage', 'volumes'];
const CONTAINER = ['image', 'inspect', 'logs', 'restart', 'start', 'stop', 'top'];
// ~3.3 MB of output: a logs(tail=100000) of it is far over the 1,000,000-byte default of maxResultBytes.
const CHATTY = ['/bin/sh', '-c', 'yes "a chatty container writes this line again and again" | head -n 120000; echo done; trap "exit 0" TERM; while true; do sleep 1; done'];

/** logs(tail=100000) of a chatty container: too_large, and berth answers and holds every procedure right after. */
async function tooLargeThenStillThere(url: string, D: string): Promise<void> {
  await using client = await WampClient.connect(url);
  await client.call(`${D}/create`, ['chatty', 'chatty1']);
  await waitFor('the container to finish writing', async () => (await client.call<string>(`${D}/chatty1/logs`, [], { tail: 1 })) === 'done\n', 60_000, 250);
  const failure = await client.callError(`${D}/chatty1/logs`, [], { tail: 100_000 });
  expect(failure.error).toBe('berth.error.too_large');
  expect(String(failure.args[0])).toMatch(/would be \d+ bytes, more than the 1000000 bytes.*smaller tail/);
  expect(failure.kwargs).toMatchObject({ limit: 1_000_000 });
  expect((failure.kwargs as { bytes: number }).bytes).toBeGreaterThan(3_000_000);
  expect((await client.call<{ name: string }[]>(`${D}/list`)).map((c) => c.name)).toEqual(['chatty1']);
  for (const op of APPLIANCE) expect(await client.isRegistered(`${D}/${op}`), op).toBe(true);
  for (const op of CONTAINER) expect(await client.serves(`${D}/chatty1/${op}`), op).toBe(true);
  expect(await client.call<string>(`${D}/chatty1/logs`, [], { tail: 2 })).toMatch(/again\ndone\n$/);
}

describe(`berth's own session (${ROUTER_KIND === 'embedded' ? 'embedded router' : 'Crossbar.io'})`, { timeout: 180_000 }, () => {
  const D = testDomain('sess');
  beforeAll(() => makeImage(D, 'chatty', { cmd: CHATTY }));
  afterAll(() => cleanDomain(D));

  it('an answer over maxResultBytes is berth.error.too_large; berth stays joined with every procedure', async () => {
    await using berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    await tooLargeThenStillThere(routerUrl, D);
    expect(berth.joinCount()).toBe(1);
  });

  it('the same on berth\'s own embedded router, where berth is an in-process peer', async () => {
    await cleanDomain(D).then(() => makeImage(D, 'chatty', { cmd: CHATTY }));
    const port = await freePort();
    await using berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D]);
    await tooLargeThenStillThere(`ws://127.0.0.1:${port}/ws`, D);
    expect(berth.joinCount()).toBe(1);
  });

  it('is back within 2 s of its router coming back after 8 s away, and writes only JSON lines meanwhile', { timeout: 240_000 }, async () => {
    await using router = await startTestRouter();
    const { port } = new URL(router.url);
    await using berth = await BerthProcess.start(['--router', router.url, '--domain', D]);
    const joinsBefore = berth.joinCount();
    await router.halt();
    await new Promise((r) => setTimeout(r, 8_000)); // several times the 1.4 s reconnect cap: any backoff has reached it
    let portOpenAt = 0;
    const booting = router.boot();
    await waitFor('the router port to open', async () => (await portOpen(Number(port))) && (portOpenAt = Date.now()), 60_000, 20);
    let joinedAt = 0;
    await waitFor('berth to rejoin', () => berth.joinCount() > joinsBefore && (joinedAt = Date.now()), 30_000, 10);
    await booting;
    expect(joinedAt - portOpenAt, 'ms from the port opening to berth joined with every procedure').toBeLessThan(2_000);
    const joins = berth.lines.filter((l) => l.msg === 'joined the router');
    expect(joins.at(-1)!.procedures).toBe(joins[0]!.procedures);
    // The join line states what the engine adds to isolation.
    expect(joins.at(-1)!.engineSecurity).toEqual({ userns: expect.any(Boolean), rootless: expect.any(Boolean), seccomp: expect.anything() });
    await using client = await WampClient.connect(router.url);
    for (const op of APPLIANCE) expect(await client.isRegistered(`${D}/${op}`), op).toBe(true);
    // Only pino JSON: every stdout line parses, and autobahn's own console lines (reconnect notices) are gone.
    const lines = berth.stdout.split('\n').filter((l) => l.trim());
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(berth.stderr).toBe('');
  });
});
