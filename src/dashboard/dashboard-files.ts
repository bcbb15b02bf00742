import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `npm run build` puts the dashboard (vite's output): `dist/web` at the package root. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** The whole dashboard is a few hundred KiB; a directory much larger than this is not berth's build output. */
const MAX_TOTAL_BYTES = 16 * 1024 ** 2;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

export interface DashboardFile {
  readonly body: Buffer;
  readonly type: string;
  /** Vite's hashed assets (`/assets/…`) never change under their name. */
  readonly immutable: boolean;
  /** The same bytes gzipped once at start (text files), for browsers that accept it: the page is mostly autobahn-js. */
  readonly gzip?: Buffer;
}

/**
 * The built dashboard, read into memory once at start: requests are answered from this map only, so no request path
 * ever reaches the file system (no traversal, no symlinks, nothing served that was not built). Undefined when the
 * dashboard was not built (`npm run build`).
 */
export async function loadDashboardFiles(dir = DASHBOARD_DIR): Promise<Map<string, DashboardFile> | undefined> {
  const index = await stat(join(dir, 'index.html')).catch(() => undefined);
  if (!index?.isFile()) return undefined;
  const files = new Map<string, DashboardFile>();
  let total = 0;
  for (const path of await walk(dir)) {
    const type = TYPES[extname(path)];
    if (!type) continue;
    const body = await readFile(path);
    total += body.length;
    if (total > MAX_TOTAL_BYTES) throw new Error(`the dashboard in ${dir} is larger than ${MAX_TOTAL_BYTES} bytes`);
    const url = `/${relative(dir, path).split(sep).join('/')}`;
    const gzip = /^(text|application\/json|image\/svg)/.test(type) && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
    files.set(url, { body, type, immutable: url.startsWith('/assets/'), gzip });
  }
  return files;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
