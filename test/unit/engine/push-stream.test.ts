import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PushProgress, readPushStream } from '../../../src/engine/push-stream.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
/** A push stream as the engine sends it (docker 20.10), one JSON object per line. */
const PUSH = [
  { status: 'The push refers to repository [127.0.0.1:5000/berth/d/app]' },
  { status: 'Preparing', progressDetail: {}, id: 'aaa' },
  { status: 'Preparing', progressDetail: {}, id: 'bbb' },
  { status: 'Waiting', progressDetail: {}, id: 'bbb' },
  ...Array.from({ length: 50 }, (_, i) => ({ status: 'Pushing', progressDetail: { current: i * 1000, total: 50_000 }, progress: '[=>   ]', id: 'aaa' })),
  { status: 'Pushed', progressDetail: {}, id: 'aaa' },
  { status: 'Retrying in 5 seconds', progressDetail: {}, id: 'bbb' },
  { status: 'Retrying in 4 seconds', progressDetail: {}, id: 'bbb' },
  { status: 'Layer already exists', progressDetail: {}, id: 'bbb' },
  { status: `1: digest: ${DIGEST} size: 739` },
  { progressDetail: {}, aux: { Tag: '1', Digest: DIGEST, Size: 739 } },
];

describe('the push stream', () => {
  it('says one line per layer state change (not every byte count), and takes the digest from aux.Digest', () => {
    const lines: string[] = [];
    const p = new PushProgress((l) => lines.push(l));
    for (const m of PUSH) p.push(JSON.stringify(m));
    expect(lines).toEqual([
      'The push refers to repository [127.0.0.1:5000/berth/d/app]',
      'aaa: Preparing',
      'bbb: Preparing',
      'bbb: Waiting',
      'aaa: Pushing',
      'aaa: Pushed',
      'bbb: Retrying in 5 seconds',
      'bbb: Layer already exists',
      `1: digest: ${DIGEST} size: 739`,
    ]);
    expect(p.digest).toBe(DIGEST);
    expect(p.error).toBeUndefined();
  });

  it('fails on error/errorDetail with the engine\'s own message; a malformed digest is no digest', () => {
    const lines: string[] = [];
    const p = new PushProgress((l) => lines.push(l));
    p.push(JSON.stringify({ aux: { Digest: 'sha256:nothex' } }));
    p.push(JSON.stringify({ errorDetail: { message: 'unauthorized: authentication required' }, error: 'unauthorized: authentication required' }));
    p.push(JSON.stringify({ error: 'a second one' }));
    p.push('not json');
    expect(p.digest).toBeUndefined();
    expect(p.error).toBe('unauthorized: authentication required');
    expect(lines[0]).toBe('ERROR: unauthorized: authentication required');
  });

  it('bounds its output: at most 1000 lines however many layers', () => {
    const lines: string[] = [];
    const p = new PushProgress((l) => lines.push(l));
    for (let i = 0; i < 5_000; i++) p.push(JSON.stringify({ status: 'Preparing', id: `l${i}` }));
    expect(lines.length).toBe(1_000);
  });

  it('reads a stream split anywhere to its end', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    const read = readPushStream(stream, (l) => lines.push(l), new AbortController().signal);
    const text = PUSH.map((m) => JSON.stringify(m)).join('\r\n');
    for (let i = 0; i < text.length; i += 7) stream.write(text.slice(i, i + 7));
    stream.end();
    expect(await read).toEqual({ digest: DIGEST, error: undefined });
    expect(lines).toContain('aaa: Pushed');
  });

  it('rejects with the abort reason and destroys the stream when aborted', async () => {
    const stream = new PassThrough();
    const controller = new AbortController();
    const read = readPushStream(stream, () => undefined, controller.signal);
    stream.write(`${JSON.stringify(PUSH[1])}\n`);
    const reason = new Error('canceled by test');
    controller.abort(reason);
    await expect(read).rejects.toMatchObject({ code: 'canceled' });
    expect(stream.destroyed).toBe(true);
  });

  it('fails with build_failed on a message past the framing limit', async () => {
    const stream = new PassThrough();
    const read = readPushStream(stream, () => undefined, new AbortController().signal);
    stream.write('x'.repeat(100 * 1024));
    await expect(read).rejects.toMatchObject({ code: 'build_failed' });
  });
});
