import type { Config } from '../config.js';
import { createDockerode, DockerEngine } from './docker-engine.js';
import type { Engine } from './engine.js';
import { SwarmEngine } from './swarm-engine.js';

/** The engine the config asks for: one Docker engine, or the Docker Swarm whose manager --docker-host is. */
export function createEngine(config: Config): Engine {
  const docker = createDockerode(config.dockerHost);
  if (config.engine !== 'swarm') return new DockerEngine(docker);
  return new SwarmEngine(docker, {
    registry: config.registry!,
    pollMs: config.swarm.pollMs,
    stopGraceSeconds: config.sandbox.stopTimeout,
    startTimeoutMs: config.swarm.startTimeoutSeconds * 1000,
    nodes: config.swarm.nodes,
    tls: config.swarm.tls,
  });
}
