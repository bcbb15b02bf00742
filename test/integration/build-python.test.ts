import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { buildDirs, removeTags, writeConfig } from '../helpers/build-helpers.js';
import { PYTHON } from '../helpers/crossbar.js';
import { cleanDomain, docker, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const run = promisify(execFile);
const PEER = fileURLToPath(new URL('../peers/build_progress.py', import.meta.url));
const routerUrl = inject('routerUrl');
const D = testDomain('bpy');
const dir = mkdtempSync(join(tmpdir(), 'berth-bpy-'));
let git: GitServer;
let berth: BerthProcess;
let client: WampClient;

describe('a Python repository on the offline-built exis-python base', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    // scripts/test-setup.sh builds it (docker/bases/build-offline.sh exis-python).
    await docker('image', 'inspect', 'berth/exis-python:1');
    git = await GitServer.start();
    git.addFixture('python-app');
    const config = writeConfig(dir, { build: { allowPrivateHosts: true } });
    berth = await BerthProcess.start(['--router', routerUrl, '--domain', D, '--config', config], { procedures: 8 });
    client = await WampClient.connect(routerUrl);
  });

  afterAll(async () => {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an Autobahn|Python caller receives every line as a progressive result; the container runs Python', async () => {
    const { stdout } = await run(PYTHON, [PEER, routerUrl, D, 'pyapp', git.url('python-app')], { timeout: 180_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { progress: string[]; result?: string[]; error?: string; crash?: string };
    expect(out.error ?? out.crash).toBeUndefined();
    expect(out.progress.length).toBeGreaterThan(5);
    expect(out.progress).toEqual(out.result);
    expect(out.result!.some((l) => l.includes('exis-python'))).toBe(true);
    await client.call(`${D}/create`, ['pyapp', 'py1']);
    const logs = await waitFor('Python output', async () => {
      const t = await client.call<string>(`${D}/py1/logs`);
      return t.includes('says') ? t : undefined;
    }, 60_000);
    expect(logs).toMatch(/^python 3\.\d+ autobahn \d+\.\d+\.\d+ says hello from python$/m);
    expect(buildDirs(berth.child.pid)).toEqual([]);
  });
});
