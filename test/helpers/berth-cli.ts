import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BERTH_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A run of a berth client command (`berth ps`, …): the built program, stdout and stderr as pipes, as a script runs it. */
export class BerthCli implements AsyncDisposable {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (b: Buffer) => (this.stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  }

  static spawn(args: string[], env: Record<string, string | undefined> = {}): BerthCli {
    const merged = { ...process.env, ...env };
    for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
    // As dist/main.js's shebang runs it: `node -- main.js …` (see there why).
    return new BerthCli(spawn(process.execPath, ['--', BERTH_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: merged }));
  }

  /** Run to the end (SIGKILL after `timeoutMs`, which fails the run). */
  static async run(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> {
    const p = BerthCli.spawn(args, env);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
    const code = await p.exited;
    clearTimeout(timer);
    return { code, stdout: p.stdout, stderr: p.stderr };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
