import { describe, expect, it } from 'vitest';
import { ago, megabytes, seconds, shortId } from '../../../src/cli/format.js';
import { formatTable } from '../../../src/cli/table.js';

describe('what the berth command prints for people', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it.each([
    ['2026-11-29T12:00:00Z', 'just now'],
    ['2026-11-29T12:00:05Z', 'just now'], // a clock slightly ahead
    ['2026-11-29T11:59:59Z', '1 second ago'],
    ['2026-11-29T11:59:15Z', '45 seconds ago'],
    ['2026-11-29T11:57:00Z', '3 minutes ago'],
    ['2026-11-29T10:00:00Z', '2 hours ago'],
    ['2026-11-27T12:00:00Z', '2 days ago'],
    ['2026-11-01T12:00:00Z', '4 weeks ago'],
    ['2026-06-01T12:00:00Z', '6 months ago'],
    ['2024-11-29T12:00:00Z', '2 years ago'],
  ])('%s is "%s"', (iso, text) => expect(ago(iso, now)).toBe(text));

  it('no time is "-", a time it cannot read is shown as it came', () => {
    expect(ago(null, now)).toBe('-');
    expect(ago('yesterday', now)).toBe('yesterday');
  });

  it('sizes in MB, ids short, durations in seconds', () => {
    expect(megabytes(1_985_894)).toBe('2.0 MB');
    expect(megabytes(314_572_800)).toBe('314.6 MB');
    expect(shortId('sha256:c8374f4155e74a578186f9419eb642db')).toBe('c8374f4155e7');
    expect(shortId('2e17ed0ed6691b6006b3a245c79322')).toBe('2e17ed0ed669');
    expect(seconds(12_345)).toBe('12.3 s');
  });

  it('a table: columns padded to the widest cell, three blanks apart, no trailing blanks; paint after padding', () => {
    const red = (s: string) => `<${s}>`;
    expect(formatTable(['NAME', 'STATE', 'X'], [['web1', { text: 'exited', paint: red }, ''], ['a-longer-name', 'running', 'y']])).toBe(
      ['NAME            STATE     X', 'web1            <exited >', 'a-longer-name   running   y'].join('\n'),
    );
    expect(formatTable(['NAME'], [])).toBe('NAME');
  });
});
