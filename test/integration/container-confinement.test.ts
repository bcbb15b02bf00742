import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTags } from '../helpers/build-helpers.js';
import { PYTHON } from '../helpers/crossbar.js';
import { startTenantBerth, type TenantBerth } from '../helpers/tenant-berth.js';
import { BUSYBOX_IMAGE, cleanDomain, docker, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { nexusSkip, ON_NEXUS, ROUTER_KIND } from '../helpers/test-router.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';
import { peerSteps } from '../helpers/peer-steps.js';

/**
 * Container confinement: a container acts only in its own domain. The same story on both routers: Crossbar.io exactly as
 * docs/crossbar.md configures it (D._authenticate / D._authorize), and berth's own embedded router. The test joins from
 * the host with a real container's credentials (read from the engine, as the code inside the container sees them), so
 * every refusal is the router's, not the container's.
 */
const D = testDomain('conf');
// Made in beforeAll: a describe skipped by name (on nexus) is still collected, and would leave it behind.
let dir = '';
let git: GitServer;
let tenant: TenantBerth;
let alice: WampClient;
/** Where containers join, as the host reaches that listener. */
let containersUrl: string;

const NOT_AUTHORIZED = 'wamp.error.not_authorized';
const PEER = fileURLToPath(new URL('../peers/container_peer.py', import.meta.url));
const run = promisify(execFile);

async function credentials(name: string): Promise<{ authid: string; ticket: string }> {
  const env = JSON.parse(await docker('inspect', '-f', '{{json .Config.Env}}', `${D}.${name}`)) as string[];
  const get = (k: string) => env.find((e) => e.startsWith(`${k}=`))!.slice(k.length + 1);
  return { authid: get('WAMP_AUTHID'), ticket: get('WAMP_TICKET') };
}

async function joinError(url: string, options: { authid?: string; ticket?: string }): Promise<string> {
  try {
    const c = await WampClient.connect(url, options);
    await c.close();
    return 'joined';
  } catch (err) {
    return (err as Error).message;
  }
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'allowed';
  } catch (err) {
    return err instanceof autobahn.Error ? err.error : String((err as { error?: string }).error ?? err);
  }
}

describe.skipIf(ON_NEXUS)(nexusSkip(`containers are confined to their own domain (${ROUTER_KIND})`, 'tickets'), { timeout: 300_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-confine-'));
    git = await GitServer.start();
    git.addFixture('busybox-app');
    const common = { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } };
    tenant = await startTenantBerth(ROUTER_KIND, D, dir, common);
    containersUrl = tenant.containersUrl;
    alice = await tenant.connect('alice');
    await alice.call(`${D}/build`, ['app', git.url('busybox-app')]);
    await alice.call(`${D}/create`, ['app', 'c1']);
    await alice.call(`${D}/create`, ['app', 'c2']);
  });

  afterAll(async () => {
    await alice?.close();
    await tenant?.[Symbol.asyncDispose]();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a container joins with its own ticket and may register and publish only under D.N/ and D.N.<sub>', async () => {
    await using c1 = await WampClient.connect(containersUrl, await credentials('c1'));
    const s = c1.session;
    expect(await refusal(s.register(`${D}.c1/hello`, () => 'hello from c1'))).toBe('allowed');
    expect(await refusal(s.register(`${D}.c1.api/v1`, () => 'sub'))).toBe('allowed');
    expect(await refusal(s.publish(`${D}.c1/news`, ['x'], {}, { acknowledge: true }))).toBe('allowed');
    // Another client reaches what it registered.
    expect(await alice.call(`${D}.c1/hello`)).toBe('hello from c1');

    // `D/x/top`, `D/c2/top`: berth serves containers' procedures through its prefix `D/`, which an exact registration would shadow.
    for (const uri of [`${D}.c2/hello`, `${D}/build2`, `${D}.C1/hello`, `${D}.c1x/hello`, `com.example/x`, `${D}/x/top`, `${D}/c2/top`]) {
      expect(await refusal(s.register(uri, () => 'squat')), `register ${uri}`).toBe(NOT_AUTHORIZED);
    }
    // Crossbar.io 26.10 builds its not_authorized answer but then answers procedure_already_exists for a procedure that
    // is registered (dealer.py processRegister): refused either way, nothing registered.
    for (const uri of [`${D}/build`, `${D}/list`, `${D}._authenticate`]) {
      expect(await refusal(s.register(uri, () => 'squat')), `register ${uri}`).toMatch(ROUTER_KIND === 'crossbar' ? /not_authorized|procedure_already_exists/ : /not_authorized/);
    }
    for (const [uri, match] of [[`${D}.c1`, 'prefix'], [D, 'prefix'], ['', 'prefix'], [`${D}.`, 'prefix'], [`${D}..hello`, 'wildcard']] as const) {
      expect(await refusal(s.register(uri, () => 'squat', { match } as autobahn.IRegisterOptions)), `register ${match} "${uri}"`).toBe(NOT_AUTHORIZED);
    }
    // (URIs with empty components never reach the rules: both routers refuse them as invalid URIs, and Crossbar.io
    // closes the session; the rules refuse them too, see test/unit/tenancy.)
    for (const uri of [`${D}.c2/news`, `${D}/build/app`, `other.topic`]) {
      expect(await refusal(s.publish(uri, ['x'], {}, { acknowledge: true })), `publish ${uri}`).toBe(NOT_AUTHORIZED);
    }
  });

  it('Autobahn|Python with a container\'s credentials: joins as role container, serves its own domain, refused elsewhere', async () => {
    const c1 = await credentials('c1');
    const { stdout } = await run(PYTHON, [PEER, containersUrl, D, 'c1', c1.authid, c1.ticket, 'c2'], { timeout: 60_000 });
    const steps = peerSteps<Record<string, unknown>>(stdout);
    expect(steps.joined).toMatchObject({ authid: `${D}.c1`, authrole: 'container' });
    expect(steps.register_own).toMatchObject({ outcome: 'ok' });
    expect(steps.register_other).toMatchObject({ outcome: NOT_AUTHORIZED });
    expect(String(steps.register_appliance!.outcome)).toMatch(ROUTER_KIND === 'crossbar' ? /not_authorized|procedure_already_exists/ : /not_authorized/);
    expect(steps.publish_own).toMatchObject({ outcome: 'ok' });
    expect(steps.publish_other).toMatchObject({ outcome: NOT_AUTHORIZED });
    expect(steps.call_create).toMatchObject({ outcome: NOT_AUTHORIZED });
    expect(steps.crash).toBeUndefined();
  });

  it('a container may call other domains but not the appliance, berth\'s own procedures or the router\'s meta API', async () => {
    await using c1 = await WampClient.connect(containersUrl, await credentials('c1'));
    await using c2 = await WampClient.connect(containersUrl, await credentials('c2'));
    await c2.session.register(`${D}.c2/echo`, (args?: unknown[]) => args?.[0]);
    expect(await c1.call(`${D}.c2/echo`, ['hi'])).toBe('hi');
    for (const uri of [`${D}/create`, `${D}/list`, `${D}/c2/logs`, `${D}._authorize`, 'wamp.session.list', 'wamp.session.kill_by_authid']) {
      expect((await c1.callError(uri, uri === `${D}/create` ? ['app', 'c9'] : [])).error, `call ${uri}`).toBe(NOT_AUTHORIZED);
    }
    expect(await refusal(c1.session.subscribe(`${D}/build/app`, () => undefined))).toBe(NOT_AUTHORIZED);
    expect(await refusal(c1.session.subscribe(`${D}.c2/news`, () => undefined))).toBe('allowed');
    const names = (await alice.call<{ name: string }[]>(`${D}/list`)).map((c) => c.name);
    expect(names.sort()).toEqual(['c1', 'c2']);
  });

  it('users may not register or publish in the appliance\'s or any container\'s domain', async () => {
    // `D/x/top` (no such container) and `D/c1/top` (alice's own): an exact registration would shadow berth's prefix `D/`.
    for (const uri of [`${D}.c1/hello2`, `${D}/list2`, `${D.toUpperCase()}/create`, `${D}.newname/x`, `${D}/x/top`, `${D}/c1/top`]) {
      expect(await refusal(alice.session.register(uri, () => 'squat')), `register ${uri}`).toBe(NOT_AUTHORIZED);
    }
    expect(await alice.call(`${D}/c1/inspect`)).toMatchObject({ name: 'c1' });
    expect(await refusal(alice.session.register(D, () => 'squat', { match: 'prefix' } as autobahn.IRegisterOptions))).toBe(NOT_AUTHORIZED);
    expect(await refusal(alice.session.publish(`${D}.c1/news`, ['forged'], {}, { acknowledge: true }))).toBe(NOT_AUTHORIZED);
    expect(await refusal(alice.session.register(`com.alice.${D}/echo`, () => 'mine'))).toBe('allowed');
  });

  it('forged, foreign and anonymous joins on the containers\' listener are refused', async () => {
    const c1 = await credentials('c1');
    const c2 = await credentials('c2');
    expect(await joinError(containersUrl, { authid: c1.authid, ticket: 'forged' })).toMatch(/authentication_failed|not_authorized/);
    expect(await joinError(containersUrl, { authid: c1.authid, ticket: c2.ticket })).toMatch(/authentication_failed|not_authorized/);
    expect(await joinError(containersUrl, { authid: `${D}.nope`, ticket: c1.ticket })).toMatch(/authentication_failed|not_authorized/);
    expect(await joinError(containersUrl, { authid: `other.c1`, ticket: c1.ticket })).toMatch(/authentication_failed|not_authorized/);
    expect(await joinError(containersUrl, {})).toMatch(/not_authorized|no_auth_method|authentication_failed/);
  });

  it('berth restarted: a container\'s ticket still joins, a forged one still does not', async () => {
    await alice.close();
    await tenant.restart();
    alice = await tenant.connect('alice');
    const c1 = await credentials('c1');
    expect(await waitFor('the container to join again', async () => ((await joinError(containersUrl, c1)) === 'joined' ? 'joined' : undefined), 15_000)).toBe('joined');
    expect(await joinError(containersUrl, { authid: c1.authid, ticket: 'forged' })).toMatch(/authentication_failed|not_authorized/);
  });

  it('remove ends the container\'s sessions at once and its ticket no longer joins; a re-created name gets a new ticket', async () => {
    const old = await credentials('c2');
    const c2 = await WampClient.connect(containersUrl, old);
    expect(c2.session.isOpen).toBe(true);
    await alice.call(`${D}/remove`, ['c2']);
    await waitFor('the removed container\'s session to be killed', () => !c2.session.isOpen, 10_000);
    expect(await joinError(containersUrl, old)).toMatch(/authentication_failed|not_authorized/);
    await alice.call(`${D}/create`, ['app', 'c2']);
    const fresh = await credentials('c2');
    expect(fresh.ticket).not.toBe(old.ticket);
    expect(await joinError(containersUrl, old)).toMatch(/authentication_failed|not_authorized/);
    expect(await joinError(containersUrl, fresh)).toBe('joined');
  });
});
