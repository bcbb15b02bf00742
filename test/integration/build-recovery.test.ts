import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { buildContainersOf, buildDirs, danglingOf, removeTags, writeConfig } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, docker, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const D = testDomain('rcv');
const dir = mkdtempSync(join(tmpdir(), 'berth-rcv-'));
let git: GitServer;
let client: WampClient;
const berths: BerthProcess[] = [];

async function containerExists(id: string): Promise<boolean> {
  return docker('container', 'inspect', id).then(
    () => true,
    () => false,
  );
}

async function imageExists(id: string): Promise<boolean> {
  return docker('image', 'inspect', id).then(
    () => true,
    () => false,
  );
}

describe('crash recovery: berth SIGKILLed mid-build removes what the build left when it starts again', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    git = await GitServer.start();
    // A first step that is committed (a step image), then one that sleeps: berth dies while it runs.
    git.addRepo('sleepy', {
      'Run.yaml': `Base: busybox\nSetup:\n  - echo ${D} > /app/step-one.txt\n  - echo recovery-marker; sleep 120\nCommand: echo never\n`,
    });
    client = await WampClient.connect(routerUrl);
  });

  afterAll(async () => {
    await client?.close();
    for (const b of berths) await b.stop();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('regression (finding 12): no temp dir, no build container, no dangling step image of the domain once berth answers', async () => {
    const config = writeConfig(dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } });
    const args = ['--router', routerUrl, '--domain', D, '--config', config];
    const first = await BerthProcess.start(args, { procedures: 8 });
    berths.push(first);
    const lines: string[] = [];
    const sub = await client.session.subscribe(`${D}/build/sleepy`, (a: unknown[] = []) => void (typeof a[0] === 'string' && lines.push(a[0])));
    const call = client.callError(`${D}/build`, ['sleepy', git.url('sleepy')]).catch(() => undefined);
    // The step's own output (the "Step 6/7 : RUN …" line names the marker too, before its container exists).
    await waitFor('the sleeping Setup step', () => lines.includes('recovery-marker'), 60_000);
    await client.session.unsubscribe(sub);
    // The step images the engine made so far (the first " ---> <id>" is the base).
    const steps = lines.map((l) => /^ ---> ([0-9a-f]{12})$/.exec(l)?.[1]).filter((id): id is string => id !== undefined).slice(1);
    expect(steps.length).toBeGreaterThanOrEqual(3); // (LABEL,) WORKDIR, COPY, the first RUN
    // The engine's container of the sleeping step.
    const running = lines.map((l) => /^ ---> Running in ([0-9a-f]{12})$/.exec(l)?.[1]).filter((id): id is string => id !== undefined).pop()!;
    // What a killed build leaves: the test is only meaningful if these exist at the kill.
    expect(buildDirs(first.child.pid)).toHaveLength(1);
    expect(await containerExists(running)).toBe(true);

    first.child.kill('SIGKILL');
    await first.exited();
    await call;

    const second = await BerthProcess.start(args, { procedures: 8 });
    berths.push(second);
    // Right when it answers: nothing of the dead build is left.
    expect(await client.call(`${D}/images`)).toEqual([]);
    expect(buildDirs(first.child.pid)).toEqual([]);
    expect(await containerExists(running)).toBe(false);
    expect(await buildContainersOf(D)).toEqual([]);
    expect(await danglingOf(D)).toEqual([]);
    const left = [];
    for (const id of steps) if (await imageExists(id)) left.push(id);
    expect(left).toEqual([]);
    expect(second.lines.some((l) => l.msg === 'removed what a killed build left')).toBe(true);
    // And it builds again.
    await second.stop();
  });
});
