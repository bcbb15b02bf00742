import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthCli } from '../helpers/berth-cli.js';
import { BerthProcess } from '../helpers/berth-process.js';
import { removeTags } from '../helpers/build-helpers.js';
import { Crossbar, TEST_AUTHID, TEST_TICKET } from '../helpers/crossbar.js';
import { DOCS_USERS } from '../helpers/crossbar-docs.js';
import { startTenantBerth, USERS, type TenantBerth } from '../helpers/tenant-berth.js';
import { nexusSkip, ON_NEXUS, ROUTER_KIND } from '../helpers/test-router.js';
import { BUSYBOX_IMAGE, cleanDomain, containersOf, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

// "Callers own what they create", with ticket users alice and bob (role user) and root (role admin): on
// Crossbar.io exactly as docs/crossbar.md configures it (users' roles wired to D._authorize, which discloses callers),
// and on berth's embedded router with the same users in embeddedRouter.tickets. The router without caller disclosure
// below is a Crossbar.io config of its own (test/fixtures/crossbar/tenancy.json, disclosure turned off).
const TEMPLATE = fileURLToPath(new URL('../fixtures/crossbar/tenancy.json', import.meta.url));
const RUNS = 'Base: busybox\nCommand: trap "exit 0" TERM; while true; do sleep 1; done\n';
const SLOW = 'Base: busybox\nSetup:\n  - echo slow-marker; sleep 60\nCommand: [/bin/true]\n';

type Item = { name: string; owner: string; state?: string };
const names = (items: Item[]) => items.map((i) => i.name).sort();

describe.skipIf(ON_NEXUS)(nexusSkip(`callers own what they create, with ticket users (${ROUTER_KIND})`, 'tickets'), { timeout: 300_000 }, () => {
  const D = testDomain('own');
  // Made in beforeAll: a describe skipped by name (on nexus) is still collected, and would leave it behind.
  let dir = '';
  let git: GitServer;
  let tenant: TenantBerth;
  let alice: WampClient;
  let bob: WampClient;
  let root: WampClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-own-'));
    git = await GitServer.start();
    git.addRepo('app', { 'Run.yaml': RUNS });
    git.addRepo('slow', { 'Run.yaml': SLOW });
    const common = { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true }, quotas: { containers: 2, builds: 1 } };
    tenant = await startTenantBerth(ROUTER_KIND, D, dir, common, 8);
    [alice, bob, root] = await Promise.all(USERS.map((who) => tenant.connect(who)));
    await Promise.all([alice.call(`${D}/build`, ['aimg', git.url('app')]), bob.call(`${D}/build`, ['bimg', git.url('app')])]);
    await alice.call(`${D}/create`, ['aimg', 'aweb']);
    await bob.call(`${D}/create`, ['bimg', 'bweb']);
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close(), root?.close()]);
    await tenant?.[Symbol.asyncDispose]();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('each sees only their own containers and images, with their owner; the admin sees both', async () => {
    expect(await alice.call(`${D}/list`)).toEqual([expect.objectContaining({ name: 'aweb', owner: 'alice', state: 'running' })]);
    expect(await bob.call(`${D}/list`)).toEqual([expect.objectContaining({ name: 'bweb', owner: 'bob' })]);
    expect(await alice.call(`${D}/images`)).toEqual([expect.objectContaining({ name: 'aimg', owner: 'alice' })]);
    expect(await bob.call(`${D}/images`)).toEqual([expect.objectContaining({ name: 'bimg', owner: 'bob' })]);
    const all = await root.call<Item[]>(`${D}/list`);
    expect(all.map((i) => [i.name, i.owner])).toEqual([['aweb', 'alice'], ['bweb', 'bob']]);
    expect((await root.call<Item[]>(`${D}/images`)).map((i) => [i.name, i.owner])).toEqual([['aimg', 'alice'], ['bimg', 'bob']]);
    const labels = (await containersOf(D)).find((c) => c.name === `${D}.aweb`)!.labels;
    expect(labels).toMatchObject({ 'berth.owner': 'alice', 'berth.owner-role': 'user' });
  });

  it("Bob's procedures on Alice's container and image answer not_authorized naming the item, and change nothing", async () => {
    for (const op of ['start', 'stop', 'inspect', 'logs', 'restart']) {
      const err = await bob.callError(`${D}/aweb/${op}`);
      expect({ op, error: err.error }).toEqual({ op, error: 'wamp.error.not_authorized' });
      expect(String(err.args[0])).toContain('container "aweb"');
    }
    const calls: [string, unknown[], string][] = [
      ['remove', ['aweb'], 'container "aweb"'],
      ['removeImage', ['aimg'], 'image "aimg"'],
      ['updateImage', ['aimg'], 'image "aimg"'],
      ['build', ['aimg', git.url('app')], 'image "aimg"'],
      ['create', ['aimg', 'stolen'], 'image "aimg"'],
    ];
    for (const [op, a, item] of calls) {
      const err = await bob.callError(`${D}/${op}`, a);
      expect({ op, error: err.error }).toEqual({ op, error: 'wamp.error.not_authorized' });
      expect(String(err.args[0])).toContain(item);
    }
    // Names stay global: a taken name says so, whoever holds it.
    expect((await bob.callError(`${D}/create`, ['bimg', 'aweb'])).error).toBe('berth.error.already_exists');
    expect((await containersOf(D)).map((c) => [c.name, c.state]).sort()).toEqual([[`${D}.aweb`, 'running'], [`${D}.bweb`, 'running']]);
    expect(await alice.call(`${D}/images`)).toEqual([expect.objectContaining({ name: 'aimg' })]);
    const audit = tenant.berth.lines.find((l) => l.msg === 'audit' && l.procedure === `${D}/aweb/stop`);
    expect(audit).toMatchObject({ name: 'aweb', authid: 'bob', authrole: 'user', outcome: 'wamp.error.not_authorized' });
  });

  it("a build's events reach its owner and the admin, never Bob, although he subscribed before the build began", async () => {
    // Subscribing to the topic of Alice's existing image is refused outright; a name nobody owns yet may be subscribed,
    // and then berth publishes Alice's build of it only to Alice and the admin roles.
    expect(await bob.session.subscribe(`${D}/build/aimg`, () => undefined).then(() => 'allowed', (e: { error: string }) => e.error)).toBe('wamp.error.not_authorized');
    const seen: Record<string, unknown[]> = { alice: [], bob: [], root: [] };
    const subs = await Promise.all(
      ([['alice', alice], ['bob', bob], ['root', root]] as const).map(([who, c]) =>
        c.session.subscribe(`${D}/build/anew`, (a: unknown[] = []) => void seen[who]!.push(a[0])).then((s) => [c, s] as const),
      ),
    );
    await alice.call(`${D}/build`, ['anew', git.url('app')]);
    await waitFor('the final event at alice and root', () => [seen.alice, seen.root].every((s) => s!.some((e) => typeof e === 'object')), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.bob).toEqual([]);
    expect(seen.alice!.length).toBeGreaterThan(1);
    expect(seen.root).toEqual(seen.alice);
    await Promise.all(subs.map(([c, s]) => c.session.unsubscribe(s)));
    expect(await bob.session.subscribe(`${D}/build/anew`, () => undefined).then(() => 'allowed', (e: { error: string }) => e.error)).toBe('wamp.error.not_authorized');
    expect(await alice.call(`${D}/removeImage`, ['anew'])).toEqual({ name: 'anew', removed: true });
  });

  it('berth ps: the admin gets an OWNER column, a user sees only their own rows and no such column', async () => {
    const ps = (who: 'alice' | 'root') => BerthCli.run(['ps'], { BERTH_ROUTER: tenant.url, BERTH_DOMAIN: D, BERTH_AUTHID: who, BERTH_TICKET: DOCS_USERS[who] });
    const admin = await ps('root');
    expect(admin.code, admin.stderr).toBe(0);
    const [header, ...rows] = admin.stdout.trim().split('\n');
    expect(header).toMatch(/\bOWNER\b/);
    expect(rows.find((r) => r.startsWith('aweb '))).toMatch(/\balice\b/);
    expect(rows.find((r) => r.startsWith('bweb '))).toMatch(/\bbob\b/);
    const user = await ps('alice');
    expect(user.stdout).not.toMatch(/OWNER|bweb/);
    expect(user.stdout).toMatch(/^aweb /m);
  });

  it('the admin sees, inspects and manages containers of both', async () => {
    expect(await root.call(`${D}/aweb/inspect`)).toMatchObject({ name: 'aweb', owner: 'alice' });
    expect(await root.call(`${D}/bweb/stop`)).toMatchObject({ name: 'bweb', owner: 'bob', state: 'exited' });
    expect(await root.call(`${D}/bweb/start`)).toMatchObject({ name: 'bweb', state: 'running' });
    expect(typeof (await root.call(`${D}/aweb/logs`))).toBe('string');
  });

  it('quotas hold per owner: containers (also for concurrent creates) and builds, and nothing is created over them', async () => {
    // Alice has 1 of 2 containers: of two creates at once, exactly one gets the last place.
    const outcomes = await Promise.all(['aweb2', 'aweb3'].map((n) => alice.call(`${D}/create`, ['aimg', n]).then(() => 'ok', (e: { error: string }) => e.error)));
    expect(outcomes.sort()).toEqual(['berth.error.quota_exceeded', 'ok']);
    expect((await containersOf(D)).filter((c) => c.name.startsWith(`${D}.aweb`))).toHaveLength(2);
    expect((await alice.callError(`${D}/create`, ['aimg', 'aweb4'])).error).toBe('berth.error.quota_exceeded');
    // Bob is not held by Alice's quota.
    await bob.call(`${D}/create`, ['bimg', 'bweb2']);
    // One build at a time per owner.
    const lines: unknown[] = [];
    const sub = await alice.session.subscribe(`${D}/build/aslow`, (a: unknown[] = []) => void lines.push(a[0]));
    const slow = alice.callError(`${D}/build`, ['aslow', git.url('slow')]);
    await waitFor('the slow build to run', () => lines.length > 0, 60_000);
    const over = await alice.callError(`${D}/build`, ['aimg2', git.url('app')]);
    expect(over.error).toBe('berth.error.quota_exceeded');
    expect(String(over.args[0])).toContain('quotas.builds');
    expect((await bob.callError(`${D}/cancelBuild`, ['aslow'])).error).toBe('wamp.error.not_authorized');
    await alice.call(`${D}/cancelBuild`, ['aslow']);
    expect((await slow).error).toBe('berth.error.canceled');
    await alice.session.unsubscribe(sub);
  });

  it('berth restarted: ownership still holds', async () => {
    await Promise.all([alice.close(), bob.close(), root.close()]);
    await tenant.restart();
    [alice, bob, root] = await Promise.all(USERS.map((who) => tenant.connect(who)));
    await waitFor('berth to list again', async () => (await alice.call<Item[]>(`${D}/list`).catch(() => [])).length > 0, 20_000);
    const mine = await alice.call<Item[]>(`${D}/list`);
    expect(mine.map((i) => i.owner)).toEqual(['alice', 'alice']);
    expect(names(mine)).toContain('aweb');
    expect(names(await bob.call<Item[]>(`${D}/list`))).toEqual(['bweb', 'bweb2']);
    expect((await bob.callError(`${D}/aweb/stop`)).error).toBe('wamp.error.not_authorized');
    expect((await bob.callError(`${D}/removeImage`, ['aimg'])).error).toBe('wamp.error.not_authorized');
    expect(await root.call<Item[]>(`${D}/list`)).toHaveLength(4);
  });

  it("the admin removes anyone's containers and images", async () => {
    for (const n of ['bweb', 'bweb2']) expect(await root.call(`${D}/remove`, [n])).toEqual({ name: n, removed: true });
    expect(await root.call(`${D}/removeImage`, ['bimg'])).toEqual({ name: 'bimg', removed: true });
    expect(await bob.call(`${D}/list`)).toEqual([]);
    expect(await bob.call(`${D}/images`)).toEqual([]);
    expect(names(await alice.call<Item[]>(`${D}/list`))).toHaveLength(2);
  });
});

describe.skipIf(ROUTER_KIND !== 'crossbar')('a router that does not disclose callers, in callers: owner mode', { timeout: 120_000 }, () => {
  const D = testDomain('nod');
  let dir: string | undefined;
  let crossbar: Crossbar;
  let berth: BerthProcess;

  beforeAll(async () => {
    // Made here, not in the describe body: that runs even when the router kind skips this block.
    dir = mkdtempSync(join(tmpdir(), 'berth-nod-'));
    // The same users, but no role's calls are disclosed.
    const template = join(dir, 'no-disclosure.json');
    writeFileSync(template, readFileSync(TEMPLATE, 'utf8').replaceAll('"caller": true', '"caller": false'));
    crossbar = await Crossbar.start({ template });
    berth = await BerthProcess.start(['--router', crossbar.url, '--domain', D, '--authid', TEST_AUTHID, '--ticket', TEST_TICKET], { procedures: 8 });
  });

  afterAll(async () => {
    await berth?.stop();
    await crossbar?.[Symbol.asyncDispose]();
    await cleanDomain(D);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every call with not_authorized, saying that caller disclosure must be enabled, and warns once', async () => {
    await using alice = await WampClient.connect(crossbar.url, { authid: 'alice', ticket: 'alice-ticket' });
    for (const [op, a] of [['list', []], ['images', []], ['create', ['x', 'y']], ['build', ['x', 'http://127.0.0.1:1/x.git']]] as const) {
      const err = await alice.callError(`${D}/${op}`, [...a]);
      expect({ op, error: err.error }).toEqual({ op, error: 'wamp.error.not_authorized' });
      expect(String(err.args[0])).toMatch(/caller disclosure/);
    }
    expect(berth.lines.filter((l) => /does not disclose callers/.test(l.msg))).toHaveLength(1);
    expect(await containersOf(D)).toEqual([]);
  });
});
