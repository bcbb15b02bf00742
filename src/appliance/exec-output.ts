/**
 * The text an exec collects for its result, capped at `max` bytes: what comes after the cap is dropped as it arrives
 * (never buffered), and the cut is said (`truncated`).
 */
export class ExecOutput {
  private readonly parts: Buffer[] = [];
  private bytes = 0;
  private cut = false;

  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    if (this.cut || chunk.length === 0) return;
    const room = this.max - this.bytes;
    if (chunk.length > room) {
      this.cut = true;
      if (room > 0) this.parts.push(Buffer.from(chunk.subarray(0, room)));
      this.bytes = this.max;
      return;
    }
    this.parts.push(Buffer.from(chunk));
    this.bytes += chunk.length;
  }

  /** Whether something was left out. */
  get truncated(): boolean {
    return this.cut;
  }

  /** The collected text (a character the cap cut in half is dropped). */
  text(): string {
    return withoutHalfCharacter(Buffer.concat(this.parts).toString('utf8'), this.cut);
  }
}

/** At most `maxBytes` bytes of `text` as UTF-8, without a character cut in half. */
export function headBytes(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  return withoutHalfCharacter(buf.subarray(0, Math.max(0, maxBytes)).toString('utf8'), true);
}

function withoutHalfCharacter(text: string, cut: boolean): string {
  return cut ? text.replace(/\uFFFD$/, '') : text;
}
