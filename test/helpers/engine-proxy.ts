import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A unix-socket relay to the real Docker engine that a test can cut and restore, so that berth sees its engine go away
 * and come back without the real engine (shared by every test) being stopped.
 */
export class EngineProxy implements AsyncDisposable {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-proxy-'));
  readonly socketPath = join(this.dir, 'docker.sock');
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private hold: { pattern: RegExp; held: (() => void)[]; seen: string[] } | undefined;

  constructor(private readonly target = '/var/run/docker.sock') {}

  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      // Requests from berth are inspected chunk by chunk (a request line starts a chunk on these keep-alive connections),
      // so a test can hold one kind of request back, as an engine that is slow to answer it would.
      client.on('data', (chunk: Buffer) => {
        const line = chunk.subarray(0, 200).toString('latin1').split('\r\n')[0] ?? '';
        const hold = this.hold;
        if (hold && hold.pattern.test(line)) {
          hold.seen.push(line);
          client.pause();
          hold.held.push(() => {
            upstream.write(chunk);
            client.resume();
          });
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.socketPath, resolve));
    this.server = server;
  }

  /** Hold back every request whose request line matches (e.g. /POST \/.*\/start /) until `release()`. */
  holdRequests(pattern: RegExp): { seen: string[] } {
    this.hold = { pattern, held: [], seen: [] };
    return this.hold;
  }

  /** Stop holding; held requests never reach the engine (their client is gone, e.g. a killed berth). */
  forget(): void {
    this.hold = undefined;
  }

  /** Let held requests through and stop holding. */
  release(): void {
    const held = this.hold?.held ?? [];
    this.hold = undefined;
    for (const go of held) go();
  }

  /** The engine "goes away": the socket disappears and every open connection (the event stream too) is cut. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise((r) => server.close(r));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
