import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** berth as a user runs it: the built `berth serve` in its own process, its JSON log lines collected. */
export class BerthProcess implements AsyncDisposable {
  readonly lines: LogLine[] = [];
  stdout = '';
  stderr = '';
  private exit: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    let rest = '';
    child.stdout!.on('data', (b: Buffer) => {
      this.stdout += b.toString();
      const parts = (rest + b.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) this.lines.push(JSON.parse(p) as LogLine);
    });
    child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** `berth serve ARGS`: the daemon. */
  static spawn(args: string[], env: Record<string, string> = {}): BerthProcess {
    const child = spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    return new BerthProcess(child);
  }

  /** Start berth and wait until it has joined with at least `procedures` procedures registered. */
  static async start(args: string[], options: { procedures?: number; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<BerthProcess> {
    const p = BerthProcess.spawn(['--log-level', 'debug', ...args], options.env);
    await p.waitForJoin(options.procedures ?? 5, options.timeoutMs);
    return p;
  }

  async waitForJoin(procedures = 5, timeoutMs = 30_000, after = 0): Promise<LogLine> {
    return waitFor(() => `berth to join (stdout: ${this.stdout.slice(-600)} stderr: ${this.stderr.slice(-600)})`, () => {
      if (this.child.exitCode !== null) throw new Error(`berth exited ${this.child.exitCode}: ${this.stderr}`);
      return this.lines.slice(after).find((l) => l.msg === 'joined the router' && (l.procedures as number) >= procedures);
    }, timeoutMs);
  }

  joinCount(): number {
    return this.lines.filter((l) => l.msg === 'joined the router').length;
  }

  exited(): Promise<number | null> {
    return this.exit;
  }

  /** SIGTERM and the exit code; SIGKILL if it does not exit within `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exit;
    clearTimeout(timer);
    return code;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
