import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { HttpHandler } from '../router/router-config.js';
import type { Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

/**
 * `GET /metrics` in front of the listener's other pages (the dashboard), or alone (then every other path is 404).
 * Disabled, it is not there at all: /metrics is whatever the rest answers (404). The bearer token is compared in
 * constant time (both sides hashed first, so neither its length leaks) and never logged.
 */
export function withMetrics(metrics: Metrics, token: string | undefined, log: Logger, next: HttpHandler | undefined): HttpHandler | undefined {
  if (!metrics.enabled || token === undefined) return next;
  const expected = digest(token);
  return (req, res) => {
    if ((req.url ?? '').split(/[?#]/, 1)[0] !== METRICS_PATH) return next ? next(req, res) : notFound(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    if (!authorized(req, expected)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="berth metrics"', 'content-type': 'text/plain; charset=utf-8' }).end('unauthorized\n');
      return;
    }
    metrics.scrape().then(
      (body) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: Error) => {
        log.error({ err: err.message }, 'collecting the metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('collecting the metrics failed\n');
      },
    );
  };
}

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
}
