import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthCli } from '../helpers/berth-cli.js';
import { removeTags } from '../helpers/build-helpers.js';
import { DOCS_USERS } from '../helpers/crossbar-docs.js';
import { BUSYBOX_IMAGE, cleanDomain, docker, imagesOf, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { startTenantBerth, USERS, type TenantBerth } from '../helpers/tenant-berth.js';
import { nexusSkip, ON_NEXUS, ROUTER_KIND } from '../helpers/test-router.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WampClient } from '../helpers/wamp-client.js';

// "Releases and rollback": real engine, real git over HTTP, on Crossbar.io or (BERTH_TEST_ROUTER=embedded)
// berth's embedded router, with ticket users alice and bob.
const RUNS = 'Base: busybox\nCommand: trap "exit 0" TERM; while true; do sleep 1; done\n';
/** Setup sleeps as long as delay.txt says: a build that stays running while the test calls rollback. */
const SLOW = 'Base: busybox\nSetup:\n  - sleep "$(cat /app/delay.txt)"\nCommand: [/bin/true]\n';

interface Release {
  release: number | null;
  id: string;
  commit: string | null;
  ref: string | null;
  url: string | null;
  built: string | null;
  current: boolean;
  containers: string[];
}
interface Image {
  name: string;
  id: string;
  release: number | null;
  commit: string | null;
}

// Alice's and Bob's items side by side throughout (Bob refused on Alice's releases, the CLI joins with alice's ticket).
describe.skipIf(ON_NEXUS)(nexusSkip(`releases and rollback (${ROUTER_KIND})`, 'tickets'), { timeout: 400_000 }, () => {
  const D = testDomain('rel');
  // Made in beforeAll: a describe skipped by name (on nexus) is still collected, and would leave it behind.
  let dir = '';
  let git: GitServer;
  let tenant: TenantBerth;
  let alice: WampClient;
  let bob: WampClient;
  const commits: string[] = [];
  /** Image ID of each release of "app" (index = release number). */
  const ids: string[] = [];
  const events: Record<string, unknown>[] = [];

  const releases = () => alice.call<Release[]>(`${D}/releases`, ['app']);
  const build = (name = 'app') => alice.call<string[]>(`${D}/build`, [name, git.url(name)], {}, { timeout: 180_000 } as object);
  const tagged = async () => (await docker('image', 'inspect', '-f', '{{.Id}}', `berth/${D}:app`)).trim();
  const imageOf = async (container: string) => (await docker('inspect', '-f', '{{.Image}}', `${D}.${container}`)).trim();
  /** What must not change when a call is refused. */
  const state = async () => ({ releases: await releases(), tag: await tagged(), images: (await imagesOf(D)).sort() });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-rel-'));
    git = await GitServer.start();
    commits.push(git.addRepo('app', { 'Run.yaml': RUNS, 'v.txt': 'one\n' }));
    git.addRepo('slow', { 'Run.yaml': SLOW, 'delay.txt': '0\n' });
    const config = { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true, keepReleases: 2 } };
    tenant = await startTenantBerth(ROUTER_KIND, D, dir, config, 10);
    [alice, bob] = await Promise.all(USERS.filter((u) => u !== 'root').map((who) => tenant.connect(who)));
    await alice.session.subscribe(`${D}/events`, (args?: unknown[]) => void events.push(args![0] as Record<string, unknown>));
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await tenant?.[Symbol.asyncDispose]();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds twice from two commits: releases lists both, newest first, the second current; images lists the current only', async () => {
    const first = await build();
    expect(first.some((l) => /^built berth\/.*:app \([0-9a-f]{12}\) release 1 from /.test(l))).toBe(true);
    ids[1] = await tagged();
    commits.push(git.commit('app', { 'v.txt': 'two\n' }));
    await build();
    ids[2] = await tagged();
    expect(ids[2]).not.toBe(ids[1]);
    const list = await releases();
    expect(list).toEqual([
      { release: 2, id: ids[2], commit: commits[1], ref: null, url: git.url('app'), built: expect.any(String), current: true, containers: [], registry: null },
      { release: 1, id: ids[1], commit: commits[0], ref: null, url: git.url('app'), built: expect.any(String), current: false, containers: [], registry: null },
    ]);
    expect(Date.parse(list[0]!.built!)).toBeGreaterThan(Date.parse(list[1]!.built!));
    const images = await alice.call<Image[]>(`${D}/images`);
    expect(images).toEqual([expect.objectContaining({ name: 'app', id: ids[2], release: 2, commit: commits[1] })]);
    // Labels went through the build: the final image has the build label empty, the Run.yaml Volumes, and no commit container was made.
    const labels = JSON.parse(await docker('image', 'inspect', '-f', '{{json .Config.Labels}}', ids[2]!)) as Record<string, string>;
    expect(labels).toMatchObject({ 'berth.build': '', 'berth.release': '2', 'berth.volumes': '[]', 'berth.source': expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  });

  it('an identical rebuild gives the same image ID, no new release, and says so', async () => {
    const lines = await build();
    expect(lines).toContain('identical to release 2 (same commit, Run.yaml and base): no new release, nothing to build');
    expect(await tagged()).toBe(ids[2]);
    expect((await releases()).map((r) => [r.release, r.id, r.current])).toEqual([
      [2, ids[2], true],
      [1, ids[1], false],
    ]);
  });

  it('rollback without containers moves the tag; create then uses the rolled-back release; an event tells it', async () => {
    const r = await alice.call<Record<string, unknown>>(`${D}/rollback`, ['app', 1]);
    expect(r).toMatchObject({ name: 'app', release: 1, image: { name: 'app', id: ids[1], release: 1, commit: commits[0] }, containers: [] });
    expect(await tagged()).toBe(ids[1]);
    expect((await releases()).map((x) => [x.release, x.current])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect((await alice.call<Image[]>(`${D}/images`)).map((i) => [i.name, i.release])).toEqual([['app', 1]]);
    await alice.call(`${D}/create`, ['app', 'web']);
    expect(await imageOf('web')).toBe(ids[1]);
    expect((await releases()).find((x) => x.release === 1)!.containers).toEqual(['web']);
    // Bob sees neither the release list of Alice's image nor its containers.
    expect((await bob.callError(`${D}/releases`, ['app'])).error).toBe('wamp.error.not_authorized');
    await waitFor('the image-rollback event', () => events.find((e) => e.event === 'image-rollback'));
    expect(events.find((e) => e.event === 'image-rollback')).toMatchObject({ name: 'app', release: 1, image: { id: ids[1] } });
  });

  it('rollback with updateContainers moves the container to the release (keyword arguments)', async () => {
    const r = await alice.call<Record<string, unknown>>(`${D}/rollback`, [], { name: 'app', release: 2, updateContainers: true });
    expect(r).toMatchObject({ name: 'app', release: 2, image: { id: ids[2] }, containers: ['web'] });
    expect(await imageOf('web')).toBe(ids[2]);
    expect(await tagged()).toBe(ids[2]);
    const list = await alice.call<{ name: string; state: string }[]>(`${D}/list`);
    expect(list).toEqual([expect.objectContaining({ name: 'web', state: 'running' })]);
    // Back to release 1 with the container, for the pruning below: release 1 is then used.
    await alice.call(`${D}/rollback`, ['app', 1, true]);
    expect(await imageOf('web')).toBe(ids[1]);
  });

  it('pruning with keepReleases 2 keeps the current, the newest and the used, and says so', async () => {
    commits.push(git.commit('app', { 'v.txt': 'three\n' }));
    const third = await build();
    ids[3] = await tagged();
    expect(third.some((l) => l.startsWith(`kept release 1 (${ids[1]!.slice(7, 19)}): 1 container(s) use it`))).toBe(true);
    expect((await releases()).map((r) => r.release)).toEqual([3, 2, 1]);
    commits.push(git.commit('app', { 'v.txt': 'four\n' }));
    const fourth = await build();
    ids[4] = await tagged();
    expect(fourth).toContain(`removed release 2 (${ids[2]!.slice(7, 19)}) (build.keepReleases 2)`);
    expect(fourth.some((l) => l.startsWith('kept release 1'))).toBe(true);
    expect((await releases()).map((r) => [r.release, r.current, r.containers])).toEqual([
      [4, true, []],
      [3, false, []],
      [1, false, ['web']],
    ]);
    expect(await docker('image', 'inspect', ids[2]!).catch(() => 'gone')).toBe('gone');
  });

  it('an identical rebuild of a release that is no longer current makes it current again', async () => {
    await alice.call(`${D}/rollback`, ['app', 3]);
    const lines = await build();
    expect(lines).toContain('identical to release 4 (same commit, Run.yaml and base): no new release, nothing to build; release 4 is current again');
    expect(await tagged()).toBe(ids[4]);
    expect((await releases()).map((r) => r.release)).toEqual([4, 3, 1]);
  });

  it('refuses bad rollbacks with documented errors, and changes nothing', async () => {
    const before = await state();
    const cases: [string, WampClient, unknown[], Record<string, unknown>][] = [
      ['berth.error.not_found', alice, ['app', 99], {}],
      ['berth.error.not_found', alice, ['app', 2], {}], // pruned
      ['berth.error.not_found', alice, ['nosuch', 1], {}],
      ['wamp.error.invalid_argument', alice, ['app', 1.5], {}],
      ['wamp.error.invalid_argument', alice, ['app', '1'], {}],
      ['wamp.error.invalid_argument', alice, ['app', 0], {}],
      ['wamp.error.invalid_argument', alice, ['app'], {}],
      ['wamp.error.invalid_argument', alice, ['app', 1, 'yes'], {}],
      ['wamp.error.invalid_argument', alice, ['app', 1], { release: 1 }],
      ['wamp.error.not_authorized', bob, ['app', 1], {}],
    ];
    for (const [uri, who, args, kwargs] of cases) {
      const err = await who.callError(`${D}/rollback`, args, kwargs);
      expect(err.error, JSON.stringify(args)).toBe(uri);
    }
    const pruned = await alice.callError(`${D}/rollback`, ['app', 2]);
    expect(pruned.args[0]).toContain('has no release 2');
    expect(pruned.kwargs).toMatchObject({ name: 'app', release: 2 });
    expect((await alice.callError(`${D}/releases`, ['nosuch'])).error).toBe('berth.error.not_found');
    expect((await alice.callError(`${D}/releases`, [])).error).toBe('wamp.error.invalid_argument');
    expect(await state()).toEqual(before);
    expect(await imageOf('web')).toBe(ids[1]);
  });

  it('rollback is busy while a build of the name runs', async () => {
    await build('slow');
    git.commit('slow', { 'delay.txt': '60\n' });
    const running = build('slow').catch((err: unknown) => err);
    await waitFor('the slow build to run its Setup step', async () => (await alice.callError(`${D}/rollback`, ['slow', 1])).error === 'berth.error.busy', 60_000, 300);
    await alice.call(`${D}/cancelBuild`, ['slow']);
    await running;
    expect((await alice.call<Release[]>(`${D}/releases`, ['slow'])).map((r) => [r.release, r.current])).toEqual([[1, true]]);
  });

  it('berth releases and berth rollback (CLI)', async () => {
    const env = { BERTH_ROUTER: tenant.url, BERTH_DOMAIN: D, BERTH_AUTHID: 'alice', BERTH_TICKET: DOCS_USERS.alice };
    const table = await BerthCli.run(['releases', 'app'], env);
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows[0]).toEqual(['RELEASE', 'ID', 'COMMIT', 'BUILT', 'CURRENT', 'CONTAINERS']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['4', '3', '1']);
    expect(rows[1]).toEqual(['4', ids[4]!.slice(7, 19), commits[3]!.slice(0, 12), expect.any(String), 'yes', '-']);
    expect(rows[3]).toEqual(['1', ids[1]!.slice(7, 19), commits[0]!.slice(0, 12), expect.any(String), 'web']);
    const back = await BerthCli.run(['rollback', 'app', '3'], env);
    expect([back.code, back.stdout]).toEqual([0, `app is at release 3 (${ids[3]!.slice(7, 19)})\n`]);
    expect(await tagged()).toBe(ids[3]);
    const json = await BerthCli.run(['rollback', 'app', '4', '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'app', release: 4, image: { id: ids[4] }, containers: [] });
    expect((await BerthCli.run(['rollback', 'app', 'x'], env)).code).toBe(2);
    const pruned = await BerthCli.run(['rollback', 'app', '2'], env);
    expect(pruned.code).toBe(1);
    expect(pruned.stderr).toContain('berth.error.not_found');
    expect(await tagged()).toBe(ids[4]);
  });

  it('removeImage is refused while any release is used (nothing removed), then removes every release', async () => {
    const before = await state();
    const err = await alice.callError(`${D}/removeImage`, ['app']);
    expect(err.error).toBe('berth.error.in_use');
    expect(err.kwargs).toMatchObject({ containers: ['web'] });
    expect(await state()).toEqual(before);
    await alice.call(`${D}/remove`, ['web']);
    expect(await alice.call(`${D}/removeImage`, ['app'])).toEqual({ name: 'app', removed: true });
    for (const id of [ids[1], ids[3], ids[4]]) expect(await docker('image', 'inspect', id!).catch(() => 'gone')).toBe('gone');
    expect((await alice.callError(`${D}/releases`, ['app'])).error).toBe('berth.error.not_found');
  });
});
