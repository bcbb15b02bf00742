import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { removeTags, writeConfig } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, containersOf, docker } from '../helpers/docker.js';
import { testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const RUNS = 'Base: busybox\nCommand: trap "exit 0" TERM; while true; do sleep 1; done\n';

// Safe replacement: updateImage removed a container before its replacement existed, with no way back. Releases: a
// replacement that cannot start fails the call with replacement_failed.
describe('updateImage replaces a container only once its replacement runs', { timeout: 240_000 }, () => {
  const D = testDomain('rpl');
  const dir = mkdtempSync(join(tmpdir(), 'berth-rpl-'));
  let git: GitServer;
  let berth: BerthProcess;
  let client: WampClient;

  beforeAll(async () => {
    git = await GitServer.start();
    git.addRepo('app', { 'Run.yaml': RUNS });
    const config = writeConfig(dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } });
    berth = await BerthProcess.start(['--router', routerUrl, '--domain', D, '--config', config], { procedures: 8 });
    client = await WampClient.connect(routerUrl);
    await client.call(`${D}/build`, ['app', git.url('app')]);
    await client.call(`${D}/create`, ['app', 'web', { KEEP: 'me' }]);
  });
  afterAll(async () => {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the new container starts before the old one is stopped, and takes over its name, domain and environment', async () => {
    const old = (await containersOf(D)).find((c) => c.name === `${D}.web`)!;
    git.commit('app', { 'Run.yaml': RUNS, 'v2.txt': 'second commit\n' });
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = await client.call<{ containers: string[] }>(`${D}/updateImage`, ['app'], { updateContainers: true });
    expect(r.containers).toEqual(['web']);
    const events = (await docker('events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', `label=berth.domain=${D}`, '--filter', 'type=container', '--format', '{{.Actor.ID}} {{.Action}}'))
      .split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]);
    const now = (await containersOf(D)).find((c) => c.name === `${D}.web`)!;
    expect(now.id).not.toBe(old.id);
    const startNew = events.findIndex(([id, a]) => now.id.startsWith(id.slice(0, 12)) && a === 'start');
    const stopOld = events.findIndex(([id, a]) => old.id.startsWith(id.slice(0, 12)) && (a === 'kill' || a === 'die' || a === 'stop'));
    expect(startNew).toBeGreaterThanOrEqual(0);
    expect(stopOld).toBeGreaterThan(startNew);
    const env = JSON.parse(await docker('inspect', '-f', '{{json .Config.Env}}', `${D}.web`)) as string[];
    expect(env).toEqual(expect.arrayContaining(['KEEP=me', `DOMAIN=${D}.web`]));
    expect(await client.call<{ name: string; id: string }[]>(`${D}/list`)).toEqual([expect.objectContaining({ name: 'web', id: expect.stringMatching(`^${now.id}`), state: 'running' })]);
    // The name's procedures now reach the replacement.
    expect(await client.call(`${D}/web/inspect`)).toMatchObject({ name: 'web', id: expect.stringMatching(`^${now.id}`) });
  });

  it('a replacement that cannot start is removed and the old container keeps running, untouched', async () => {
    const old = (await containersOf(D)).find((c) => c.name === `${D}.web`)!;
    git.commit('app', { 'Run.yaml': 'Base: busybox\nCommand: [/no/such/program]\n' });
    const err = await client.callError(`${D}/updateImage`, ['app'], { updateContainers: true });
    expect(err.error).toBe('berth.error.replacement_failed');
    expect(err.args[0]).toMatch(/could not start|exited/);
    const after = await containersOf(D);
    expect(after.map((c) => [c.id, c.name, c.state])).toEqual([[old.id, `${D}.web`, 'running']]);
    expect(await client.call<{ name: string; id: string }[]>(`${D}/list`)).toEqual([expect.objectContaining({ name: 'web', id: expect.stringMatching(`^${old.id}`), state: 'running' })]);
    expect(await client.call(`${D}/web/inspect`)).toMatchObject({ name: 'web', id: expect.stringMatching(`^${old.id}`) });
  });
});
