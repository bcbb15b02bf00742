import { describe, expect, it } from 'vitest';
import { KeptLines } from '../../../src/pipeline/kept-lines.js';

// A build that printed megabytes answered `too_large` although it succeeded: its result (every line) passed the 1 MB
// a WAMP answer may weigh. The result now keeps the first lines and the last ones, bounded.
describe('KeptLines', () => {
  it('keeps everything while it fits', () => {
    const k = new KeptLines(1024, 4);
    for (const l of ['a', 'b', 'c']) k.add(l);
    expect(k.lines()).toEqual(['a', 'b', 'c']);
  });

  it('keeps the head up to its budget and the last lines, saying how many it left out', () => {
    const k = new KeptLines(100, 3);
    for (let i = 0; i < 1000; i++) k.add(`line ${i}`);
    const lines = k.lines();
    expect(lines.slice(-3)).toEqual(['line 997', 'line 998', 'line 999']);
    expect(lines[0]).toBe('line 0');
    const marker = lines.find((l) => l.startsWith('…'))!;
    const head = lines.indexOf(marker);
    expect(marker).toContain(`${1000 - head - 3} lines not kept`);
  });

  it('stays within a bound whatever it is given (4 KiB lines, as the line splitter cuts them)', () => {
    const k = new KeptLines();
    for (let i = 0; i < 100_000; i++) k.add('x'.repeat(4096));
    expect(JSON.stringify(k.lines()).length).toBeLessThan(500 * 1024);
  });
});
