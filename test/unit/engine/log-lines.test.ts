import { describe, expect, it } from 'vitest';
import { cut, LogLines, logTimeNanos, type LogLine } from '../../../src/engine/log-lines.js';

const frame = (stream: 1 | 2, text: string | Buffer) => {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
};
const T1 = '2026-11-29T08:50:12.123456789Z';
const T2 = '2026-11-29T08:50:12.2Z';

describe('LogLines (a followed log stream into lines)', () => {
  it('takes frames apart however the chunks fall, per stream, with the engine timestamps', () => {
    const seen: LogLine[] = [];
    const lines = new LogLines(1024, (l) => seen.push(l));
    const all = Buffer.concat([frame(1, `${T1} hello\n`), frame(2, `${T2} oops\n`), frame(1, `${T2} a\n${T2} b\n`)]);
    for (let i = 0; i < all.length; i += 3) lines.push(all.subarray(i, i + 3));
    expect(seen).toEqual([
      { stream: 'stdout', line: 'hello', time: T1 },
      { stream: 'stderr', line: 'oops', time: T2 },
      { stream: 'stdout', line: 'a', time: T2 },
      { stream: 'stdout', line: 'b', time: T2 },
    ]);
  });

  it('cuts a line over maxLineBytes and marks it, and never holds more of an endless line (regression: one line must not grow memory)', () => {
    const seen: LogLine[] = [];
    const lines = new LogLines(100, (l) => seen.push(l));
    lines.push(frame(1, `${T1} `));
    for (let i = 0; i < 1000; i++) lines.push(frame(1, 'x'.repeat(1000))); // 1 MB without a line end
    lines.push(frame(1, '\n'));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.line).toBe(`${'x'.repeat(100)}…`);
    expect(seen[0]!.time).toBe(T1);
  });

  it('a piece after a carriage return takes its stream\'s last timestamp; an unframed (TTY) stream is stdout', () => {
    const seen: LogLine[] = [];
    const lines = new LogLines(1024, (l) => seen.push(l));
    lines.push(frame(1, `${T1} 50%\r75%\n`));
    expect(seen.map((l) => [l.line, l.time])).toEqual([['50%', T1], ['75%', T1]]);
    const tty: LogLine[] = [];
    const raw = new LogLines(1024, (l) => tty.push(l));
    raw.push(Buffer.from(`${T1} plain\n${T2} tail`));
    raw.end();
    expect(tty).toEqual([{ stream: 'stdout', line: 'plain', time: T1 }, { stream: 'stdout', line: 'tail', time: T2 }]);
  });

  it('cut keeps whole characters; times compare at nanosecond precision whatever their length', () => {
    expect(cut('ééé', 3)).toBe('é…');
    expect(cut('short', 10)).toBe('short');
    expect(logTimeNanos(T1)! > logTimeNanos('2026-11-29T08:50:12.1234Z')!).toBe(true);
    expect(logTimeNanos('2026-11-29T08:50:12Z')).toBe(BigInt(Date.parse('2026-11-29T08:50:12Z')) * 1_000_000n);
    expect(logTimeNanos('nonsense')).toBeUndefined();
  });
});

describe('LogLines for an exec (no timestamps)', () => {
  it('keeps a line that starts like a timestamp as it is, and hands each payload on before splitting', () => {
    const seen: LogLine[] = [];
    const payloads: [string, string][] = [];
    const lines = new LogLines(1024, (l) => seen.push(l), () => new Date(0), { timestamps: false, onPayload: (s, b) => payloads.push([s, b.toString()]) });
    lines.push(Buffer.concat([frame(1, `${T1} mine\n`), frame(2, 'oops\n')]));
    expect(seen.map((l) => [l.stream, l.line])).toEqual([['stdout', `${T1} mine`], ['stderr', 'oops']]);
    expect(payloads).toEqual([['stdout', `${T1} mine\n`], ['stderr', 'oops\n']]);
  });
});
