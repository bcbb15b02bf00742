import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, portOpen, waitFor } from './wait-for.js';

/** nexus's build-and-run script, beside the repository (`../shared/tools/nexusd.sh` from its root); NEXUSD_SH overrides. */
export const NEXUSD_SH = process.env.NEXUSD_SH ?? fileURLToPath(new URL('../../../shared/tools/nexusd.sh', import.meta.url));
/** Where the script caches the binary (its own default). */
const NEXUSD_BIN = join(process.env.NEXUSD_CACHE ?? '/tmp/nexusd-cache', 'nexusd');

/**
 * What nexus cannot do that berth's tests need; a test skipped on nexus names one of these (`nexusSkip`).
 * - tickets: nexus has no dynamic authenticator or authorizer (and no ticket users in its config), so nothing confines
 *   containers to their domain, there are no per-user tickets (every user is `anonymous`, one owner) and containers
 *   cannot join with their tickets.
 * - progress: nexus forwards a caller's receive_progress only to callees that announce call canceling, which
 *   autobahn-js 22.11 (berth's session) does not (it cannot take an INTERRUPT), so berth's answers come whole.
 */
export const NEXUS_CANNOT = {
  tickets: 'nexus has no dynamic authenticator/authorizer: no per-user tickets, no confinement, containers cannot join with their tickets',
  progress: "nexus sends progressive results only to callees that announce call canceling, which autobahn-js 22.11 does not",
} as const;

let built = false;
/** `nexusd.sh build`: once per process, a quick no-op when the binary is cached. */
export function buildNexus(): string {
  if (!built) execFileSync('bash', [NEXUSD_SH, 'build'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  built = true;
  return NEXUSD_BIN;
}

/**
 * A real nexus router: anonymous peers, loose URIs, caller disclosure on request, the same config as
 * `nexusd.sh run` but written here so that it can listen on another address (the bridge gateway, for containers).
 */
export class Nexus implements AsyncDisposable {
  private child: ChildProcess | undefined;
  private log = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'berth-nexus-'));

  private constructor(readonly port: number, private readonly host: string, realm: string) {
    const config = {
      websocket: { address: `${host}:${port}`, keep_alive: 30, allow_origins: ['*'] },
      router: { realms: [{ uri: realm, strict_uri: false, allow_disclose: true, anonymous_auth: true }], debug: false },
    };
    writeFileSync(join(this.dir, 'nexus.json'), JSON.stringify(config));
  }

  static async start(options: { port?: number; host?: string; realm?: string } = {}): Promise<Nexus> {
    buildNexus();
    const nexus = new Nexus(options.port ?? (await freePort()), options.host ?? '127.0.0.1', options.realm ?? 'realm1');
    try {
      await nexus.boot();
    } catch (err) {
      await nexus[Symbol.asyncDispose]().catch(() => undefined); // the caller never gets it to dispose
      throw err;
    }
    return nexus;
  }

  get url(): string {
    return `ws://${this.host}:${this.port}/`;
  }

  async boot(): Promise<void> {
    const child = spawn(NEXUSD_BIN, ['-c', join(this.dir, 'nexus.json')], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (b: Buffer) => (this.log = (this.log + b.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('error', (err) => (this.log += `\nspawn failed: ${err.message}`));
    await waitFor(`nexus on port ${this.port}`, async () => {
      if (child.exitCode !== null || this.log.includes('spawn failed')) throw new Error(`nexus exited with ${child.exitCode}: ${this.log}`);
      return portOpen(this.port, this.host);
    }, 30_000, 50);
  }

  /** Stop it (SIGTERM, then SIGKILL after 5 s) and wait until the port is free. */
  async halt(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    await waitFor('port released', async () => !(await portOpen(this.port, this.host)), 10_000);
  }

  output(): string {
    return this.log;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.halt();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
