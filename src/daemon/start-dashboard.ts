import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import { loadDashboardFiles, type DashboardFile } from '../dashboard/dashboard-files.js';
import { dashboardHandler } from '../dashboard/dashboard-handler.js';
import { startDashboardServer, type DashboardServer } from '../dashboard/dashboard-server.js';
import type { Logger } from '../log.js';
import { withMetrics } from '../metrics/metrics-handler.js';
import { NO_METRICS, type Metrics } from '../metrics/metrics.js';

export type PageHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The dashboard's page for a router URL (null: the page joins its own origin, the embedded router). */
export type Page = (router: string | null) => PageHandler;

/**
 * The dashboard's static files and the page's config, or undefined with `dashboard: false`. When it was not built, its
 * address answers 503 saying so.
 */
export async function loadDashboard(config: Config, log: Logger): Promise<Page | undefined> {
  if (!config.dashboard) return undefined;
  const files: ReadonlyMap<string, DashboardFile> | undefined = await loadDashboardFiles().catch((err: Error) => {
    log.error({ err: err.message }, 'cannot read the dashboard files');
    return undefined;
  });
  if (!files) log.warn('the dashboard is not built (npm run build): its address answers 503');
  return (router) => dashboardHandler(files, { router: config.publicRouterUrl ?? router, realm: config.realm, domain: config.domain });
}

/**
 * The dashboard on a listener of its own (--http), whose page joins `router`. Without --http it is served by the embedded
 * router on --listen (see startRouter), or, with an external router, not at all.
 */
export async function startDashboard(config: Config, page: Page | undefined, router: string, log: Logger, metrics: Metrics = NO_METRICS): Promise<DashboardServer | undefined> {
  const http = withMetrics(metrics, config.metrics.token, log, page?.(router));
  if (config.http && http) return startDashboardServer(config.http, http, log.child({ part: page ? 'dashboard' : 'http' }));
  if (config.router && page) log.info('no dashboard: with --router it is served on --http HOST:PORT');
  if (config.router && !config.http && metrics.enabled) log.warn('metrics are enabled but nothing serves GET /metrics: with --router, give berth an HTTP listener with --http HOST:PORT');
  return undefined;
}
