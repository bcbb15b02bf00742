import { LineSplitter } from '../pipeline/line-splitter.js';

/** One line of a container's output, as `D/<name>/logs` carries it. */
export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
  /** When the engine received it (RFC 3339 with up to nanoseconds, as the engine writes it). */
  readonly time: string;
}

/** The engine's timestamp in front of every line (`timestamps: true`), e.g. `2026-11-29T08:50:12.123456789Z `. */
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) ?/;
/** Room for that timestamp in front of a line that may itself be `maxLineBytes` long. */
const STAMP_ROOM = 40;

export interface LogLinesOptions {
  /**
   * Whether every line starts with the engine's timestamp (`timestamps: true`, the default). An exec's output has none,
   * so a line of its own that starts like one must not lose it.
   */
  readonly timestamps?: boolean;
  /** Each demultiplexed piece of output as it arrives, before it is split into lines (exec keeps the raw text too). */
  readonly onPayload?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/**
 * A followed log stream, as it arrives in chunks, into lines: Docker's frames (8-byte header: stream, 0, 0, 0, size)
 * are taken apart as they come, never buffered whole, and each stream has its own bounded splitter (the build
 * pipeline's), so no line, however long or endless, grows memory past `maxLineBytes`: a longer one is cut and marked
 * with "…". An unframed stream (a TTY container) is all stdout. A piece of a line after a `\r` has no timestamp of its
 * own: it takes the last one of its stream.
 */
export class LogLines {
  private readonly splitters: Record<'stdout' | 'stderr', LineSplitter>;
  private readonly last: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private readonly header = Buffer.alloc(8);
  private headerLen = 0;
  private remaining = 0;
  private current: 'stdout' | 'stderr' = 'stdout';
  private raw: boolean | undefined;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: LogLine) => void,
    private readonly now: () => Date = () => new Date(),
    private readonly options: LogLinesOptions = {},
  ) {
    const splitter = (stream: 'stdout' | 'stderr') => new LineSplitter((text) => this.emit(stream, text), maxLineBytes + STAMP_ROOM);
    this.splitters = { stdout: splitter('stdout'), stderr: splitter('stderr') };
  }

  push(chunk: Buffer): void {
    let at = 0;
    if (this.raw === undefined && chunk.length > 0) this.raw = chunk[0]! > 2;
    if (this.raw) {
      this.options.onPayload?.('stdout', chunk);
      return this.splitters.stdout.push(chunk);
    }
    while (at < chunk.length) {
      if (this.remaining === 0) {
        const n = Math.min(8 - this.headerLen, chunk.length - at);
        chunk.copy(this.header, this.headerLen, at, at + n);
        this.headerLen += n;
        at += n;
        if (this.headerLen < 8) return;
        this.headerLen = 0;
        this.current = this.header[0] === 2 ? 'stderr' : 'stdout';
        this.remaining = this.header.readUInt32BE(4);
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - at);
      this.options.onPayload?.(this.current, chunk.subarray(at, at + n));
      this.splitters[this.current].push(chunk.subarray(at, at + n));
      this.remaining -= n;
      at += n;
    }
  }

  /** The stream ended: a last line without a line end is told too. */
  end(): void {
    this.splitters.stdout.flush();
    this.splitters.stderr.flush();
  }

  private emit(stream: 'stdout' | 'stderr', text: string): void {
    const m = this.options.timestamps === false ? null : STAMP.exec(text);
    const time = m ? m[1]! : this.last[stream] || this.now().toISOString();
    this.last[stream] = time;
    this.onLine({ stream, line: cut(m ? text.slice(m[0].length) : text, this.maxLineBytes), time });
  }
}

/** At most `max` bytes of UTF-8, marked with "…" when cut (no half character left at the cut). */
export function cut(line: string, max: number): string {
  if (Buffer.byteLength(line, 'utf8') <= max) return line;
  return `${Buffer.from(line, 'utf8').subarray(0, max).toString('utf8').replace(/\uFFFD+$/, '')}…`;
}

/** A log time as nanoseconds since the epoch, so that times the engine writes with different precision compare. */
export function logTimeNanos(time: string): bigint | undefined {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}
