import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DashboardFile } from './dashboard-files.js';

/** What the page needs to join the fabric; served as `/config.json` (public: no secret is ever in it). */
export interface PageConfig {
  /** The router URL the page connects to; null: the page's own origin, path /ws (the embedded router). */
  readonly router: string | null;
  readonly realm: string;
  readonly domain: string;
}

/**
 * Answers GET/HEAD for the built dashboard and its `/config.json`; anything else is 404 or 405. Every answer carries a
 * Content-Security-Policy that lets the page load only its own files and talk only to its own origin and the router,
 * so nothing leaves the machine (no external fonts or CDNs) and no other site may frame it.
 */
export function dashboardHandler(files: ReadonlyMap<string, DashboardFile> | undefined, page: PageConfig): (req: IncomingMessage, res: ServerResponse) => void {
  const routerOrigin = page.router ? new URL(page.router).origin.replace(/^http/, 'ws') : '';
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${routerOrigin ? ` ${routerOrigin}` : ''}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const config = Buffer.from(JSON.stringify(page));
  return (req, res) => {
    const headers = {
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const path = pathOf(req.url);
    let file: DashboardFile | undefined;
    if (path === '/config.json') file = { body: config, type: 'application/json', immutable: false };
    else if (files) file = files.get(path === '/' ? '/index.html' : (path ?? ''));
    if (!file) {
      const status = files ? 404 : 503;
      const text = files ? 'not found\n' : 'the dashboard is not built: run npm run build\n';
      res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end(text);
      return;
    }
    const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) ? file.gzip : undefined;
    const body = gzip ?? file.body;
    res.writeHead(200, {
      ...headers,
      'content-type': file.type,
      'content-length': body.length,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      vary: 'accept-encoding',
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

/** The request's path without query, or undefined when it is not a plain absolute path. */
function pathOf(url: string | undefined): string | undefined {
  if (!url?.startsWith('/')) return undefined;
  const path = url.split(/[?#]/, 1)[0]!;
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
