import { describe, expect, it } from 'vitest';
import { demuxLogs } from '../../src/engine/demux-logs.js';

const frame = (stream: number, text: string) => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('demuxLogs', () => {
  it('joins stdout and stderr frames in order', () => {
    expect(demuxLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'é\n')]))).toBe('out\nerr\né\n');
  });
  it('passes unframed (TTY) output through', () => {
    expect(demuxLogs(Buffer.from('plain text\n'))).toBe('plain text\n');
  });
  it('keeps a truncated tail rather than dropping it', () => {
    expect(demuxLogs(Buffer.concat([frame(1, 'a\n'), Buffer.from('xyz')]))).toBe('a\nxyz');
  });
  it('handles empty output', () => expect(demuxLogs(Buffer.alloc(0))).toBe(''));
});
