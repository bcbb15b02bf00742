import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, portOpen, waitFor } from './wait-for.js';

/** Where scripts/test-setup.sh installs Crossbar.io (a virtualenv); override with CROSSBAR_VENV. */
export const CROSSBAR_VENV = process.env.CROSSBAR_VENV ?? '/opt/berth-test/crossbar';
/** The venv's python has Autobahn|Python (a Crossbar.io dependency): the independent client for tests. */
export const PYTHON = join(CROSSBAR_VENV, 'bin', 'python');
export const TEST_TICKET = 'berth-test-ticket';
export const TEST_AUTHID = 'berth-test';

const TEMPLATE = fileURLToPath(new URL('../fixtures/crossbar/config.json', import.meta.url));

/** A real Crossbar.io node on loopback: realm1, loose URIs, anonymous + ticket auth, caller/publisher disclosure. */
export class Crossbar implements AsyncDisposable {
  private child: ChildProcess | undefined;
  private log = '';
  private readonly dir: string;

  private constructor(readonly port: number, private readonly iface: string, template: string = TEMPLATE) {
    this.dir = mkdtempSync(join(tmpdir(), 'berth-crossbar-'));
    mkdirSync(join(this.dir, '.crossbar'));
    const config = readFileSync(template, 'utf8')
      .replace('"${PORT}"', String(port))
      .replace('${INTERFACE}', iface)
      .replace('${TICKET}', TEST_TICKET);
    writeFileSync(join(this.dir, '.crossbar', 'config.json'), config);
  }

  /**
   * `iface` is where it listens: loopback by default; containers need the bridge gateway too (`0.0.0.0`).
   * `template` is another config file with the same placeholders (`${PORT}`, `${INTERFACE}`, `${TICKET}`).
   */
  static async start(options: { port?: number; iface?: string; template?: string } = {}): Promise<Crossbar> {
    const cb = new Crossbar(options.port ?? (await freePort()), options.iface ?? '127.0.0.1', options.template);
    try {
      await cb.boot();
    } catch (err) {
      // The caller never gets `cb` to dispose: a node that did not come up in time is stopped here, not left running.
      await cb[Symbol.asyncDispose]().catch(() => undefined);
      throw err;
    }
    return cb;
  }

  get url(): string {
    const host = this.iface === '0.0.0.0' ? '127.0.0.1' : this.iface;
    return `ws://${host}:${this.port}/ws`;
  }

  async boot(): Promise<void> {
    const child = spawn(join(CROSSBAR_VENV, 'bin', 'crossbar'), ['start', '--cbdir', join(this.dir, '.crossbar'), '--loglevel', 'warn'], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.on('error', (err) => (this.log += `\n${err.message}`));
    const keep = (b: Buffer) => (this.log = (this.log + b.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await waitFor(`Crossbar.io on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`crossbar exited with ${child.exitCode}: ${this.log}`);
      return portOpen(this.port, this.iface === '0.0.0.0' ? '127.0.0.1' : this.iface);
    }, 120_000); // about 5 s on a quiet machine; over 60 s was seen with the machine saturated
  }

  /** Stop the node (SIGTERM, then SIGKILL after 10 s). */
  async halt(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    await waitFor('port released', async () => !(await portOpen(this.port, this.iface === '0.0.0.0' ? '127.0.0.1' : this.iface)), 10_000);
  }

  async restart(): Promise<void> {
    await this.halt();
    await this.boot();
  }

  output(): string {
    return this.log;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.halt();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
