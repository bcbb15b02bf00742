import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, defaultLogFormat } from '../../src/log.js';

/** A sink that keeps what the logger wrote. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('log formats', () => {
  it('pretty: a line for people, secrets redacted, an error as its message without a stack', () => {
    const s = sink();
    const log = createLogger('info', s.stream as never, 'pretty');
    log.warn({ ticket: 'sekrit', kwargs: { environment: { A: 'sekrit' } }, err: new Error('the engine went away') }, 'cannot ask the engine');
    const text = s.text();
    expect(text).toMatch(/WARN: cannot ask the engine/);
    expect(text).toContain('[redacted]');
    expect(text).toContain('the engine went away');
    expect(text).not.toContain('sekrit');
    expect(text).not.toMatch(/\n\s+at /);
    expect(text).not.toMatch(/^\{/);
  });

  it('json: one JSON object a line, secrets redacted, the whole error kept', () => {
    const s = sink();
    const log = createLogger('info', s.stream as never, 'json');
    log.warn({ ticket: 'sekrit', err: new Error('boom') }, 'x');
    const line = JSON.parse(s.text().trim()) as { ticket: string; err: { message: string; stack: string } };
    expect(line.ticket).toBe('[redacted]');
    expect(line.err.message).toBe('boom');
    expect(line.err.stack).toContain('Error: boom');
  });

  it('the default is pretty on a terminal, JSON otherwise', () => {
    expect(defaultLogFormat({ isTTY: true })).toBe('pretty');
    expect(defaultLogFormat({ isTTY: false })).toBe('json');
    expect(defaultLogFormat({})).toBe('json');
  });
});
