import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.js';
import { Daemon } from '../../src/daemon.js';
import { engineContainerName } from '../../src/engine/labels.js';
import { createLogger } from '../../src/log.js';
import { RawClient } from '../conformance/helpers/raw-client.js';
import { BerthProcess } from '../helpers/berth-process.js';
import { removeTags, writeConfig } from '../helpers/build-helpers.js';
import { bridgeGateway, cleanDomain, containersOf, docker, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { freePort, waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

/**
 * Tenancy on berth's embedded router (berth without --router), with a real Autobahn|Python backend in a real container:
 * it joins with its own WAMP_AUTHID/WAMP_TICKET on the bridge gateway's listener and is confined to its own domain;
 * nobody else gets in there; its ticket survives a berth restart and dies with the container.
 */
const D = testDomain('ca');
const dir = mkdtempSync(join(tmpdir(), 'berth-ca-'));
let git: GitServer;
let port: number;
let gateway: string;
let berth: BerthProcess | undefined;
let daemon: Daemon | undefined;
let client: WampClient;

const listenUrl = () => `ws://127.0.0.1:${port}/ws`;
const containersUrl = () => `ws://${gateway}:${port}/ws`;

/** The JSON lines the backend printed (its container's logs, through berth). */
async function backendLines(name: string, via = client): Promise<Record<string, unknown>[]> {
  const text = await via.call<string>(`${D}/${name}/logs`);
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A container's ticket, read from the engine as the test's back door (berth never returns or logs it). */
async function ticketOf(name: string): Promise<string> {
  const env = JSON.parse(await docker('inspect', '-f', '{{json .Config.Env}}', engineContainerName(D, name))) as string[];
  return env.find((e) => e.startsWith('WAMP_TICKET='))!.slice('WAMP_TICKET='.length);
}

/** HELLO over a raw WebSocket (answering a ticket challenge): the WELCOME or ABORT frame. */
async function tryJoin(url: string, authid?: string, ticket?: string): Promise<unknown[]> {
  await using c = await RawClient.open({ name: 'embedded', url, realm: 'realm1' }, { join: false });
  c.send([1, 'realm1', { roles: { caller: {} }, ...(authid === undefined ? {} : { authid, authmethods: ['ticket'] }) }]);
  let answer = await c.next((m) => m[0] === 2 || m[0] === 3 || m[0] === 4, 15_000);
  if (answer[0] === 4) {
    c.send([5, ticket ?? '', {}]);
    answer = await c.next((m) => m[0] === 2 || m[0] === 3, 15_000);
  }
  return answer;
}
const outcome = (frame: unknown[]) => (frame[0] === 2 ? `welcome ${(frame[2] as { authrole: string }).authrole}` : `abort ${String(frame[2])}`);

/** Call D.N/hello until it answers (the backend needs a moment to start and join). */
const hello = (name: string, who: string, via = client) =>
  waitFor(`${D}.${name}/hello to answer`, () => via.call<string>(`${D}.${name}/hello`, [who]).catch(() => undefined), 60_000, 250);

describe('containers on the embedded router: tickets and confinement', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    await docker('image', 'inspect', 'berth/exis-python:1'); // made by scripts/test-setup.sh
    gateway = await bridgeGateway();
    git = await GitServer.start();
    git.addFixture('ticket-backend');
    port = await freePort();
    const config = writeConfig(dir, { build: { allowPrivateHosts: true } });
    berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D, '--config', config]);
    client = await WampClient.connect(listenUrl());
    await client.call(`${D}/build`, ['tb', git.url('ticket-backend')]);
  });

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await berth?.stop();
    await daemon?.stop();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the backend joins with its ticket as role container and serves D.N/hello; everything outside its domain is refused', async () => {
    await client.call(`${D}/create`, ['tb', 'c1'], { environment: { PROBE_FABRIC: '1' } });
    expect(await hello('c1', 'alice')).toBe(`hello alice from ${D}.c1`);
    const lines = await waitFor('the probes to finish', async () => {
      const l = await backendLines('c1');
      return l.filter((x) => x.probe).length >= 7 ? l : undefined;
    });
    expect(lines.find((l) => l.joined)).toEqual({ joined: `${D}.c1`, authrole: 'container', authmethod: 'ticket' });
    const probes = Object.fromEntries(lines.filter((l) => l.probe).map((l) => [l.probe, l.outcome]));
    expect(probes).toEqual({
      register_other: 'wamp.error.not_authorized', // D.other/hello
      register_build: 'wamp.error.not_authorized', // D/build
      register_prefix: 'wamp.error.not_authorized', // prefix D: would cover every domain
      publish_other: 'wamp.error.not_authorized', // D.other/news
      publish_own: 'ok',
      call_create: 'wamp.error.not_authorized', // D/create
      call_list: 'wamp.error.not_authorized', // containers.callAppliance is false by default
    });
    // nothing forged got in: the appliance still answers D/list, nobody serves D.other/hello
    expect((await client.callError(`${D}.other/hello`)).error).toBe('wamp.error.no_such_procedure');
    expect((await client.call<{ name: string }[]>(`${D}/list`)).map((c) => c.name)).toEqual(['c1']);
  });

  it('the containers listener refuses anonymous, wrong and foreign tickets; --listen refuses wrong container tickets too', async () => {
    const ticket = await ticketOf('c1');
    expect(outcome(await tryJoin(containersUrl()))).toBe('abort wamp.error.no_auth_method');
    expect(outcome(await tryJoin(containersUrl(), `${D}.c1`, 'forged-forged-forged-forged-forged-forged'))).toBe('abort wamp.error.authentication_failed');
    expect(outcome(await tryJoin(containersUrl(), `${D}.c2`, ticket))).toBe('abort wamp.error.authentication_failed');
    expect(outcome(await tryJoin(containersUrl(), `other.c1`, ticket))).toBe('abort wamp.error.authentication_failed');
    expect(outcome(await tryJoin(listenUrl(), `${D}.c1`, `${ticket}x`))).toBe('abort wamp.error.authentication_failed');
    // the right ticket is role container on either listener
    expect(outcome(await tryJoin(containersUrl(), `${D}.c1`, ticket))).toBe('welcome container');
    expect(outcome(await tryJoin(listenUrl(), `${D}.c1`, ticket))).toBe('welcome container');
    // the operator's side stays open to anonymous callers (embeddedRouter.anonymous defaults to true)
    expect(outcome(await tryJoin(listenUrl()))).toBe('welcome anonymous');
  });

  it('berth restarted: the container rejoins with the same ticket; revoke kills its session; after remove the ticket is dead', async () => {
    const ticket = await ticketOf('c1');
    const joinedBefore = (await backendLines('c1')).filter((l) => l.joined).length;
    await client.close();
    expect(await berth!.stop()).toBe(0);
    berth = undefined;
    // berth again on the same port (the container's WS_URL), in this process so that the test can call its revoke
    const config = configSchema.parse({ listen: `127.0.0.1:${port}`, domain: D, build: { allowPrivateHosts: true } });
    daemon = new Daemon(config, createLogger('silent'));
    await daemon.start();
    client = await WampClient.connect(listenUrl());
    await waitFor('berth to serve its procedures again', () => client.isRegistered(`${D}/list`).catch(() => false));
    expect(await hello('c1', 'bob')).toBe(`hello bob from ${D}.c1`);
    expect((await backendLines('c1')).filter((l) => l.joined).length).toBeGreaterThan(joinedBefore);

    // revoke: every session of D.c1 is killed (the backend is told why); its ticket is still valid, so it may rejoin
    await using own = await RawClient.open({ name: 'embedded', url: listenUrl(), realm: 'realm1' }, { join: false });
    own.send([1, 'realm1', { roles: { caller: {} }, authid: `${D}.c1`, authmethods: ['ticket'] }]);
    await own.next((m) => m[0] === 4);
    own.send([5, ticket, {}]);
    await own.next((m) => m[0] === 2);
    const leftBefore = (await backendLines('c1')).filter((l) => l.left).length; // the restart told it system_shutdown
    await daemon.revokeSessions(`${D}.c1`);
    expect((await own.next((m) => m[0] === 6, 10_000))[2]).toBe('wamp.close.killed');
    const left = await waitFor('the backend to be told', async () => (await backendLines('c1')).filter((l) => l.left).slice(leftBefore)[0]);
    expect(left.left).toBe('wamp.close.killed');
    expect(await hello('c1', 'carol')).toBe(`hello carol from ${D}.c1`);

    expect(await client.call(`${D}/remove`, ['c1'])).toEqual({ name: 'c1', removed: true });
    await waitFor('D.c1/hello to go away', async () => !(await client.isRegistered(`${D}.c1/hello`)), 20_000);
    expect(outcome(await tryJoin(containersUrl(), `${D}.c1`, ticket))).toBe('abort wamp.error.authentication_failed');
    expect(outcome(await tryJoin(listenUrl(), `${D}.c1`, ticket))).toBe('abort wamp.error.authentication_failed');
    expect(await containersOf(D)).toEqual([]);
  });
});

describe('users of embeddedRouter.tickets: build topics only for their owner (embedded router)', { timeout: 300_000 }, () => {
  const D2 = testDomain('cu');
  const dir2 = mkdtempSync(join(tmpdir(), 'berth-cu-'));
  let git2: GitServer;
  let users: BerthProcess | undefined;
  const url = { value: '' };
  const secrets = { alice: 'alice-secret-for-the-test', bob: 'bob-secret-for-the-test', root: 'root-secret-for-the-test' };

  beforeAll(async () => {
    git2 = await GitServer.start();
    git2.addRepo('app', { 'Run.yaml': 'Base: busybox\nCommand: trap "exit 0" TERM; while true; do sleep 1; done\n' });
    const tickets = { alice: { secret: secrets.alice, role: 'user' }, bob: { secret: secrets.bob, role: 'user' }, root: { secret: secrets.root, role: 'admin' } };
    const config = writeConfig(dir2, { bases: { busybox: 'berth-test/busybox:latest' }, build: { allowPrivateHosts: true }, embeddedRouter: { tickets, anonymous: false } });
    const p = await freePort();
    url.value = `ws://127.0.0.1:${p}/ws`;
    users = await BerthProcess.start(['--listen', `127.0.0.1:${p}`, '--domain', D2, '--config', config]);
  });

  afterAll(async () => {
    await users?.stop();
    await cleanDomain(D2);
    await removeTags(D2);
    await git2?.[Symbol.asyncDispose]();
    rmSync(dir2, { recursive: true, force: true });
  });

  it("Bob may not subscribe to Alice's build topic; Alice and the admin may; anonymous may not join at all", async () => {
    await using alice = await WampClient.connect(url.value, { authid: 'alice', ticket: secrets.alice });
    await using bob = await WampClient.connect(url.value, { authid: 'bob', ticket: secrets.bob });
    await using root = await WampClient.connect(url.value, { authid: 'root', ticket: secrets.root });
    await alice.call(`${D2}/build`, ['aimg', git2.url('app')]);
    const subscribe = (c: WampClient, topic: string) => c.session.subscribe(topic, () => undefined).then(() => 'allowed', (e: { error: string }) => e.error);
    expect(await subscribe(bob, `${D2}/build/aimg`)).toBe('wamp.error.not_authorized');
    expect(await subscribe(alice, `${D2}/build/aimg`)).toBe('allowed');
    expect(await subscribe(root, `${D2}/build/aimg`)).toBe('allowed');
    expect(outcome(await tryJoin(url.value))).toBe('abort wamp.error.no_auth_method');
  });
});
