import { request } from 'node:http';

/** The engine's own API over its unix socket, with no client library in between: the baseline berth is held to. */
export function engineGet(path: string, socketPath = '/var/run/docker.sock'): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`engine ${res.statusCode}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('engine timeout')));
    req.end();
  });
}

export function listPath(domain: string): string {
  return `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`berth.domain=${domain}`] }))}`;
}
