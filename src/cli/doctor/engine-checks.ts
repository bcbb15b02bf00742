import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Config } from '../../config.js';
import { createEngine } from '../../engine/create-engine.js';
import { engineAddress, fetchEngineFacts, type EngineFacts } from '../../engine/engine-facts.js';
import { engineSecurity } from '../../engine/engine-security.js';
import { SwarmEngine } from '../../engine/swarm-engine.js';
import { BERTH_NETWORKS, DOCKER_DEFAULT_POOLS, freeSubnets } from './address-pool.js';
import { failed, ok, skipped, type Check } from './check.js';

/** Free space below this on the engine's data directory or the build directory's file system fails the disk check. */
export const MIN_FREE_BYTES = 2 * 1024 ** 3;

/** The engine, what it adds to isolation, the swarm (with --engine swarm), the bases, disk and the address pool. */
export async function engineChecks(config: Config): Promise<Check[]> {
  const where = engineAddress(config.dockerHost);
  let facts: EngineFacts;
  try {
    facts = await fetchEngineFacts(config.dockerHost);
  } catch (err) {
    const local = where.startsWith('unix://');
    return [
      failed('engine', (err as Error).message, local ? 'start dockerd (as root on Debian: npm start, or bash scripts/setup-engine.sh), or give --docker-host' : 'check that the engine runs at that address and is reachable from here, or give another --docker-host'),
      ...['isolation', 'bases', 'disk', 'address pool'].map((n) => skipped(n, 'needs the engine')),
    ];
  }
  return [
    ok('engine', `reachable at ${where}: Docker ${facts.version} (API ${facts.apiVersion})`),
    isolation(facts),
    ...(config.engine === 'swarm' ? [await swarm(config, facts)] : []),
    bases(config, facts),
    await disk(where, facts),
    addressPool(facts),
  ];
}

function isolation(facts: EngineFacts): Check {
  const s = engineSecurity(facts.securityOptions);
  const detail = [s.seccomp ? `seccomp ${s.seccomp}` : 'no seccomp', s.userns ? 'userns-remap' : 'no userns-remap', s.rootless ? 'rootless' : 'not rootless'].join(', ');
  if (!s.seccomp) return failed('isolation', detail, "run dockerd with its default seccomp profile (remove seccomp-profile: unconfined from /etc/docker/daemon.json): berth's sandbox relies on it");
  return ok('isolation', detail);
}

/** What berth checks at start on a swarm: a manager, and nodes that enforce no-new-privileges (and close the swarm's ports). */
async function swarm(config: Config, facts: EngineFacts): Promise<Check> {
  if (!facts.swarm.manager) return failed('swarm', `the engine is not a swarm manager (swarm: ${facts.swarm.state})`, 'give --docker-host the socket of a manager (docker swarm init, or docker node promote)');
  const engine = createEngine(config);
  if (!(engine instanceof SwarmEngine)) return skipped('swarm', 'not a swarm engine');
  try {
    const nodes = await engine.checkSwarm(config.domain, { probeImage: config.swarm.probeImage!, checkPorts: config.swarm.checkPorts });
    return ok('swarm', `${nodes.length} node(s) enforce no-new-privileges${config.swarm.checkPorts ? "; their tasks reach none of the swarm's ports" : ''}`);
  } catch (err) {
    return failed('swarm', (err as Error).message, 'set no-new-privileges: true in every node\'s /etc/docker/daemon.json and restart its dockerd; close the swarm\'s ports to tasks (docs/swarm.md)');
  }
}

function bases(config: Config, facts: EngineFacts): Check {
  const missing = Object.entries(config.bases).filter(([, ref]) => !facts.tags.has(ref.includes(':') ? ref : `${ref}:latest`));
  const all = Object.values(config.bases).join(', ');
  if (missing.length === 0) return ok('bases', all);
  const offline = missing.map(([b]) => b).filter((b) => /^exis-(python|nodejs)$/.test(b));
  const how = offline.length > 0 ? `build them offline as root: bash docker/bases/build-offline.sh ${offline.join(' ')} (a few minutes each)` : 'put them on the engine (docker build or docker load)';
  return failed('bases', `missing ${missing.map(([b, ref]) => `${b} (${ref})`).join(', ')}`, `${how}, or map each base to a local image in the config file (bases:)`);
}

async function disk(where: string, facts: EngineFacts): Promise<Check> {
  const paths = [tmpdir(), ...(where.startsWith('unix://') ? [facts.rootDir] : [])];
  const found: string[] = [];
  const low: string[] = [];
  for (const path of paths) {
    const s = await statfs(path).catch(() => undefined);
    if (!s) continue;
    const free = s.bavail * s.bsize;
    const text = `${path} ${(free / 1024 ** 3).toFixed(1)} GiB free`;
    found.push(text);
    if (free < MIN_FREE_BYTES) low.push(path);
  }
  const detail = found.join(', ') + (where.startsWith('unix://') ? '' : " (a remote engine's disk is not checked)");
  if (found.length === 0) return skipped('disk', 'could not read the free space');
  if (low.length > 0) return failed('disk', detail, `free space on ${low.join(', ')} (at least ${MIN_FREE_BYTES / 1024 ** 3} GiB): berth rmi unused images, docker image prune`);
  return ok('disk', detail);
}

function addressPool(facts: EngineFacts): Check {
  const pools = facts.addressPools.length > 0 ? facts.addressPools : DOCKER_DEFAULT_POOLS;
  const { free, total } = freeSubnets(pools, facts.subnets);
  const detail = `${free} of ${total} subnets free in ${facts.addressPools.length > 0 ? "the daemon's" : "Docker's default"} address pools (berth makes ${BERTH_NETWORKS} networks per domain)`;
  if (free < BERTH_NETWORKS) return failed('address pool', detail, 'remove unused networks (docker network prune), or give dockerd more default-address-pools in /etc/docker/daemon.json');
  return ok('address pool', detail);
}
