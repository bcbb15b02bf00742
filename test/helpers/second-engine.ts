import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUSYBOX_IMAGE } from './docker.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

/**
 * A Docker engine of the test's own, which it may stop and start at will without touching the shared one: its own
 * data root, exec root, pidfile, socket, cgroup parent, and its own network namespace with a bridge the test made there.
 * In the host's namespace a second dockerd deletes the host's docker0 when it boots again over its old state; inside a
 * namespace of its own, nothing it does to interfaces, routes or iptables reaches the host. berth talks to it over its
 * unix socket, which does not care about network namespaces.
 */
export class SecondEngine implements AsyncDisposable {
  private child: ChildProcess | undefined;
  private log = '';
  readonly socketPath: string;
  private readonly bridge = 'bt0';
  private readonly netns: string;

  private constructor(private readonly dir: string, private readonly index: number) {
    this.socketPath = join(dir, 'docker.sock');
    this.netns = `berth-test-engine-${index}`;
  }

  static async start(): Promise<SecondEngine> {
    const dir = mkdtempSync('/tmp/be-');
    // A /24 of its own in 10.213.x/16 for the bridge; the engine's own networks come from 10.214.0.0/16.
    const engine = new SecondEngine(dir, 10 + Math.floor(Math.random() * 200));
    const ns = engine.netns;
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', ns, 'link', 'add', 'name', engine.bridge, 'type', 'bridge']);
    await run('ip', ['-n', ns, 'addr', 'add', `10.213.${engine.index}.1/24`, 'dev', engine.bridge]);
    await run('ip', ['-n', ns, 'link', 'set', engine.bridge, 'up']);
    await engine.boot();
    await run('sh', ['-c', `docker save ${BUSYBOX_IMAGE} | docker -H unix://${engine.socketPath} load -q`]);
    return engine;
  }

  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  /** The Docker CLI against this engine. */
  async docker(...args: string[]): Promise<string> {
    const { stdout } = await run('docker', ['-H', this.dockerHost, ...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  }

  async boot(): Promise<void> {
    const d = this.dir;
    // nsenter execs dockerd in the namespace (not `ip netns exec`, which remounts /sys under it).
    const child = spawn('nsenter', [`--net=/var/run/netns/${this.netns}`, 'dockerd',
      '--data-root', join(d, 'data'), '--exec-root', join(d, 'exec'), '--pidfile', join(d, 'docker.pid'),
      '-H', this.dockerHost, '--bridge', this.bridge, '--iptables=false', '--ip-masq=false', '--ip-forward=false',
      '--default-address-pool', 'base=10.214.0.0/16,size=24', '--cgroup-parent', `/berth-test-engine-${this.index}`,
      '--userland-proxy=false', '--live-restore=false', '--storage-driver', 'overlay2',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (b: Buffer) => (this.log = (this.log + b.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await waitFor(() => `the second dockerd to answer: ${this.log.slice(-2000)}`, async () => {
      if (child.exitCode !== null) throw new Error(`dockerd exited ${child.exitCode}: ${this.log.slice(-2000)}`);
      return this.docker('version', '--format', '{{.Server.Version}}').then(() => true, () => false);
    }, 60_000, 250);
  }

  /** Stop the engine (SIGTERM; it stops its containers, which come back by their restart policy when it boots). */
  async halt(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  output(): string {
    return this.log;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child) {
      const ids = (await this.docker('ps', '-aq').catch(() => '')).split('\n').filter(Boolean);
      if (ids.length) await this.docker('rm', '-f', ...ids).catch(() => undefined);
    }
    await this.halt();
    // dockerd leaves its mounts under the data root when killed; unmount before removing it.
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(this.dir));
    for (const m of mounts.reverse()) await run('umount', ['-l', m]).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
    await run('ip', ['netns', 'delete', this.netns]).catch(() => undefined);
  }
}
