import { dump } from 'js-yaml';
import type { Cell } from './table.js';

const SGR = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 } as const;
const STATE_COLOR: Record<string, keyof typeof SGR> = { running: 'green', exited: 'red', dead: 'red', created: 'yellow', restarting: 'yellow', paused: 'yellow' };

/**
 * Where a command writes: results on stdout, live progress and notes on stderr when stdout carries JSON. People at a
 * terminal get colour unless NO_COLOR is set to anything (no-color.org); a pipe never gets escape codes.
 */
export class Output {
  constructor(
    readonly tty: boolean,
    readonly color: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  static fromProcess(env: NodeJS.ProcessEnv = process.env): Output {
    const tty = process.stdout.isTTY === true;
    return new Output(tty, tty && !env.NO_COLOR);
  }

  /** Whether to print the procedure's result as JSON: asked for, or by default when stdout is not a terminal. */
  wantsJson(opts: { json?: boolean }, defaultWhenPiped = false): boolean {
    return opts.json === true || (defaultWhenPiped && !this.tty);
  }

  /** Exactly the procedure's result, as JSON. */
  json(value: unknown): void {
    this.line(JSON.stringify(value ?? null, null, 2));
  }

  line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** A dictionary or list for people: YAML's block style (keys, indentation, no braces or quotes where none are needed). */
  readable(value: unknown): void {
    if (typeof value === 'string') return this.line(value.replace(/\n$/, ''));
    this.line(dump(value, { lineWidth: -1, noRefs: true }).replace(/\n$/, ''));
  }

  paint(color: keyof typeof SGR, text: string): string {
    return this.color ? `\x1b[${SGR[color]}m${text}\x1b[0m` : text;
  }

  /** A container state, coloured as traffic lights. */
  state(state: string): Cell {
    const color = STATE_COLOR[state];
    return color && this.color ? { text: state, paint: (s) => this.paint(color, s) } : state;
  }
}
