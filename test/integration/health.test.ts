import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { removeTags, writeConfig } from '../helpers/build-helpers.js';
import { startDocsCrossbar, DOCS_USERS, type DocsCrossbar } from '../helpers/crossbar-docs.js';
import { BUSYBOX_IMAGE, bridgeGateway, cleanDomain, containersOf, docker, testDomain } from '../helpers/docker.js';
import { FIXTURE_REPOS, GitServer } from '../helpers/git-server.js';
import { Nexus } from '../helpers/nexus.js';
import { nexusSkip, ON_NEXUS, ROUTER_KIND } from '../helpers/test-router.js';
import { freePort, waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

/**
 * Health: Run.yaml Healthcheck is the image's health check, list() shows its state, and updateImage replaces a
 * container only once the replacement is healthy (else it is removed and the old one keeps serving). The backend is the
 * example hello-backend (Autobahn|Python, invoke="last"), joining the router from its container with its own ticket:
 * Crossbar.io as docs/crossbar.md configures it, or berth's embedded router (BERTH_TEST_ROUTER=embedded).
 */
const D = testDomain('hl');
const dir = mkdtempSync(join(tmpdir(), 'berth-hl-'));
const LOOP = 'trap "exit 0" TERM; while true; do sleep 1; done';
/** Healthy some seconds after start (so `starting` can be seen first). */
const SLOW_OK = `Base: busybox\nCommand: sleep 4; touch /tmp/ok; ${LOOP}\nHealthcheck:\n  Command: [/bin/sh, -c, "test -e /tmp/ok"]\n  Interval: 1s\n  Timeout: 2s\n  Retries: 2\n  StartPeriod: 20s\n`;
/** Never healthy: the check fails once the start period is over. */
const SICK = `Base: busybox\nCommand: ${LOOP}\nHealthcheck:\n  Command: [/bin/sh, -c, "echo no ok file here; exit 1"]\n  Interval: 1s\n  Timeout: 2s\n  Retries: 2\n  StartPeriod: 0s\n`;
const BACKEND_RUN = readFileSync(join(FIXTURE_REPOS, 'hello-backend', 'Run.yaml'), 'utf8');
/** The example backend, healthy once it has registered its procedures (it writes /tmp/registered then). */
const HEALTHY_BACKEND = `${BACKEND_RUN}Healthcheck:\n  Command: [test, -e, /tmp/registered]\n  Interval: 1s\n  Timeout: 2s\n  Retries: 3\n  StartPeriod: 30s\n`;

let git: GitServer;
let berth: BerthProcess;
let client: WampClient;
let docs: DocsCrossbar | undefined;
let nexus: Nexus | undefined;
let berthArgs: string[];
let connect: () => Promise<WampClient>;

type Listed = { name: string; id: string; state: string; health: string | null };
const listed = async (name: string) => (await client.call<Listed[]>(`${D}/list`)).find((c) => c.name === name);

describe(`health checks and safe replacement on ${ROUTER_KIND}`, { timeout: 420_000 }, () => {
  beforeAll(async () => {
    await docker('image', 'inspect', 'berth/exis-python:1'); // made by scripts/test-setup.sh
    git = await GitServer.start();
    git.addRepo('slow', { 'Run.yaml': SLOW_OK });
    git.addRepo('sick', { 'Run.yaml': SICK });
    git.addRepo('plain', { 'Run.yaml': `Base: busybox\nCommand: ${LOOP}\n` });
    git.addFixture('svc', 'hello-backend');
    git.commit('svc', { 'Run.yaml': HEALTHY_BACKEND });
    const config = writeConfig(dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true }, update: { settleSeconds: 2 } });
    if (ROUTER_KIND === 'crossbar') {
      const router = (docs = await startDocsCrossbar(D));
      berthArgs = [...router.berthArgs(D), '--config', config];
      connect = () => WampClient.connect(router.url, { authid: 'alice', ticket: DOCS_USERS.alice });
    } else if (ROUTER_KIND === 'nexus') {
      const router = (nexus = await Nexus.start({ host: await bridgeGateway() }));
      berthArgs = ['--router', router.url, '--domain', D, '--config', config];
      connect = () => WampClient.connect(router.url);
    } else {
      const port = await freePort();
      berthArgs = ['--listen', `127.0.0.1:${port}`, '--domain', D, '--config', config];
      connect = () => WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    }
    berth = await BerthProcess.start(berthArgs);
    client = await connect();
  });

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await berth?.stop();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    await docs?.[Symbol.asyncDispose]();
    await nexus?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('list() shows starting, then healthy; a container whose check fails goes unhealthy; one without a check has null', async () => {
    await client.call(`${D}/build`, ['slow', git.url('slow')]);
    await client.call(`${D}/build`, ['sick', git.url('sick')]);
    expect(await docker('image', 'inspect', '-f', '{{json .Config.Healthcheck}}', `berth/${D}:slow`)).toContain('"StartPeriod":20000000000');
    const events: { event: string; name: string; health?: string; container?: Listed }[] = [];
    await client.session.subscribe(`${D}/events`, (args?: unknown[]) => void events.push(args![0] as (typeof events)[number]));
    const created = await client.call<Listed>(`${D}/create`, ['slow', 'ok1']);
    expect(created.health).toBe('starting');
    expect((await listed('ok1'))?.health).toBe('starting');
    await waitFor('ok1 to be healthy in list()', async () => (await listed('ok1'))?.health === 'healthy', 30_000, 200);
    await client.call(`${D}/create`, ['sick', 'bad1']);
    await waitFor('bad1 to be unhealthy in list()', async () => (await listed('bad1'))?.health === 'unhealthy', 30_000, 200);
    // D/events tells each change as `health` with the new state.
    const health = events.filter((e) => e.event === 'health').map((e) => [e.name, e.health, e.container?.health]);
    expect(health).toEqual(expect.arrayContaining([['ok1', 'healthy', 'healthy'], ['bad1', 'unhealthy', 'unhealthy']]));
    await client.call(`${D}/build`, ['plain', git.url('plain')]);
    expect((await client.call<Listed>(`${D}/create`, ['plain', 'p1'])).health).toBeNull();
    expect((await listed('p1'))?.health).toBeNull();
    for (const name of ['ok1', 'bad1', 'p1']) await client.call(`${D}/remove`, [name]);
  });

  // The backend joins the router from its container with its own ticket.
  describe.skipIf(ON_NEXUS)(nexusSkip('updateImage with containers', 'tickets'), () => {
    let oldId: string;
    const whoami = () => client.call<string>(`${D}.api/whoami`);

    beforeAll(async () => {
      await client.call(`${D}/build`, ['svc', git.url('svc')]);
      const c = await client.call<Listed>(`${D}/create`, ['svc', 'api']);
      oldId = c.id;
      await waitFor('api to be healthy', async () => (await listed('api'))?.health === 'healthy', 60_000, 200);
      expect(oldId.startsWith(await whoami())).toBe(true);
    });

    const oldStillServes = async () => {
      const all = await containersOf(D);
      expect(all.filter((c) => c.name.startsWith(`${D}.api`)).map((c) => [c.id, c.name, c.state])).toEqual([[oldId.slice(0, 12), `${D}.api`, 'running']]);
      expect(await listed('api')).toMatchObject({ id: oldId, state: 'running' });
      expect(oldId.startsWith(await whoami())).toBe(true);
      expect(await client.call(`${D}.api/hello`, ['eve'])).toBe(`hello eve from ${D}.api`);
    };

    it('a replacement that exits: replacement_failed with its exit code and output; the old one is untouched and serves', async () => {
      git.commit('svc', { 'Run.yaml': 'Base: exis-python\nCommand: echo "cannot open the database"; exit 3\n' });
      const err = await client.callError(`${D}/updateImage`, ['svc'], { updateContainers: true });
      expect(err.error).toBe('berth.error.replacement_failed');
      expect(err.args[0]).toContain('exited with code 3');
      expect(err.kwargs).toMatchObject({ name: 'api', exitCode: 3, logs: expect.arrayContaining([expect.stringContaining('cannot open the database')]) });
      await oldStillServes();
    });

    it('a replacement whose program does not exist: replacement_failed; the old one serves', async () => {
      git.commit('svc', { 'Run.yaml': 'Base: exis-python\nCommand: [/no/such/program]\n' });
      const err = await client.callError(`${D}/updateImage`, ['svc'], { updateContainers: true });
      expect(err.error).toBe('berth.error.replacement_failed');
      expect(err.args[0]).toMatch(/could not start|exited/);
      await oldStillServes();
    });

    it('an unhealthy replacement: replacement_failed with the health check output; no replacement is left', async () => {
      git.commit('svc', { 'Run.yaml': `${BACKEND_RUN}Healthcheck:\n  Command: [/bin/sh, -c, "echo database unreachable; exit 1"]\n  Interval: 1s\n  Timeout: 2s\n  Retries: 2\n  StartPeriod: 0s\n` });
      const started = Date.now();
      const err = await client.callError(`${D}/updateImage`, ['svc'], { updateContainers: true });
      expect(err.error).toBe('berth.error.replacement_failed');
      expect(err.args[0]).toContain('unhealthy');
      expect(err.args[0]).toContain('database unreachable');
      expect(err.kwargs).toMatchObject({ health: 'unhealthy', healthCheck: { exitCode: 1 } });
      expect(Date.now() - started).toBeLessThan(60_000);
      expect((await containersOf(D)).filter((c) => c.name.endsWith('.next') || c.labels['berth.replaces'])).toEqual([]);
      await oldStillServes();
    });

    it('a healthy replacement takes over: the new container serves, the old one is gone, the procedure barely paused', async () => {
      git.commit('svc', { 'Run.yaml': HEALTHY_BACKEND, 'v2.txt': 'second version\n' });
      // A client calling the procedure in a loop during the update: how long did it not answer?
      let running = true;
      let failedSince: number | undefined;
      let unavailableMs = 0;
      let calls = 0;
      const loop = (async () => {
        const stopAt = Date.now() + 240_000;
        while (running && Date.now() < stopAt) {
          calls++;
          const t = Date.now();
          const ok = await client.call(`${D}.api/hello`, ['loop'], {}, { timeout: 5_000 }).then(() => true, () => false);
          if (!ok) failedSince ??= t;
          else if (failedSince !== undefined) {
            unavailableMs += Date.now() - failedSince;
            failedSince = undefined;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const t0 = Date.now();
      const r = await client.call<{ containers: string[] }>(`${D}/updateImage`, ['svc'], { updateContainers: true });
      const callMs = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 1_000));
      running = false;
      await loop;
      expect(r.containers).toEqual(['api']);
      const now = await listed('api');
      expect(now?.id).not.toBe(oldId);
      expect(now).toMatchObject({ state: 'running', health: 'healthy' });
      expect(now!.id.startsWith(await whoami())).toBe(true);
      expect((await containersOf(D)).map((c) => c.id)).not.toContain(oldId.slice(0, 12));
      // On probation it ran without a restart policy (an exit is seen as one); confirmed, it has the configured one.
      expect(await docker('inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}', now!.id)).toBe('unless-stopped');
      console.log(`[health] ${ROUTER_KIND}: procedure unavailable ${unavailableMs} ms during updateImage (${calls} calls; the call took ${callMs} ms)`);
      expect(failedSince).toBeUndefined();
      expect(unavailableMs).toBeLessThan(3_000);
    });

    it('a berth killed while it waits for a replacement: the restarted berth removes it, never promotes it; the old one serves', async () => {
      oldId = (await listed('api'))!.id;
      git.commit('svc', { 'Run.yaml': `${BACKEND_RUN}Healthcheck:\n  Command: [/bin/sh, -c, "exit 1"]\n  Interval: 1s\n  Timeout: 2s\n  Retries: 3\n  StartPeriod: 120s\n` });
      const update = client.call(`${D}/updateImage`, ['svc'], { updateContainers: true }).then(() => 'succeeded', () => 'failed');
      await waitFor('the replacement to run', async () => (await containersOf(D)).some((c) => c.name === `${D}.api.next` && c.state === 'running'), 120_000, 200);
      berth.child.kill('SIGKILL');
      await berth.exited();
      if (ROUTER_KIND === 'embedded') await client.close().catch(() => undefined);
      berth = await BerthProcess.start(berthArgs);
      if (ROUTER_KIND === 'embedded') client = await connect();
      // Crossbar.io answers the pending call with an error when its callee dies; the embedded router died with berth,
      // and autobahn-js does not settle a call whose connection is gone: only "it did not succeed" can be asked.
      expect(await Promise.race([update, new Promise((r) => setTimeout(() => r('connection lost'), 5_000))])).not.toBe('succeeded');
      expect(berth.lines.some((l) => l.msg === 'recovered from an interrupted operation' && String(l.recovered).includes('removed the unfinished replacement'))).toBe(true);
      await oldStillServes();
    });
  });
});
