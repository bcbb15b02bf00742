import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON } from './crossbar.js';
import { freePort, waitFor } from './wait-for.js';

const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface RegistryServerOptions {
  /** Where it listens (default 127.0.0.1: the engine treats 127.0.0.0/8 registries as insecure, so plain HTTP works). */
  readonly host?: string;
  readonly port?: number;
  /** Basic auth (htpasswd, bcrypt) with this one user. */
  readonly auth?: { readonly username: string; readonly password: string };
}

/**
 * Debian's `docker-registry serve` with its own config: filesystem storage in a temp dir, deletes enabled, on
 * host:port (the swarm engine's registry). `stop()` and `start()` again keep the port and the storage (a registry that is down, then
 * back); dispose stops it and removes the temp dir.
 */
export class RegistryServer implements AsyncDisposable {
  private child: ChildProcess | undefined;
  private stderr = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'berth-test-registry-'));

  private constructor(
    readonly host: string,
    readonly port: number,
    readonly auth: RegistryServerOptions['auth'],
  ) {
    const config = [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(this.dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host.includes(':') ? `[${host}]` : host}:${port}`,
      `  secret: ${Math.random().toString(36).slice(2)}`,
    ];
    if (auth) {
      // bcrypt, as the registry's htpasswd wants; the Crossbar.io venv's python has the bcrypt module.
      const hash = execFileSync(PYTHON, ['-c', 'import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(rounds=6)).decode())', auth.password], { encoding: 'utf8' }).trim();
      writeFileSync(join(this.dir, 'htpasswd'), `${auth.username}:${hash}\n`);
      config.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${join(this.dir, 'htpasswd')}`);
    }
    writeFileSync(join(this.dir, 'config.yml'), `${config.join('\n')}\n`);
  }

  static async start(options: RegistryServerOptions = {}): Promise<RegistryServer> {
    const server = new RegistryServer(options.host ?? '127.0.0.1', options.port ?? (await freePort()), options.auth);
    try {
      await server.start();
    } catch (err) {
      await server[Symbol.asyncDispose]();
      throw err;
    }
    return server;
  }

  /** `host:port`, as berth's config `registry`. */
  get address(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  get url(): string {
    return `http://${this.address}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Start (again): answers /v2/ within 15 s or fails with its stderr. */
  async start(): Promise<void> {
    if (this.child) return;
    this.stderr = '';
    const child = spawn(REGISTRY_BIN, ['serve', join(this.dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString()).slice(-4000)));
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await waitFor(() => `the registry on ${this.address} (stderr: ${this.stderr})`, async () => {
      if (!this.child) throw new Error(`the registry exited: ${this.stderr}`);
      const res = await fetch(`${this.url}/v2/`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      await res?.body?.cancel();
      return res !== undefined && (res.status === 200 || res.status === 401);
    }, 15_000, 100);
  }

  /** SIGTERM, SIGKILL after 5 s; resolves once it has exited. Safe twice. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** A request to the registry's HTTP API v2 (path after /v2/), with the server's credentials unless `auth` is false. */
  async request(method: string, path: string, options: { accept?: string; auth?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.accept) headers.Accept = options.accept;
    if (this.auth && options.auth !== false) headers.Authorization = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    return fetch(`${this.url}/v2/${path}`, { method, headers, signal: AbortSignal.timeout(10_000) });
  }

  /** The digest the registry gives for a manifest (tag or digest), or null on 404. */
  async manifestDigest(repository: string, reference: string): Promise<string | null> {
    const res = await this.request('HEAD', `${repository}/manifests/${reference}`, { accept: 'application/vnd.docker.distribution.manifest.v2+json' });
    await res.body?.cancel();
    if (res.status === 404) return null;
    if (res.status !== 200) throw new Error(`HEAD ${repository}/manifests/${reference}: HTTP ${res.status}`);
    return res.headers.get('docker-content-digest');
  }

  /** The HTTP status of GET of a manifest (200 there, 404 gone). */
  async manifestStatus(repository: string, reference: string): Promise<number> {
    const res = await this.request('GET', `${repository}/manifests/${reference}`, { accept: 'application/vnd.docker.distribution.manifest.v2+json' });
    await res.body?.cancel();
    return res.status;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
