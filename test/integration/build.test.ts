import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { buildDirs, danglingOf, removeTags, tagsOf, writeConfig, watchBuildTopic } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, containersOf, docker, imagesOf, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { nexusSkip, ON_NEXUS } from '../helpers/test-router.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const D = testDomain('bld');
const dir = mkdtempSync(join(tmpdir(), 'berth-bld-'));
let git: GitServer;
let berth: BerthProcess;
let client: WampClient;
let busyboxCommit: string;

interface ImageDict {
  name: string;
  id: string;
  url: string | null;
  ref: string | null;
  commit: string | null;
  base: string | null;
  command: string[] | null;
  built: string | null;
}

/** A repo whose Setup sleeps, so that a build stays running long enough to be queued behind, canceled or refused. */
const slowRepo = (seconds: number, marker: string) => ({
  'Run.yaml': `Base: busybox\nSetup:\n  - echo ${marker}; sleep ${seconds}\nCommand: [/bin/true]\n`,
});


describe('D/build on a real git server, engine and router', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    git = await GitServer.start();
    busyboxCommit = git.addFixture('busybox-app');
    git.addFixture('mono', 'mono', { branches: { release: { 'services/hello/marker.txt': 'marker of the release branch\n' } }, tags: ['v1'] });
    for (const n of ['slow1', 'slow2', 'slow3', 'slowcancel']) git.addRepo(n, slowRepo(n === 'slowcancel' ? 60 : 3, n));
    // Three builds at once queue past build.concurrency; every anonymous caller is one owner, whose quotas.builds is 2 by default.
    // keepReleases 1: a rebuild keeps only the current release (and those containers use), as the tests below check;
    // releases.test.ts covers keeping more.
    const config = writeConfig(dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true, concurrency: 2, keepReleases: 1 }, quotas: { builds: 3 } });
    berth = await BerthProcess.start(['--router', routerUrl, '--domain', D, '--config', config], { procedures: 8 });
    client = await WampClient.connect(routerUrl);
  });

  afterAll(async () => {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds a busybox repo and runs it through create, with Run.yaml Env as the default environment', async () => {
    const t0 = Date.now();
    const lines = await client.call<string[]>(`${D}/build`, ['app', git.url('busybox-app')]);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(lines.some((l) => l.includes('setup step two'))).toBe(true);
    expect(lines.some((l) => l.startsWith(`checked out ${busyboxCommit}`))).toBe(true);
    expect(await tagsOf(D)).toEqual([`berth/${D}:app`]);
    const images = await client.call<ImageDict[]>(`${D}/images`);
    const app = images.find((i) => i.name === 'app')!;
    expect(app).toMatchObject({ url: git.url('busybox-app'), ref: null, commit: busyboxCommit, base: 'busybox' });
    expect(app.command![0]).toBe('/bin/sh');
    expect(Date.parse(app.built!)).toBeGreaterThan(t0 - 1000);
    // The repository's own Dockerfile (FROM scratch, RUN exit 99) and .dockerignore (which drops data.txt) are ignored.
    const c = await client.call<Record<string, unknown>>(`${D}/create`, ['app', 'app1', { GREETING: 'from-caller' }]);
    expect(c).toMatchObject({ name: 'app1', image: 'app', state: 'running' });
    const logs = await waitFor('the app to say hello', async () => {
      const t = await client.call<string>(`${D}/app1/logs`);
      return t.includes('hello from') ? t : undefined;
    });
    expect(logs).toContain(`hello from ${D}.app1, GREETING=from-caller, built at setup, data from the repository`);
    const env = JSON.parse(await docker('inspect', '-f', '{{json .Config.Env}}', `${D}.app1`)) as string[];
    expect(env).toEqual(expect.arrayContaining(['GREETING=from-caller', 'COLOR=blue']));
    const files = await docker('run', '--rm', '--entrypoint', '/bin/ls', `berth/${D}:app`, '-a', '/app');
    expect(files.split('\n').sort()).toEqual(['.', '..', 'Dockerfile', 'Run.yaml', 'data.txt', 'setup.txt'].sort());
    expect(await client.call<ImageDict>(`${D}/app1/image`)).toMatchObject({ name: 'app', commit: busyboxCommit });
    expect(buildDirs(berth.child.pid)).toEqual([]);
  });

  it('builds #ref:subdir: a branch, a tag and a commit id of a subdirectory', async () => {
    await client.call(`${D}/build`, ['mono', `${git.url('mono')}#release:services/hello`]);
    await client.call(`${D}/create`, ['mono', 'mono1']);
    const logs = await waitFor('the subdir app', async () => {
      const t = await client.call<string>(`${D}/mono1/logs`);
      return t.includes('marker') ? t : undefined;
    });
    expect(logs).toContain('hello from the subdir');
    expect(logs).toContain('marker of the release branch');
    const img = (await client.call<ImageDict[]>(`${D}/images`)).find((i) => i.name === 'mono')!;
    expect(img).toMatchObject({ url: `${git.url('mono')}#release:services/hello`, ref: 'release' });
    const files = await docker('run', '--rm', '--entrypoint', '/bin/ls', `berth/${D}:mono`, '/app');
    expect(files.split('\n').sort()).toEqual(['Run.yaml', 'marker.txt']);
    await client.call(`${D}/remove`, ['mono1']);
    const byTag = await client.call<string[]>(`${D}/build`, ['monotag', `${git.url('mono')}#v1:services/other`]);
    expect(byTag.some((l) => l.startsWith('checked out'))).toBe(true);
    const sha = (await client.call<ImageDict[]>(`${D}/images`)).find((i) => i.name === 'monotag')!.commit!;
    await client.call(`${D}/build`, ['monosha', `${git.url('mono')}#${sha}:services/hello`]);
    expect((await client.call<ImageDict[]>(`${D}/images`)).find((i) => i.name === 'monosha')).toMatchObject({ commit: sha, ref: sha });
  });

  it.skipIf(ON_NEXUS)(nexusSkip('streams every line as a progressive result to an autobahn-js caller, and publishes them on D/build/<name>', 'progress'), async () => {
    const topic = await watchBuildTopic(client, D, 'streamed');
    const progress: string[] = [];
    const result = await new Promise<string[]>((resolve, reject) => {
      (client.session.call(`${D}/build`, ['streamed', git.url('busybox-app')], {}, { receive_progress: true, timeout: 120_000 } as autobahn.ICallOptions) as unknown as {
        then(ok: (r: unknown) => void, err: (e: unknown) => void, progress: (p: unknown) => void): void;
      }).then(
        (r) => resolve(r as string[]),
        reject,
        // autobahn-js 22.11 notifies a single positional progress result as the value itself (args[0]).
        (p) => progress.push(p as string),
      );
    });
    expect(progress.length).toBeGreaterThan(5);
    expect(progress).toEqual(result);
    await waitFor('the final event', () => topic.final());
    expect(topic.lines).toEqual(result);
    expect(topic.final()).toMatchObject({ name: 'streamed', status: 'succeeded', image: { name: 'streamed', commit: busyboxCommit } });
    await topic.close();
  });

  it('publishes a failed final event on the topic', async () => {
    const topic = await watchBuildTopic(client, D, 'nope');
    const err = await client.callError(`${D}/build`, ['nope', `${git.url('missing')}`]);
    expect(err.error).toBe('berth.error.clone_failed');
    await waitFor('the final event', () => topic.final());
    expect(topic.final()).toMatchObject({ name: 'nope', status: 'failed', error: 'berth.error.clone_failed' });
    await topic.close();
  });

  it('queues builds past build.concurrency with a "queued" line, and refuses a second build of a running name (busy)', async () => {
    const t0 = Date.now();
    const calls = ['slow1', 'slow2', 'slow3'].map((n) => client.call<string[]>(`${D}/build`, [n, git.url(n)]));
    await new Promise((r) => setTimeout(r, 1_000));
    const busy = await client.callError(`${D}/build`, ['slow1', git.url('slow1')]);
    expect(busy.error).toBe('berth.error.busy');
    const results = await Promise.all(calls);
    expect(results.filter((lines) => lines.some((l) => l.startsWith('queued:'))).length).toBe(1);
    // Which of the three is queued depends on which reaches the queue last: each call first checks who owns the name (an
    // engine look-up), so arrival order is not call order.
    // Two at once, then the third: about two Setup sleeps, not three.
    expect(Date.now() - t0).toBeGreaterThan(5_500);
    expect(await tagsOf(D)).toEqual(expect.arrayContaining([`berth/${D}:slow1`, `berth/${D}:slow2`, `berth/${D}:slow3`]));
  });

  it('cancelBuild stops a running build: the call fails with canceled, and nothing is left behind', async () => {
    const before = await imagesOf(D);
    const topic = await watchBuildTopic(client, D, 'slowcancel');
    const call = client.callError(`${D}/build`, ['slowcancel', git.url('slowcancel')]);
    await waitFor('the Setup step to run', () => topic.lines.some((l) => l.includes('slowcancel')), 60_000);
    const t0 = Date.now();
    expect(await client.call(`${D}/cancelBuild`, ['slowcancel'])).toEqual({ name: 'slowcancel', canceled: true });
    expect(Date.now() - t0).toBeLessThan(1_000);
    const err = await call;
    expect(err.error).toBe('berth.error.canceled');
    expect(Date.now() - t0).toBeLessThan(15_000);
    await waitFor('the final event', () => topic.final());
    expect(topic.final()).toMatchObject({ status: 'canceled' });
    expect(buildDirs(berth.child.pid)).toEqual([]);
    expect(await tagsOf(D)).not.toContain(`berth/${D}:slowcancel`);
    expect(await danglingOf(D)).toEqual([]);
    expect((await imagesOf(D)).sort()).toEqual(before.sort());
    // The engine's intermediate container of the aborted RUN step is gone too.
    await waitFor('no build container', async () => !(await docker('ps', '-a', '--format', '{{.Command}}')).includes('slowcancel'), 15_000);
    expect((await client.callError(`${D}/cancelBuild`, ['slowcancel'])).error).toBe('berth.error.not_found');
  });

  it('cancelBuild stops a queued build too', async () => {
    // Three builds at once with build.concurrency 2: one of them (whichever reaches the queue last: each call first looks
    // up who owns its name) waits in the queue.
    const names = ['q1', 'q2', 'q3'];
    const topics = await Promise.all(names.map((n) => watchBuildTopic(client, D, n)));
    const calls = names.map((n) => client.callError(`${D}/build`, [n, git.url('slowcancel')]));
    const queued = await waitFor('a queued build', () => names.find((_, i) => topics[i]!.lines.some((l) => l.startsWith('queued:'))), 30_000);
    await client.call(`${D}/cancelBuild`, [queued]);
    expect((await calls[names.indexOf(queued)]!).error).toBe('berth.error.canceled');
    const running = names.filter((n) => n !== queued);
    await Promise.all(running.map((n) => client.call(`${D}/cancelBuild`, [n])));
    for (const n of running) expect((await calls[names.indexOf(n)]!).error).toBe('berth.error.canceled');
    expect(buildDirs(berth.child.pid)).toEqual([]);
    await Promise.all(topics.map((t) => t.close()));
  });

  it('updateImage rebuilds from the recorded URL and recreates the containers with their environment', async () => {
    const old = (await client.call<ImageDict[]>(`${D}/images`)).find((i) => i.name === 'app')!;
    const oldContainer = (await containersOf(D)).find((c) => c.name === `${D}.app1`)!;
    // A new commit: the same commit again would be an identical rebuild (the same image: releases).
    const second = git.commit('busybox-app', { 'second.txt': 'a second commit\n' });
    const r = await client.call<{ name: string; image: ImageDict; containers: string[]; lines: string[] }>(`${D}/updateImage`, ['app'], { updateContainers: true });
    expect(r.containers).toEqual(['app1']);
    expect(r.image.id).not.toBe(old.id);
    expect(r.image).toMatchObject({ url: old.url, commit: second });
    const now = (await containersOf(D)).find((c) => c.name === `${D}.app1`)!;
    expect(now.id).not.toBe(oldContainer.id);
    expect(now.state).toBe('running');
    const env = JSON.parse(await docker('inspect', '-f', '{{json .Config.Env}}', `${D}.app1`)) as string[];
    expect(env).toEqual(expect.arrayContaining(['GREETING=from-caller', 'COLOR=blue', `DOMAIN=${D}.app1`]));
    expect(await docker('inspect', '-f', '{{.Image}}', `${D}.app1`)).toBe(r.image.id);
    // The old release was used only by app1, so it is pruned now (keepReleases 1).
    expect(await imagesOf(D)).not.toContain(old.id);
    expect(await client.serves(`${D}/app1/logs`)).toBe(true);
    // The same commit again is an identical rebuild: the very same image, no new release, and nothing to replace.
    const r2 = await client.call<{ image: ImageDict; containers: string[]; lines: string[] }>(`${D}/updateImage`, ['app'], { updateContainers: true });
    expect(r2.containers).toEqual([]);
    expect(r2.image.id).toBe(r.image.id);
    expect(r2.lines).toContain('identical to release 2 (same commit, Run.yaml and base): no new release, nothing to build');
    // Without updateContainers the container stays on the image it has; the release it uses is kept.
    git.commit('busybox-app', { 'third.txt': 'a third commit\n' });
    const r3 = await client.call<{ image: ImageDict; containers: string[]; lines: string[] }>(`${D}/updateImage`, ['app']);
    expect(r3.containers).toEqual([]);
    expect(await docker('inspect', '-f', '{{.Image}}', `${D}.app1`)).toBe(r.image.id);
    expect((await imagesOf(D))).toEqual(expect.arrayContaining([r.image.id, r3.image.id]));
    expect(r3.lines.some((l) => l.startsWith('kept release 2 ('))).toBe(true);
  });

  it('building an existing name makes a new release and, with keepReleases 1, removes the old one when no container uses it', async () => {
    const old = (await client.call<ImageDict[]>(`${D}/images`)).find((i) => i.name === 'slow2')!;
    await client.call(`${D}/build`, ['slow2', git.url('busybox-app')]);
    const now = (await client.call<ImageDict[]>(`${D}/images`)).filter((i) => i.name === 'slow2');
    expect(now).toHaveLength(1);
    expect(now[0]!.id).not.toBe(old.id);
    expect(await imagesOf(D)).not.toContain(old.id);
  });
});
