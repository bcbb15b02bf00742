import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { writeConfig } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, testDomain } from '../helpers/docker.js';
import { SwarmCluster } from '../helpers/swarm-cluster.js';
import { freePort } from '../helpers/wait-for.js';

/**
 * Issue 13: swarms berth refuses to run on, before it serves anything. A service cannot ask for no-new-privileges
 * (moby #41371), so every node's daemon must enforce it: berth checks for real, by running `cat /proc/self/status`
 * once on every node, and names each node that lacks it. And --docker-host must be a manager.
 */
const D = testDomain('swarmno');
const dir = mkdtempSync(join(tmpdir(), 'berth-swarmno-'));
let cluster: SwarmCluster;
let probe: string;

async function berthOn(socket: string): Promise<{ code: number | null; stderr: string; services: string }> {
  const port = await freePort();
  const config = writeConfig(dir, { swarm: { probeImage: probe, nodes: Object.fromEntries(cluster.nodes.map((n) => [n.name, n.socket])) } });
  const berth = BerthProcess.spawn(['--engine', 'swarm', '--docker-host', socket, '--registry', cluster.registry, '--listen', `${cluster.bridgeAddress}:${port}`,
    '--container-router-url', `ws://${cluster.bridgeAddress}:${port}/ws`, '--domain', D, '--config', config]);
  const timer = setTimeout(() => berth.child.kill('SIGKILL'), 120_000);
  const code = await berth.exited();
  clearTimeout(timer);
  return { code, stderr: berth.stderr, services: await cluster.docker(0, 'service', 'ls', '-q') };
}

describe('swarms berth refuses (issue 13)', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    cluster = await SwarmCluster.start({ nodes: 2, noNewPrivileges: false });
    probe = await cluster.seedImage(BUSYBOX_IMAGE, 'berth-test/busybox');
  });

  afterAll(async () => {
    await cluster?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nodes whose daemons do not enforce no-new-privileges: berth exits 1 naming each, and leaves no check service', async () => {
    const { code, stderr, services } = await berthOn(cluster.manager.socket);
    expect(code).toBe(1);
    for (const n of cluster.nodes) expect(stderr).toContain(`node ${n.name}: its daemon does not enforce no-new-privileges`);
    expect(services).toBe('');
  });

  it('a worker as --docker-host: berth exits 1 saying it needs a manager', async () => {
    const { code, stderr } = await berthOn(cluster.nodes[1]!.socket);
    expect(code).toBe(1);
    expect(stderr).toMatch(/needs --docker-host to be a swarm manager.*\(a worker\)/);
  });
});
