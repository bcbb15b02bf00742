import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDirs, danglingOf, removeTags, tagsOf, watchBuildTopic } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, docker, imagesOf, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { RegistryServer } from '../helpers/registry-server.js';
import { startTenantBerth, type TenantBerth } from '../helpers/tenant-berth.js';
import { ROUTER_KIND } from '../helpers/test-router.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WampClient } from '../helpers/wamp-client.js';

// "Images and the registry": every build is pushed to config `registry` (Debian's docker-registry on
// loopback, which the engine treats as an insecure registry), and removeImage and pruning delete the registry copy.
// Real engine, real registry, real git over HTTP, through berth's WAMP API on either router.
const RUNS = 'Base: busybox\nCommand: [/bin/true]\n';
/** 200 MB of random data in one layer: a push slow enough to cancel in the middle of it. */
const BIG = 'Base: busybox\nSetup:\n  - dd if=/dev/urandom of=/app/big.bin bs=1048576 count=200 2>/dev/null\nCommand: [/bin/true]\n';

interface Image {
  name: string;
  id: string;
  release: number | null;
  registry: string | null;
}
interface Release {
  release: number | null;
  id: string;
  current: boolean;
  registry: string | null;
}


const digestOf = (reference: string | null) => reference?.slice(reference.lastIndexOf('@') + 1) ?? null;

describe(`builds pushed to a registry (${ROUTER_KIND})`, { timeout: 600_000 }, () => {
  const D = testDomain('reg');
  let dir = '';
  let git: GitServer;
  let registry: RegistryServer;
  let tenant: TenantBerth;
  let alice: WampClient;
  /** The digest reference of each release of "app" (index = release number). */
  const refs: string[] = [];

  const repo = (name: string) => `berth/${D}/${name}`;
  const build = (name = 'app') => alice.call<string[]>(`${D}/build`, [name, git.url(name)], {}, { timeout: 240_000 } as object);
  const images = () => alice.call<Image[]>(`${D}/images`);
  const releases = (name = 'app') => alice.call<Release[]>(`${D}/releases`, [name]);
  const tagged = async (name = 'app') => (await docker('image', 'inspect', '-f', '{{.Id}}', `berth/${D}:${name}`)).trim();
  const registryTags = async (name: string) => {
    const res = await registry.request('GET', `${repo(name)}/tags/list`);
    if (res.status === 404) return [];
    return ((await res.json()) as { tags: string[] | null }).tags ?? [];
  };

  beforeAll(async () => {
    // Made here, not when the file is collected: a run that skips the suite (-t) leaves no directory.
    dir = mkdtempSync(join(tmpdir(), 'berth-reg-'));
    registry = await RegistryServer.start();
    git = await GitServer.start();
    git.addRepo('app', { 'Run.yaml': RUNS, 'v.txt': 'one\n' });
    git.addRepo('big', { 'Run.yaml': BIG, 'v.txt': 'one\n' });
    const config = { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true, keepReleases: 2 }, registry: registry.address, registryTimeout: 5 };
    tenant = await startTenantBerth(ROUTER_KIND, D, dir, config, 10);
    alice = await tenant.connect('alice');
  });

  afterAll(async () => {
    await alice?.close();
    await tenant?.[Symbol.asyncDispose]();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    await registry?.[Symbol.asyncDispose]();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a build is pushed as <registry>/berth/<D>/<name>:<release>; images() and releases() give the digest the registry has', async () => {
    const lines = await build();
    expect(lines).toContain(`pushing ${registry.address}/${repo('app')}:1`);
    expect(lines.some((l) => /: Pushed$/.test(l))).toBe(true);
    // Short progress: no byte counts, each layer's state once.
    expect(lines.filter((l) => /: Pushing$/.test(l)).length).toBeLessThanOrEqual(lines.filter((l) => /: Pushed$/.test(l)).length);
    const [image] = await images();
    expect(image).toMatchObject({ name: 'app', release: 1, registry: expect.stringMatching(new RegExp(`^${registry.address}/${repo('app')}@sha256:[0-9a-f]{64}$`)) });
    expect(digestOf(image!.registry)).toBe(await registry.manifestDigest(repo('app'), '1'));
    expect(lines).toContain(`pushed ${image!.registry}`);
    refs[1] = image!.registry!;
    expect(await releases()).toEqual([expect.objectContaining({ release: 1, current: true, registry: refs[1] })]);
    // The engine's own record (RepoDigests) is the one berth reads.
    expect(await docker('image', 'inspect', '-f', '{{json .RepoDigests}}', await tagged())).toContain(refs[1]);
  });

  it('a second commit pushes release 2; both are in the registry', async () => {
    git.commit('app', { 'v.txt': 'two\n' });
    await build();
    const [image] = await images();
    expect(image).toMatchObject({ release: 2 });
    refs[2] = image!.registry!;
    expect(digestOf(refs[2])).toBe(await registry.manifestDigest(repo('app'), '2'));
    expect(refs[2]).not.toBe(refs[1]);
    expect((await registryTags('app')).sort()).toEqual(['1', '2']);
    expect((await releases()).map((r) => [r.release, r.registry])).toEqual([
      [2, refs[2]],
      [1, refs[1]],
    ]);
  });

  it('an identical rebuild makes sure its release is in the registry: said when it is, pushed again when it is missing', async () => {
    const present = await build();
    expect(present).toContain(`release 2 is in registry ${registry.address}: ${refs[2]}`);
    expect(present.some((l) => l.startsWith('pushing'))).toBe(false);
    const deleted = await registry.request('DELETE', `${repo('app')}/manifests/${digestOf(refs[2])}`);
    expect(deleted.status).toBe(202);
    expect(await registry.manifestStatus(repo('app'), digestOf(refs[2])!)).toBe(404);
    const again = await build();
    expect(again.some((l) => l.startsWith('identical to release 2'))).toBe(true);
    expect(again).toContain(`pushing ${registry.address}/${repo('app')}:2`);
    expect(await registry.manifestDigest(repo('app'), '2')).toBe(digestOf(refs[2]));
    expect((await images())[0]!.registry).toBe(refs[2]);
  });

  it('a registry that is down fails the build with build_failed naming it, and leaves nothing: the previous release stays current', async () => {
    const before = { tag: await tagged(), images: (await imagesOf(D)).sort(), tags: await tagsOf(D) };
    await registry.stop();
    try {
      git.commit('app', { 'v.txt': 'down\n' });
      const err = await alice.callError(`${D}/build`, ['app', git.url('app')]);
      expect(err.error).toBe('berth.error.build_failed');
      expect(err.args[0]).toContain(`registry ${registry.address}`);
      expect(err.args[0]).toContain(`${registry.address}/${repo('app')}:3`);
      // The engine's own message, and not the build steps' last lines (they did not fail).
      expect(err.args[0]).toContain('connection refused');
      expect(err.args[0]).not.toContain('last output');
      expect(err.kwargs).toMatchObject({ registry: registry.address, reference: `${registry.address}/${repo('app')}:3` });
      expect(await tagged()).toBe(before.tag);
      expect((await imagesOf(D)).sort()).toEqual(before.images);
      expect(await tagsOf(D)).toEqual(before.tags);
      expect(await docker('images', '-q', `${registry.address}/${repo('app')}:3`)).toBe('');
      expect(buildDirs(tenant.berth.child.pid)).toEqual([]);
      expect(await danglingOf(D)).toEqual([]);
      expect((await releases()).map((r) => [r.release, r.current])).toEqual([
        [2, true],
        [1, false],
      ]);
    } finally {
      await registry.start();
    }
    expect(await registryTags('app')).not.toContain('3');
  });

  it('pruning (build.keepReleases 2) deletes the pruned release in the registry too', async () => {
    git.commit('app', { 'v.txt': 'three\n' });
    const lines = await build();
    const list = await releases();
    expect(list.map((r) => r.release)).toEqual([3, 2]);
    refs[3] = list[0]!.registry!;
    expect(lines.filter((l) => l.startsWith('removed release 1 ('))).toEqual([
      expect.stringMatching(/^removed release 1 \([0-9a-f]{12}\) \(build.keepReleases 2\)$/),
      expect.stringMatching(new RegExp(`^removed release 1 \\([0-9a-f]{12}\\) from registry ${registry.address.replace(/\./g, '\\.')}$`)),
    ]);
    expect(await registry.manifestStatus(repo('app'), digestOf(refs[1])!)).toBe(404);
    expect(await registry.manifestStatus(repo('app'), digestOf(refs[2])!)).toBe(200);
    expect((await registryTags('app')).sort()).toEqual(['2', '3']);
  });

  it('removeImage deletes the manifests of every release in the registry', async () => {
    const answer = await alice.call(`${D}/removeImage`, ['app']);
    expect(answer).toEqual({ name: 'app', removed: true, registry: { removed: true, manifests: 2 } });
    for (const r of [refs[2], refs[3]]) expect(await registry.manifestStatus(repo('app'), digestOf(r!)!)).toBe(404);
    expect(await registryTags('app')).toEqual([]);
    expect(await imagesOf(D)).toEqual([]);
    expect(await docker('images', '-q', `${registry.address}/${repo('app')}`)).toBe('');
  });

  it('removeImage while the registry is down removes the local image and says the registry copy stays', async () => {
    git.commit('app', { 'v.txt': 'four\n' });
    await build();
    const ref = (await images())[0]!.registry!;
    await registry.stop();
    try {
      const t0 = Date.now();
      const answer = await alice.call<{ registry: { removed: boolean; error: string } }>(`${D}/removeImage`, ['app']);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(answer).toMatchObject({ name: 'app', removed: true, registry: { removed: false, manifests: 0, error: expect.stringContaining(`registry ${registry.address} is unavailable`) } });
      expect(await imagesOf(D)).toEqual([]);
      expect(tenant.berth.lines.some((l) => l.msg === 'the registry copy of an image was not removed' && l.name === 'app')).toBe(true);
    } finally {
      await registry.start();
    }
    // Still there; a second removal of the name has nothing local left (not_found).
    expect(await registry.manifestStatus(repo('app'), digestOf(ref)!)).toBe(200);
    expect((await alice.callError(`${D}/removeImage`, ['app'])).error).toBe('berth.error.not_found');
  });

  it('cancelBuild during a push (a 200 MB layer) aborts it and leaves nothing', async () => {
    // First a whole push of the big image: its time is in the build's log line (phases.push).
    const started = tenant.berth.lines.length;
    await build('big');
    const done = tenant.berth.lines.slice(started).find((l) => l.msg === 'build succeeded' && l.name === 'big');
    console.log(`push of the 200 MB test image: ${(done?.phases as Record<string, number> | undefined)?.push} ms`);
    const bigId = await tagged('big');
    const before = { images: (await imagesOf(D)).sort(), tags: await registryTags('big') };
    git.commit('big', { 'v.txt': 'two\n' });
    const topic = await watchBuildTopic(alice, D, 'big');
    try {
      const call = alice.callError(`${D}/build`, ['big', git.url('big')]);
      await waitFor('the push of the new layer', () => topic.lines.some((l) => /: Pushing$/.test(l)), 180_000, 20);
      expect(await alice.call(`${D}/cancelBuild`, ['big'])).toEqual({ name: 'big', canceled: true });
      const err = await call;
      expect(err.error).toBe('berth.error.canceled');
      await waitFor('the final event', () => topic.final());
      expect(topic.final()).toMatchObject({ status: 'canceled' });
    } finally {
      await topic.close();
    }
    await waitFor('no new image', async () => JSON.stringify((await imagesOf(D)).sort()) === JSON.stringify(before.images), 20_000);
    expect(await tagged('big')).toBe(bigId);
    expect(await registryTags('big')).toEqual(before.tags);
    expect(buildDirs(tenant.berth.child.pid)).toEqual([]);
    await waitFor('no dangling build image', async () => (await danglingOf(D)).length === 0, 20_000);
    expect((await releases('big')).map((r) => [r.release, r.current])).toEqual([[1, true]]);
  });
});

describe(`a registry with htpasswd auth (${ROUTER_KIND})`, { timeout: 300_000 }, () => {
  const D = testDomain('rega');
  const dirs: string[] = [];
  const auth = { username: 'berth', password: `pw-${Math.random().toString(36).slice(2)}` };
  let git: GitServer;
  let registry: RegistryServer;
  const tenants: TenantBerth[] = [];
  const clients: WampClient[] = [];

  beforeAll(async () => {
    dirs.push(mkdtempSync(join(tmpdir(), 'berth-rega-')), mkdtempSync(join(tmpdir(), 'berth-rega-')));
    registry = await RegistryServer.start({ auth });
    git = await GitServer.start();
    git.addRepo('app', { 'Run.yaml': RUNS });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const t of tenants) await t[Symbol.asyncDispose]();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    await registry?.[Symbol.asyncDispose]();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const start = async (i: number, config: Record<string, unknown>) => {
    const tenant = await startTenantBerth(ROUTER_KIND, D, dirs[i]!, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true }, registry: registry.address, ...config }, 10);
    tenants.push(tenant);
    const alice = await tenant.connect('alice');
    clients.push(alice);
    return { tenant, alice };
  };

  it('without registryAuth the push fails clearly (build_failed naming the registry), and nothing is left', async () => {
    const { tenant, alice } = await start(0, {});
    const err = await alice.callError(`${D}/build`, ['app', git.url('app')]);
    expect(err.error).toBe('berth.error.build_failed');
    expect(err.args[0]).toContain(`registry ${registry.address}`);
    expect(err.args[0]).toMatch(/auth|unauthorized/i);
    expect(await imagesOf(D)).toEqual([]);
    expect(await tagsOf(D)).toEqual([]);
    expect(buildDirs(tenant.berth.child.pid)).toEqual([]);
    await tenant[Symbol.asyncDispose]();
  });

  it('with registryAuth the push works, and removeImage deletes with the same credentials', async () => {
    const { tenant, alice } = await start(1, { registryAuth: auth });
    await alice.call(`${D}/build`, ['app', git.url('app')], {}, { timeout: 240_000 } as object);
    const [image] = await alice.call<Image[]>(`${D}/images`);
    expect(digestOf(image!.registry)).toBe(await registry.manifestDigest(`berth/${D}/app`, '1'));
    // The password is never in berth's log.
    expect(tenant.berth.stdout).not.toContain(auth.password);
    expect(await alice.call(`${D}/removeImage`, ['app'])).toEqual({ name: 'app', removed: true, registry: { removed: true, manifests: 1 } });
    expect(await registry.manifestStatus(`berth/${D}/app`, digestOf(image!.registry)!)).toBe(404);
  });
});
