/** How a line ended: `\n`, `\r` (a progress meter rewriting its line), or the end of the stream. */
export type LineEnd = 'newline' | 'return' | 'end';

export interface LineInfo {
  readonly end: LineEnd;
  /** Bytes of this line past `maxLineBytes` that were dropped (never buffered; `onDropped` heard of them as they came). */
  readonly dropped: number;
}

/** The longest line berth keeps of any output (git, build steps); the rest of a longer line is dropped. */
export const MAX_LINE_BYTES = 4096;

/**
 * The one line splitter of every line source (git's stderr, the engine's build stream). Memory is bounded by
 * `maxLineBytes` whatever the input: `\n` and `\r` both end a line (a hostile server can send progress with `\r` and no
 * `\n` forever), and a longer line is cut — its first `maxLineBytes` bytes are kept and marked with "…", the rest is
 * counted and dropped, and `onDropped` hears of them at once (an endless line never reaches its end, yet its bytes
 * count towards a build's output limit). Blank lines are skipped.
 */
export class LineSplitter {
  private readonly buf: Buffer;
  private len = 0;
  private dropped = 0;

  constructor(
    private readonly onLine: (line: string, info: LineInfo) => void,
    private readonly maxLineBytes = MAX_LINE_BYTES,
    private readonly onDropped?: (bytes: number) => void,
  ) {
    this.buf = Buffer.alloc(maxLineBytes);
  }

  push(chunk: Buffer | string): void {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let i = 0; i < b.length; i++) {
      const c = b[i];
      if (c !== 0x0a && c !== 0x0d) continue;
      this.take(b, start, i);
      this.emit(c === 0x0a ? 'newline' : 'return');
      start = i + 1;
    }
    this.take(b, start, b.length);
  }

  /** The stream ended: a last line without a line end is emitted too. */
  flush(): void {
    this.emit('end');
  }

  private take(b: Buffer, from: number, to: number): void {
    const room = this.maxLineBytes - this.len;
    const n = Math.min(room, to - from);
    if (n > 0) this.len += b.copy(this.buf, this.len, from, from + n);
    const dropped = to - from - Math.max(n, 0);
    if (dropped > 0) {
      this.dropped += dropped;
      this.onDropped?.(dropped);
    }
  }

  private emit(end: LineEnd): void {
    const text = this.buf.toString('utf8', 0, this.len).trimEnd();
    const dropped = this.dropped;
    this.len = 0;
    this.dropped = 0;
    if (text.trim() === '') return;
    this.onLine(dropped > 0 ? `${text}…` : text, { end, dropped });
  }
}
