import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { PYTHON } from '../helpers/crossbar.js';
import { cleanDomain, containersOf, makeImage, testDomain } from '../helpers/docker.js';
import { peerSteps } from '../helpers/peer-steps.js';

const run = promisify(execFile);
const PEER = fileURLToPath(new URL('../peers/appliance_client.py', import.meta.url));
const routerUrl = inject('routerUrl');
const D = testDomain('py');

describe('an independent Autobahn|Python caller', { timeout: 180_000 }, () => {
  let berth: BerthProcess;
  beforeAll(async () => {
    await makeImage(D, 'bb');
    berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
  });
  afterAll(async () => {
    await berth?.stop();
    await cleanDomain(D);
  });

  it('drives the whole container lifecycle with positional and keyword arguments', async () => {
    const { stdout } = await run(PYTHON, [PEER, routerUrl, D, 'bb', 'pyweb'], { timeout: 120_000 });
    const steps = peerSteps<Record<string, any>>(stdout);
    expect(steps.crash).toBeUndefined();
    expect(steps.images!.result.map((i: { name: string }) => i.name)).toEqual(['bb']);
    expect(steps.create!.result).toMatchObject({ name: 'pyweb', image: 'bb', domain: `${D}.pyweb`, state: 'running' });
    expect(steps.create_again).toMatchObject({ error: 'berth.error.already_exists', kwargs: { name: 'pyweb' } });
    expect(steps.create_again!.args[0]).toMatch(/already exists/);
    expect(steps.create_bad!.error).toBe('wamp.error.invalid_argument');
    expect(steps.list!.result.map((c: { name: string }) => c.name)).toEqual(['pyweb']);
    expect(steps.inspect!.result.config.environment).toMatchObject({ FROM_PYTHON: 'yes', DOMAIN: `${D}.pyweb` });
    expect(steps.stop!.result.state).toBe('exited');
    expect(steps.start!.result.state).toBe('running');
    expect(steps.logs!.result).toContain(`hello from ${D}.pyweb`);
    expect(steps.remove!.result).toEqual({ name: 'pyweb', removed: true });
    expect(steps.start_removed!.error).toBe('wamp.error.no_such_procedure');
    expect(await containersOf(D)).toEqual([]);
  });
});
