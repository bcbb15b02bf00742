/**
 * Turns a byte stream into complete lines. A carriage return (git's progress meter) rewrites the current line, so only
 * the last state of such a line is kept: "Receiving objects: 100% (12/12), done." rather than every percent.
 */
export class LineSplitter {
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const lines = (this.rest + chunk.toString()).split('\n');
    this.rest = lines.pop() ?? '';
    for (const l of lines) this.emit(l);
  }

  flush(): void {
    if (this.rest) this.emit(this.rest);
    this.rest = '';
  }

  private emit(line: string): void {
    const last = line.split('\r').filter((s) => s.trim() !== '').pop();
    if (last !== undefined) this.onLine(last.trimEnd());
  }
}
