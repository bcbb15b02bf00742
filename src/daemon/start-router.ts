import type { Config } from '../config.js';
import type { ContainerIndex } from '../engine/container-index.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../log.js';
import { withMetrics } from '../metrics/metrics-handler.js';
import { NO_METRICS, type Metrics } from '../metrics/metrics.js';
import { startStandaloneRouter, type StandaloneRouter } from '../standalone-router.js';
import { containerDirectory } from '../tenancy/container-directory.js';
import type { Owners } from './owners.js';
import type { Page } from './start-dashboard.js';

/**
 * The embedded router (without --router). It serves the dashboard on --listen unless --http gives the dashboard a
 * listener of its own; GET /metrics is served beside it the same way. A container's ticket check waits for the index's first sync (started by the appliance), bounded.
 */
export async function startRouter(
  config: Config,
  engine: Engine,
  index: ContainerIndex,
  owners: Owners,
  page: Page | undefined,
  log: Logger,
  metrics: Metrics = NO_METRICS,
): Promise<StandaloneRouter | undefined> {
  if (config.router) return undefined;
  const containers = containerDirectory(index, config.embeddedRouter.handshakeTimeoutMs / 2);
  const router = await startStandaloneRouter(config, engine, log.child({ part: 'router' }), {
    containers,
    buildOwner: owners.buildOwner,
    containerOwner: owners.containerOwner,
    // GET /metrics on --listen too, unless --http serves HTTP.
    http: config.http ? undefined : withMetrics(metrics, config.metrics.token, log, page?.(null)),
  });
  metrics.watchRouter(() => router.snapshot());
  return router;
}
