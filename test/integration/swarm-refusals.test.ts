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
 * The swarm engine: swarms berth refuses to run on, before it serves anything. A service cannot ask for no-new-privileges
 * (moby #41371), so every node's daemon must enforce it, and a task that reaches the swarm's own ports can send VXLAN
 * frames into other containers' overlays: berth checks both for real, with a job run once on every node, and names
 * each node that fails. And --docker-host must be a manager.
 */
const D = testDomain('swarmno');
const dir = mkdtempSync(join(tmpdir(), 'berth-swarmno-'));
let cluster: SwarmCluster;
let probe: string;

async function berthOn(socket: string, swarm: Record<string, unknown> = {}): Promise<{ code: number | null; stderr: string; services: string; networks: string }> {
  const port = await freePort();
  const config = writeConfig(dir, { swarm: { probeImage: probe, nodes: Object.fromEntries(cluster.nodes.map((n) => [n.name, n.socket])), ...swarm } });
  const berth = BerthProcess.spawn(['--engine', 'swarm', '--docker-host', socket, '--registry', cluster.registry, '--listen', `${cluster.bridgeAddress}:${port}`,
    '--container-router-url', `ws://${cluster.bridgeAddress}:${port}/ws`, '--domain', D, '--config', config]);
  const timer = setTimeout(() => berth.child.kill('SIGKILL'), 120_000);
  const code = await berth.exited();
  clearTimeout(timer);
  return { code, stderr: berth.stderr, services: await cluster.docker(0, 'service', 'ls', '-q'), networks: await cluster.docker(0, 'network', 'ls', '-q', '--filter', 'label=berth.probe') };
}

describe('swarms berth refuses', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    cluster = await SwarmCluster.start({ nodes: 2, noNewPrivileges: false });
    probe = await cluster.seedImage(BUSYBOX_IMAGE, 'berth-test/busybox');
  });

  afterAll(async () => {
    await cluster?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nodes whose daemons do not enforce no-new-privileges and whose tasks reach the swarm\'s ports: berth exits 1 naming each, and leaves no check service or network', async () => {
    const { code, stderr, services, networks } = await berthOn(cluster.manager.socket);
    expect(code).toBe(1);
    // Each node's tasks reach every node's gossip port and the manager's API port (Docker's default: nothing closes them).
    const ports = [...cluster.nodes.map((n) => `${n.address}:7946`), `${cluster.manager.address}:2377`].sort().join(', ');
    for (const n of cluster.nodes) {
      expect(stderr).toContain(`node ${n.name}: its daemon does not enforce no-new-privileges`);
      expect(stderr).toContain(`its tasks reach the swarm's own ports (${ports})`);
    }
    expect(stderr.match(/its tasks reach the swarm's own ports/g)).toHaveLength(cluster.nodes.length);
    expect(services).toBe('');
    expect(networks).toBe('');
  });

  it('with the README\'s rule on every node (the swarm ports closed to tasks), only no-new-privileges is missing', async () => {
    await cluster.closeSwarmPortsToTasks();
    try {
      const { code, stderr } = await berthOn(cluster.manager.socket);
      expect(code).toBe(1);
      for (const n of cluster.nodes) expect(stderr).toContain(`node ${n.name}: its daemon does not enforce no-new-privileges`);
      expect(stderr).not.toContain('swarm\'s own ports');
    } finally {
      await cluster.openSwarmPortsToTasks();
    }
  });

  it('swarm.checkPorts: false leaves the ports unchecked (overlays protected otherwise)', async () => {
    const { code, stderr } = await berthOn(cluster.manager.socket, { checkPorts: false });
    expect(code).toBe(1);
    expect(stderr).toContain('does not enforce no-new-privileges');
    expect(stderr).not.toContain('swarm\'s own ports');
  });

  it('a check job and network a killed berth left are removed by the next check', async () => {
    await cluster.docker(0, 'network', 'create', '-d', 'overlay', '--label', `berth.probe=${D}`, 'berth-probe-left');
    await cluster.docker(0, 'service', 'create', '-d', '-q', '--name', 'berth-probe-leftjob', '--label', `berth.probe=${D}`, '--replicas', '0', probe, 'true');
    const { code, services, networks } = await berthOn(cluster.manager.socket);
    expect(code).toBe(1);
    expect(services).toBe('');
    expect(networks).toBe('');
  });

  it('a worker as --docker-host: berth exits 1 saying it needs a manager', async () => {
    const { code, stderr } = await berthOn(cluster.nodes[1]!.socket);
    expect(code).toBe(1);
    expect(stderr).toMatch(/needs --docker-host to be a swarm manager.*\(a worker\)/);
  });
});
