import { describe, expect, it } from 'vitest';
import { LineSplitter, type LineInfo } from '../../../src/pipeline/line-splitter.js';

function collect(max?: number) {
  const lines: [string, LineInfo][] = [];
  const s = new LineSplitter((l, info) => lines.push([l, info]), max);
  return { s, lines, text: () => lines.map(([l]) => l) };
}

describe('LineSplitter', () => {
  it('ends lines at \\n and at \\r (git progress), across chunks, skipping blank lines', () => {
    const { s, lines, text } = collect();
    s.push('Receiving objects:  50% (1/2)\rReceiving obj');
    s.push('ects: 100% (2/2), done.\n\r\nfatal: x');
    s.flush();
    expect(text()).toEqual(['Receiving objects:  50% (1/2)', 'Receiving objects: 100% (2/2), done.', 'fatal: x']);
    expect(lines.map(([, i]) => i.end)).toEqual(['return', 'newline', 'end']);
  });

  it('cuts a line at the maximum and drops (counts) the rest, across chunks, without buffering it', () => {
    const { s, lines } = collect(8);
    s.push('abcdefghij');
    s.push(Buffer.alloc(1_000_000, 0x78));
    s.push('klm\nshort\n');
    expect(lines).toEqual([
      ['abcdefgh…', { end: 'newline', dropped: 2 + 1_000_000 + 3 }],
      ['short', { end: 'newline', dropped: 0 }],
    ]);
  });

  it('regression (finding 6): 64 MiB of \\r progress with no \\n costs no memory and little time', () => {
    let count = 0;
    let last = '';
    const s = new LineSplitter((l) => {
      count++;
      last = l;
    });
    const chunk = Buffer.from('remote: Counting objects: 42% (42/100)\r'.repeat(2_000));
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const t0 = Date.now();
    for (let i = 0; i < 800; i++) s.push(chunk);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(count).toBe(1_600_000);
    expect(last).toBe('remote: Counting objects: 42% (42/100)');
    // Garbage of the emitted strings may not be collected yet; what matters is that nothing near 64 MiB is kept.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(48 * 1024 ** 2);
  }, 20_000); // its own bound on the time is the 10 s above; vitest's default 5 s failed it on a saturated machine

  it('an endless line without any line end stays at the maximum', () => {
    let heard = 0;
    const lines: [string, LineInfo][] = [];
    const s = new LineSplitter((l, info) => lines.push([l, info]), 4096, (n) => (heard += n));
    for (let i = 0; i < 1000; i++) s.push(Buffer.alloc(65536, 0x79));
    s.flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]![0]).toHaveLength(4097);
    expect(lines[0]![1].dropped).toBe(1000 * 65536 - 4096);
    // An endless line never ends, yet its bytes are heard as they come (they count towards build.maxOutputBytes).
    expect(heard).toBe(1000 * 65536 - 4096);
  });
});
