/**
 * The output lines a build returns as its result (every line is also streamed as it comes): the first ones up to a byte
 * budget and the last few, with a line saying how many in between were left out. Bounded, so that the result of a
 * build that printed a lot still fits in one WAMP message (berth's maxResultBytes, 1 MB by default) and a successful
 * build never answers `too_large`.
 */
export class KeptLines {
  private readonly head: string[] = [];
  private headBytes = 0;
  private tail: string[] = [];
  private skipped = 0;

  constructor(
    private readonly maxHeadBytes = 256 * 1024,
    private readonly tailLines = 32,
  ) {}

  add(line: string): void {
    const bytes = Buffer.byteLength(line) + 8;
    if (this.tail.length === 0 && this.headBytes + bytes <= this.maxHeadBytes) {
      this.head.push(line);
      this.headBytes += bytes;
      return;
    }
    this.tail.push(line);
    if (this.tail.length > this.tailLines) {
      this.tail.shift();
      this.skipped++;
    }
  }

  lines(): string[] {
    if (this.skipped === 0) return [...this.head, ...this.tail];
    return [...this.head, `… ${this.skipped} lines not kept here (every line was streamed as it came)`, ...this.tail];
  }
}
