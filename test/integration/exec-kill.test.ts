import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerode } from '../../src/engine/docker-engine.js';
import { DockerExecClient } from '../../src/engine/docker-exec-client.js';
import { DockerRequests } from '../../src/engine/docker-requests.js';
import type { ExecProcess } from '../../src/engine/engine.js';
import { BUSYBOX_IMAGE, cleanDomain, docker, testDomain } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Killing an exec (the engine has no "kill exec", moby #9098), both ways berth has: signalling its host PID and every
 * process carrying its mark, and, where berth cannot see or signal host PIDs, a second exec that kills them from inside
 * the container. Each must take the forked and the setsid'd children too and leave the container running.
 */
const D = testDomain('xkill');
let id: string;
const dockerode = createDockerode(undefined);
const requests = new DockerRequests(dockerode);

const sleeps = async () => (await docker('top', id, '-o', 'pid,args')).split('\n').filter((l) => /sleep 31\d/.test(l));

async function startForking(client: DockerExecClient): Promise<ExecProcess> {
  const lines: string[] = [];
  const p = await client.startExec(id, {
    command: ['sh', '-c', 'echo up; setsid sleep 311 & sleep 312 & sleep 313'],
    user: '65534',
    maxLineBytes: 1024,
    onLine: (l) => lines.push(l.line),
    onOutput: () => undefined,
  });
  await waitFor('three sleeps', async () => (await sleeps()).length === 3, 10_000);
  expect(lines).toEqual(['up']);
  return p;
}

describe('killing an exec', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    id = await docker('run', '-d', '--label', `berth.domain=${D}`, '--user', '65534', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true', BUSYBOX_IMAGE, 'sleep', '600');
  });

  afterAll(async () => {
    await cleanDomain(D);
  });

  it('from the host: the exec\'s PID and every process with its mark', async () => {
    const p = await startForking(new DockerExecClient(dockerode, requests));
    expect(await p.kill()).toBe('host-signal');
    expect(await sleeps()).toEqual([]);
    expect(await p.ended).toEqual({ exitCode: 137 });
    expect(await docker('inspect', '-f', '{{.State.Running}}', id)).toBe('true');
  });

  it('from inside the container, when berth cannot see the host\'s processes', async () => {
    const p = await startForking(new DockerExecClient(dockerode, requests, '/nonexistent-proc'));
    expect(await p.kill()).toBe('exec-kill');
    await waitFor('no sleep left', async () => (await sleeps()).length === 0, 10_000);
    expect(await docker('inspect', '-f', '{{.State.Running}}', id)).toBe('true');
    await p.ended;
  });

  it('a command that ends by itself: its exit code, and kill afterwards is harmless', async () => {
    const client = new DockerExecClient(dockerode, requests);
    const p = await client.startExec(id, { command: ['sh', '-c', 'exit 5'], user: '65534', maxLineBytes: 1024, onLine: () => undefined, onOutput: () => undefined });
    expect(await p.ended).toEqual({ exitCode: 5 });
    expect(await p.kill()).not.toBe('host-signal');
  });
});
