import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTags } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, containersOf, docker, testDomain } from '../helpers/docker.js';
import { FIXTURE_REPOS, GitServer } from '../helpers/git-server.js';
import { startTenantBerth, type TenantBerth } from '../helpers/tenant-berth.js';
import { nexusSkip, ON_NEXUS, ROUTER_KIND } from '../helpers/test-router.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WampClient } from '../helpers/wamp-client.js';

/**
 * Replicas behind one domain, on the real engine with the example Python backend (exis-python base, from git over
 * HTTP), on Crossbar.io as docs/crossbar.md configures it or on berth's embedded router (BERTH_TEST_ROUTER=embedded).
 * The backend is hello-backend plus two procedures: `replica` (its REPLICA and the authextra its WELCOME carried) and
 * `probe_single` (tries a `single` registration of its own `hello`, held roundrobin by every replica).
 */
const MAIN = readFileSync(join(FIXTURE_REPOS, 'hello-backend', 'backend', '__main__.py'), 'utf8');
const ANCHOR = '        mark_ready()\n        print(f"registered {DOMAIN}/hello", flush=True)\n';
const PROBES = `        await register_shared(self, lambda: {"replica": os.environ.get("REPLICA"), "authextra": details.authextra}, f"{DOMAIN}/replica")

        async def probe_single():
            try:
                registration = await self.register(lambda: "single", f"{DOMAIN}/hello")
            except ApplicationError as e:
                return e.error
            await registration.unregister()
            return "registered"

        await register_shared(self, probe_single, f"{DOMAIN}/probe_single")
`;

type Dict = { name: string; id: string; replicas: { wanted: number; running: number; list?: { replica: number; state: string }[] } };
type Answer = { replica: string; authextra: { replica?: number; domain?: string } | null };

describe.skipIf(ON_NEXUS)(nexusSkip(`replicas behind one domain (${ROUTER_KIND})`, 'tickets'), { timeout: 480_000 }, () => {
  const D = testDomain('rep');
  let dir = '';
  let git: GitServer;
  let tenant: TenantBerth;
  let alice: WampClient;
  let bob: WampClient;
  const ask = () => alice.call<Answer>(`${D}.api/replica`, [], {}, { timeout: 10 });
  /** Call until every one of `replicas` has answered (each has joined and registered). */
  const allServe = async (replicas: string[]) => {
    const seen = new Set<string>();
    await waitFor(() => `replicas ${replicas.join(', ')} to answer (seen: ${[...seen].join(', ')})`, async () => {
      const a = await ask().catch(() => undefined);
      if (a) seen.add(a.replica);
      return replicas.every((r) => seen.has(r));
    }, 120_000, 20);
  };

  beforeAll(async () => {
    expect(MAIN).toContain(ANCHOR);
    await docker('image', 'inspect', 'berth/exis-python:1'); // made by scripts/test-setup.sh
    dir = mkdtempSync(join(tmpdir(), 'berth-rep-'));
    git = await GitServer.start();
    git.addFixture('svc', 'hello-backend');
    git.commit('svc', { 'backend/__main__.py': MAIN.replace(ANCHOR, `${PROBES}${ANCHOR}`) });
    tenant = await startTenantBerth(ROUTER_KIND, D, dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } });
    [alice, bob] = await Promise.all([tenant.connect('alice'), tenant.connect('bob')]);
    await alice.call(`${D}/build`, ['svc', git.url('svc')]);
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await tenant?.[Symbol.asyncDispose]();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('three replicas: three engine containers with one domain; 300 calls are spread over all three', async () => {
    const dict = await alice.call<Dict>(`${D}/create`, ['svc', 'api'], { replicas: 3 });
    expect(dict.replicas).toEqual({ wanted: 3, running: 3 });
    const engine = (await containersOf(D)).filter((c) => c.labels['berth.name'] === 'api');
    expect(engine.map((c) => [c.name, c.labels['berth.replica']]).sort()).toEqual([[`${D}.api`, '1'], [`${D}.api._2`, '2'], [`${D}.api._3`, '3']]);
    await allServe(['1', '2', '3']);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const a = await ask();
      // Each replica's session says which replica it is (authextra from berth's authenticator, in its WELCOME).
      expect(a.authextra).toMatchObject({ replica: Number(a.replica) });
      counts[a.replica] = (counts[a.replica] ?? 0) + 1;
    }
    console.log(`replicas: 300 calls answered per replica on ${ROUTER_KIND}: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['1', '2', '3']);
    for (const n of Object.values(counts)) expect(n).toBeGreaterThanOrEqual(50);
    const inspect = await alice.call<Dict>(`${D}/api/inspect`);
    expect(inspect.replicas.list!.map((r) => [r.replica, r.state])).toEqual([[1, 'running'], [2, 'running'], [3, 'running']]);
    expect(await alice.call<string>(`${D}/api/logs`, [], { tail: 5 })).toMatch(/^\[2\] /m);
    const exec = await alice.call<{ output: string; exitCode: number }>(`${D}/api/exec`, [['/bin/sh', '-c', 'echo $REPLICA']], { replica: 3 });
    expect(exec).toMatchObject({ exitCode: 0, output: '3\n' });
    expect((await alice.callError(`${D}/api/exec`, [['true']], { replica: 4 })).error).toBe('berth.error.not_found');
    const top = await alice.call<{ pids: number; replicas: { replica: number; pids: number }[] }>(`${D}/api/top`);
    expect(top.replicas.map((r) => r.replica)).toEqual([1, 2, 3]);
    expect(top.replicas.every((r) => r.pids >= 1)).toBe(true);
  });

  it('a single registration while the replicas hold it roundrobin is refused', async () => {
    expect(await alice.call(`${D}.api/probe_single`)).toBe('wamp.error.procedure_exists_with_different_invocation_policy');
  });

  it('a replica that crashes: calls keep being answered by the others, and the restart policy brings it back', async () => {
    const victim = (await containersOf(D)).find((c) => c.name === `${D}.api._2`)!;
    // A crash, not `docker kill`: the engine does not restart a container it was told to kill (a manual stop).
    const pid = Number((await docker('inspect', '-f', '{{.State.Pid}}', victim.id)).trim());
    expect(pid).toBeGreaterThan(1);
    process.kill(pid, 'SIGKILL');
    let failures = 0;
    const seen: string[] = [];
    for (let i = 0; i < 200; i++) {
      try {
        seen.push((await ask()).replica);
      } catch {
        failures++;
      }
    }
    console.log(`replicas: ${failures} of 200 calls failed right after replica 2 was killed on ${ROUTER_KIND}`);
    expect(failures).toBeLessThanOrEqual(5);
    expect(seen.length).toBe(200 - failures);
    await waitFor('replica 2 to be restarted by the engine', async () => {
      const [info] = JSON.parse(await docker('inspect', victim.id)) as { RestartCount: number; State: { Running: boolean } }[];
      return info!.RestartCount >= 1 && info!.State.Running;
    }, 60_000, 200);
    await allServe(['2']);
  });

  it('scale 3 → 1 → 3: the highest go, the new ones take calls; another owner cannot scale', async () => {
    expect((await bob.callError(`${D}/api/scale`, [1])).error).toBe('wamp.error.not_authorized');
    const down = await alice.call<Dict>(`${D}/api/scale`, [1]);
    expect(down.replicas).toEqual({ wanted: 1, running: 1 });
    expect((await containersOf(D)).filter((c) => c.labels['berth.name'] === 'api').map((c) => c.name)).toEqual([`${D}.api`]);
    for (let i = 0; i < 20; i++) expect((await ask()).replica).toBe('1');
    const up = await alice.call<Dict>(`${D}/api/scale`, [], { replicas: 3 });
    expect(up.replicas).toEqual({ wanted: 3, running: 3 });
    await allServe(['1', '2', '3']);
    expect((await bob.callError(`${D}/api/scale`, [2])).error).toBe('wamp.error.not_authorized');
    expect((await alice.call<Dict[]>(`${D}/list`)).find((c) => c.name === 'api')!.replicas).toEqual({ wanted: 3, running: 3 });
  });

  it('the wanted count survives a berth restart (it is what the engine holds); the replicas are still one container', async () => {
    await tenant.restart();
    await Promise.all([alice.close(), bob.close()]).catch(() => undefined);
    [alice, bob] = await Promise.all([tenant.connect('alice'), tenant.connect('bob')]);
    expect((await alice.call<Dict[]>(`${D}/list`)).map((c) => [c.name, c.replicas])).toEqual([['api', { wanted: 3, running: 3 }]]);
    await allServe(['1', '2', '3']);
  });

  it('remove takes every replica', async () => {
    expect(await alice.call(`${D}/remove`, ['api'])).toEqual({ name: 'api', removed: true });
    expect((await containersOf(D)).filter((c) => c.labels['berth.name'] === 'api')).toEqual([]);
  });
});
