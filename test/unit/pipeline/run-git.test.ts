import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BerthError } from '../../../src/errors.js';
import { fetchSource } from '../../../src/pipeline/git-source.js';
import { parseBuildUrl } from '../../../src/pipeline/build-url.js';
import { runGit } from '../../../src/pipeline/run-git.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-rungit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runGit', () => {
  it('regression (finding 4): a git that cannot be spawned rejects; the error event never goes unhandled', async () => {
    const err = await runGit({ args: ['init'], cwd: dir, env: {}, signal: new AbortController().signal, onStderr: () => undefined, command: join(dir, 'no-such-git') }).catch((e: Error) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('the clone fails with clone_failed when git cannot be spawned (EMFILE, ENOENT), and berth goes on', async () => {
    const checkout = join(dir, 'src');
    const err = await fetchSource({
      url: parseBuildUrl('http://127.0.0.1:9/x.git'),
      address: '127.0.0.1',
      dir: dir,
      home: dir,
      timeoutMs: 5_000,
      maxBytes: 1_000_000,
      signal: new AbortController().signal,
      onLine: () => undefined,
      git: join(checkout, 'no-such-git'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BerthError);
    expect((err as BerthError).code).toBe('clone_failed');
  });

  it('regression (finding 4): out of file descriptors (EMFILE), the clone fails with clone_failed and the process lives on', () => {
    const script = fileURLToPath(new URL('./fixtures/clone-at-emfile.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const out = execFileSync('/bin/sh', ['-c', 'ulimit -n 256 && exec "$0" "$@"', tsx, script, dir], { encoding: 'utf8', timeout: 60_000 });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { held: number; ok: boolean; code?: string; message?: string };
    expect(result.held).toBeGreaterThan(100);
    expect(result).toMatchObject({ ok: false, code: 'clone_failed' });
    expect(result.message).toMatch(/EMFILE|ENFILE/);
  });

  it('an abort kills the process group at once and rejects with the reason', async () => {
    const abort = new AbortController();
    const t0 = Date.now();
    const run = runGit({ args: ['-c', 'sleep 30 & sleep 30'], cwd: dir, env: { PATH: process.env.PATH ?? '' }, signal: abort.signal, onStderr: () => undefined, command: '/bin/sh' });
    setTimeout(() => abort.abort(new BerthError('canceled', 'stop')), 100);
    await expect(run).rejects.toMatchObject({ code: 'canceled' });
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('passes stdout and stderr lines through the bounded splitter', async () => {
    const out: string[] = [];
    const err: string[] = [];
    await runGit({
      args: ['-c', 'echo one; echo two >&2; printf "p1\\rp2\\r"'],
      cwd: dir, env: { PATH: process.env.PATH ?? '' }, signal: new AbortController().signal,
      onStdout: (l) => out.push(l), onStderr: (l) => err.push(l), command: '/bin/sh',
    });
    expect(out).toEqual(['one', 'p1', 'p2']);
    expect(err).toEqual(['two']);
  });
});
