import { createServer, type Server } from 'node:http';
import { parseListen } from '../config.js';
import type { Logger } from '../log.js';
import type { HttpHandler } from '../router/router-config.js';

/** Bounds for a listener that only serves a few static files. */
const HEADERS_TIMEOUT_MS = 10_000;
const MAX_CONNECTIONS = 512;

export interface DashboardServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** `--http HOST:PORT`: the dashboard on a listener of its own (with an external router). A listen error carries `listener: 'http'`. */
export async function startDashboardServer(listen: string, handler: HttpHandler, log: Logger): Promise<DashboardServer> {
  const { host, port } = parseListen(listen);
  const server: Server = createServer(handler);
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = HEADERS_TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', (err) => reject(Object.assign(err, { listener: 'http' })));
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
  log.info({ url }, 'dashboard listening');
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
