import type { ContainerRecord, Engine, LogLine, LogStream } from '../engine/engine.js';
import { logTimeNanos } from '../engine/log-lines.js';
import type { Logger } from '../log.js';

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 5_000;

export interface LogFollowerOptions {
  readonly name: string;
  readonly engine: Pick<Engine, 'followLogs'>;
  /** The container named so now (the index), if any. */
  readonly container: (name: string) => ContainerRecord | undefined;
  readonly maxLineBytes: number;
  /** Each new line, with the container it came from. */
  readonly publish: (line: LogLine, container: ContainerRecord) => void;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * Follows one container name's output while somebody listens: at most one engine stream, open only while a
 * container of that name runs. The engine ends the stream when the container stops; `follow()` (on the next start)
 * opens a new one from the last line told, so nothing is told twice and nothing since that line is missed.
 */
export class LogFollower {
  private stream: LogStream | undefined;
  /**
   * The time of the last line told, per stream (nanoseconds): only later lines of that stream are told. Per stream, as
   * the engine stamps each stream's lines as it reads them and writes them in the order it gets them: an stdout line
   * can follow an stderr line stamped a moment later, and one watermark for both dropped it. Starts at the moment
   * following began.
   */
  private readonly lastNs: Record<LogLine['stream'], bigint>;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private generation = 0;

  constructor(private readonly o: LogFollowerOptions) {
    const began = BigInt(o.now?.() ?? Date.now()) * 1_000_000n;
    this.lastNs = { stdout: began, stderr: began };
  }

  /** Whether an engine stream is open. */
  get following(): boolean {
    return this.stream !== undefined;
  }

  /** (Re)open the engine stream if the container runs; an open one is replaced (after a restart it is the old one's). */
  follow(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.close('replaced');
    const container = this.o.container(this.o.name);
    if (!container || container.state !== 'running') return;
    const generation = ++this.generation;
    const { stdout, stderr } = this.lastNs;
    const sinceSeconds = Number((stdout < stderr ? stdout : stderr) / 1_000_000_000n);
    this.o.engine
      .followLogs(container.id, { sinceSeconds, maxLineBytes: this.o.maxLineBytes }, (line) => {
        if (generation === this.generation) this.tell(line, container);
      })
      .then(
        (stream) => {
          if (generation !== this.generation || this.stopped) return stream.close();
          this.stream = stream;
          this.o.log.debug({ name: this.o.name, id: container.id, sinceSeconds }, 'following logs');
          void stream.ended.then((err) => this.ended(generation, err));
        },
        (err: Error) => {
          if (generation === this.generation) this.retry(err);
        },
      );
  }

  /** Nobody listens any more: close the engine stream; safe to call twice. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.generation++;
    this.close('no subscriber');
  }

  private tell(line: LogLine, container: ContainerRecord): void {
    const ns = logTimeNanos(line.time);
    if (ns !== undefined) {
      if (ns <= this.lastNs[line.stream]) return; // told already (a re-follow starts at the whole second before)
      this.lastNs[line.stream] = ns;
    }
    this.retryMs = RETRY_MIN_MS;
    this.o.publish(line, container);
  }

  private close(reason: string): void {
    const stream = this.stream;
    if (!stream) return;
    this.stream = undefined;
    stream.close();
    this.o.log.debug({ name: this.o.name, reason }, 'stopped following logs');
  }

  /** The engine ended the stream: the container stopped (a start follows again), or the stream broke while it runs. */
  private ended(generation: number, err: Error | undefined): void {
    if (generation !== this.generation || !this.stream) return;
    this.stream = undefined;
    this.o.log.debug({ name: this.o.name, reason: err ? err.message : 'ended' }, 'stopped following logs');
    this.retry(err);
  }

  /** Follow again later if the container still runs then (bounded backoff while the engine fails). */
  private retry(err: Error | undefined): void {
    if (this.stopped) return;
    if (err) this.o.log.warn({ name: this.o.name, err: err.message, retryInMs: this.retryMs }, 'cannot follow logs');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.o.container(this.o.name)?.state === 'running' && !this.stream) this.follow();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}
