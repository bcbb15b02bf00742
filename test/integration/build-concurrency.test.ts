import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { buildContainersOf, buildDirs, danglingOf, writeConfig } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, docker, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const D = testDomain('bcc');
const dir = mkdtempSync(join(tmpdir(), 'berth-bcc-'));

describe('concurrent builds of a fresh domain', { timeout: 120_000 }, () => {
  afterAll(async () => {
    const left = await danglingOf(D);
    if (left.length) await docker('rmi', ...left).catch(() => undefined);
    await cleanDomain(D);
    rmSync(dir, { recursive: true, force: true });
  });

  it('share one build network (two at once made two networks of one name: "ambiguous"), and both canceled leave nothing', async () => {
    await using git = await GitServer.start();
    git.addRepo('s', { 'Run.yaml': 'Base: busybox\nSetup:\n  - echo concurrency-marker; sleep 60\nCommand: [/bin/true]\n' });
    const config = writeConfig(dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true, concurrency: 2 } });
    await using berth = await BerthProcess.start(['--router', routerUrl, '--domain', D, '--config', config], { procedures: 8 });
    await using client = await WampClient.connect(routerUrl);
    // The first two builds of the domain start together: both need the build network, which does not exist yet.
    const a = client.callError(`${D}/build`, ['q1', git.url('s')]);
    const b = client.callError(`${D}/build`, ['q2', git.url('s')]);
    await waitFor('both builds to run a step', async () => (await buildContainersOf(D)).length === 2, 60_000);
    expect((await docker('network', 'ls', '-q', '--filter', `name=berth-build-${D}`)).split('\n').filter(Boolean)).toHaveLength(1);
    await Promise.all([client.call(`${D}/cancelBuild`, ['q1']), client.call(`${D}/cancelBuild`, ['q2'])]);
    expect((await a).error).toBe('berth.error.canceled');
    expect((await b).error).toBe('berth.error.canceled');
    // The engine may commit the step it was in after the abort: berth sweeps the domain's untagged build images once no
    // build has run for 2 s.
    await waitFor('no dangling build image', async () => (await danglingOf(D)).length === 0, 20_000);
    expect(await buildContainersOf(D)).toEqual([]);
    expect(buildDirs(berth.child.pid)).toEqual([]);
  });
});
