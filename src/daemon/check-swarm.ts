import type { Config } from '../config.js';
import type { Engine } from '../engine/engine.js';
import { SwarmEngine } from '../engine/swarm-engine.js';
import type { Logger } from '../log.js';

/** On a swarm: a manager, and nodes whose daemons enforce no-new-privileges, or berth does not start (it throws). */
export async function checkSwarm(engine: Engine, config: Config, log: Logger): Promise<void> {
  if (!(engine instanceof SwarmEngine)) return;
  const nodes = await engine.checkSwarm(config.domain, { probeImage: config.swarm.probeImage!, checkPorts: config.swarm.checkPorts });
  log.info(
    { nodes: nodes.map((n) => n.node) },
    config.swarm.checkPorts ? "swarm nodes enforce no-new-privileges; their tasks reach none of the swarm's ports" : 'swarm nodes enforce no-new-privileges (the swarm ports check is off)',
  );
}
