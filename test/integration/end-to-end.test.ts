import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { removeTags, writeConfig } from '../helpers/build-helpers.js';
import { cleanDomain, containersOf, docker, testDomain } from '../helpers/docker.js';
import { DOCS_USERS, startDocsCrossbar, type DocsCrossbar } from '../helpers/crossbar-docs.js';
import { GitServer } from '../helpers/git-server.js';
import { freePort, waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const D = testDomain('e2e');
const dir = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
let router: DocsCrossbar;
let git: GitServer;
let berth: BerthProcess;
let client: WampClient;

/** Call D.N/hello until it answers (the backend needs a moment to start and join). */
function hello(name: string, who: string, via = client, timeoutMs = 60_000): Promise<string> {
  return waitFor(`${D}.${name}/hello to answer`, () => via.call<string>(`${D}.${name}/hello`, [who]).catch(() => undefined), timeoutMs, 250);
}

describe('end to end: a backend built from git joins the fabric under its own domain', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    await docker('image', 'inspect', 'berth/exis-python:1'); // made by scripts/test-setup.sh
    // Crossbar.io exactly as docs/crossbar.md configures it: people on loopback, containers (with their own tickets,
    // through D._authenticate) on the bridge gateway.
    router = await startDocsCrossbar(D);
    git = await GitServer.start();
    git.addFixture('hello-backend');
    const config = writeConfig(dir, { build: { allowPrivateHosts: true } });
    berth = await BerthProcess.start([...router.berthArgs(D), '--config', config]);
    client = await WampClient.connect(router.url, { authid: 'alice', ticket: DOCS_USERS.alice });
  });

  afterAll(async () => {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    await router?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('build → create → D.N/hello answers another client → stop (gone) → start (back) → remove', async () => {
    const lines = await client.call<string[]>(`${D}/build`, ['hello', git.url('hello-backend')]);
    expect(lines.length).toBeGreaterThan(3);
    const c = await client.call<{ domain: string; state: string }>(`${D}/create`, ['hello', 'hb1']);
    expect(c).toMatchObject({ domain: `${D}.hb1`, state: 'running' });

    expect(await hello('hb1', 'alice')).toBe(`hello alice from ${D}.hb1`);
    const logs = await client.call<string>(`${D}/hb1/logs`);
    expect(logs).toContain(`joining ${router.containerRouterUrl} realm realm1 as ${D}.hb1`);
    expect(logs).toContain(`registered ${D}.hb1/hello`);

    expect(await client.call(`${D}/hb1/stop`)).toMatchObject({ state: 'exited' });
    await waitFor('the procedure to go away', async () => !(await client.isRegistered(`${D}.hb1/hello`)), 20_000);
    expect((await client.callError(`${D}.hb1/hello`)).error).toBe('wamp.error.no_such_procedure');

    expect(await client.call(`${D}/hb1/start`)).toMatchObject({ state: 'running' });
    expect(await hello('hb1', 'bob')).toBe(`hello bob from ${D}.hb1`);

    expect(await client.call(`${D}/remove`, ['hb1'])).toEqual({ name: 'hb1', removed: true });
    await waitFor('the procedure to go away', async () => !(await client.isRegistered(`${D}.hb1/hello`)), 20_000);
    expect(await containersOf(D)).toEqual([]);
  });

  it('zero-config: berth with its embedded router, and the backend joins it from its container', async () => {
    const port = await freePort();
    const config = writeConfig(dir, { build: { allowPrivateHosts: true } });
    await using standalone = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D, '--config', config]);
    await using caller = await WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    // An anonymous caller here: its own image (Alice owns `hello` in this domain since the test above).
    await caller.call(`${D}/build`, ['hello-anon', git.url('hello-backend')]);
    await caller.call(`${D}/create`, ['hello-anon', 'hb2']);
    expect(await hello('hb2', 'carol', caller)).toBe(`hello carol from ${D}.hb2`);
    expect(await caller.call<string>(`${D}/hb2/logs`)).toContain(`joining ws://host.docker.internal:${port}/ws realm realm1 as ${D}.hb2`);
    await caller.call(`${D}/remove`, ['hb2']);
    expect(standalone.child.exitCode).toBeNull();
  });
});
