import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { BUSYBOX_IMAGE, testDomain } from '../helpers/docker.js';
import { SecondEngine } from '../helpers/second-engine.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const OPS = ['image', 'inspect', 'logs', 'restart', 'start', 'stop', 'top'];

// "An engine restarted under berth" — a real dockerd of the test's own is stopped and started again while berth
// runs on it (the restart policy, which the proxy-based outage test cannot show).
describe('the engine is restarted under berth', { timeout: 300_000 }, () => {
  const D = testDomain('rst');
  let engine: SecondEngine;
  let client: WampClient;

  beforeAll(async () => {
    engine = await SecondEngine.start();
    const dir = mkdtempSync(join(tmpdir(), 'berth-rst-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${BUSYBOX_IMAGE}\nLABEL berth.domain=${JSON.stringify(D)} berth.name="bb"\n`);
    await engine.docker('build', '-q', '-t', `berth-test-${D}/bb:latest`, dir);
    rmSync(dir, { recursive: true, force: true });
    client = await WampClient.connect(routerUrl);
  });
  afterAll(async () => {
    await client?.close();
    await engine?.[Symbol.asyncDispose]();
  });

  it('calls answer engine_unavailable meanwhile; running containers come back, a stopped one stays stopped, endpoints match', async () => {
    await using berth = await BerthProcess.start(['--router', routerUrl, '--domain', D, '--docker-host', engine.dockerHost]);
    await client.call(`${D}/create`, ['bb', 'up1']);
    await client.call(`${D}/create`, ['bb', 'up2']);
    await client.call(`${D}/create`, ['bb', 'down1']);
    expect(await client.call(`${D}/down1/stop`)).toMatchObject({ state: 'exited' });

    await engine.halt();
    const t0 = Date.now();
    for (const [proc, args] of [[`${D}/list`, []], [`${D}/create`, ['bb', 'x1']], [`${D}/up1/inspect`, []]] as const) {
      await waitFor(`${proc} to answer engine_unavailable`, async () => (await client.callError(proc, [...args])).error === 'berth.error.engine_unavailable', 35_000, 250);
    }
    expect(Date.now() - t0).toBeLessThan(35_000);

    await engine.boot();
    await waitFor('berth to see the engine again', async () => Array.isArray(await client.call(`${D}/list`).catch(() => undefined)), 30_000);
    const settled = await waitFor('the containers to settle', async () => {
      const list = await client.call<{ name: string; state: string }[]>(`${D}/list`);
      const states = Object.fromEntries(list.map((c) => [c.name, c.state]));
      return states.up1 === 'running' && states.up2 === 'running' ? states : undefined;
    }, 30_000);
    expect(settled).toEqual({ up1: 'running', up2: 'running', down1: 'exited' });
    // what berth says is what the engine says
    const engineStates = Object.fromEntries((await engine.docker('ps', '-a', '--format', '{{.Names}} {{.State}}')).split('\n').map((l) => l.split(' ')));
    expect(engineStates).toEqual({ [`${D}.up1`]: 'running', [`${D}.up2`]: 'running', [`${D}.down1`]: 'exited' });
    for (const name of ['up1', 'up2', 'down1']) for (const op of OPS) expect(await client.serves(`${D}/${name}/${op}`), `${name}/${op}`).toBe(true);
    expect((await client.callError(`${D}/x1/start`)).error).toBe('wamp.error.no_such_procedure');
    expect(await client.call(`${D}/up1/stop`)).toMatchObject({ state: 'exited' });
    expect(berth.child.exitCode).toBeNull();
    for (const name of ['up1', 'up2', 'down1']) await client.call(`${D}/remove`, [name]);
  });
});
