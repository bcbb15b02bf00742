import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { awaitReplacement, HEALTH_GRACE_MS, judgeReplacement, replacementBudgetMs } from '../../../src/appliance/await-replacement.js';
import type { IndexChange } from '../../../src/engine/container-index.js';
import type { ContainerRecord, ImageHealthcheck } from '../../../src/engine/engine.js';
import { BerthError } from '../../../src/errors.js';

const T0 = '2026-11-29T10:00:00Z';
const rec = (over: Partial<ContainerRecord> = {}): ContainerRecord =>
  ({ id: 'new', name: 'web', state: 'running', startedAt: T0, exitCode: 0, restarting: false, oomKilled: false, health: null, lastHealthCheck: null, ...over }) as ContainerRecord;
const check: ImageHealthcheck = { test: ['CMD', 'true'], intervalMs: 100, timeoutMs: 100, retries: 2, startPeriodMs: 200 };

/** A scripted engine and index: the replacement's record changes when the test says, and each change is an event. */
class Fake extends EventEmitter<{ change: [IndexChange] }> {
  current: ContainerRecord | undefined = rec();
  reads = 0;
  logs = 'line one\nline two\n';
  readonly index = this;
  readonly engine = {
    fetchContainer: async () => (this.reads++, this.current),
    fetchLogs: async () => this.logs,
  };
  set(r: ContainerRecord | undefined, action = 'x'): void {
    this.current = r;
    this.emit('change', { event: { id: 'new', action }, before: undefined, after: undefined });
  }
}

async function failure(p: Promise<unknown>): Promise<BerthError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BerthError) return err;
    throw err;
  }
  throw new Error('did not fail');
}

describe('judgeReplacement', () => {
  it('with a health check: healthy confirms, unhealthy fails, starting waits until the time is up', () => {
    expect(judgeReplacement(rec({ health: 'healthy' }), T0, check, false, 1)).toEqual({ ok: true });
    expect(judgeReplacement(rec({ health: 'unhealthy' }), T0, check, false, 1)).toMatchObject({ ok: false, reason: expect.stringContaining('unhealthy') });
    expect(judgeReplacement(rec({ health: 'starting' }), T0, check, false, 1)).toBeUndefined();
    expect(judgeReplacement(rec({ health: 'starting' }), T0, check, true, 1500)).toMatchObject({ ok: false, reason: expect.stringContaining('not healthy within 1.5s') });
  });

  it('without one: confirmed once the settle time is over and it still runs the same start', () => {
    expect(judgeReplacement(rec(), T0, null, false, 1)).toBeUndefined();
    expect(judgeReplacement(rec(), T0, null, true, 1)).toEqual({ ok: true });
  });

  it('an exit, a restart, an OOM kill or a vanished container fails, health check or not', () => {
    for (const c of [check, null]) {
      expect(judgeReplacement(rec({ state: 'exited', exitCode: 3 }), T0, c, false, 1)).toMatchObject({ reason: 'the replacement exited with code 3' });
      expect(judgeReplacement(rec({ startedAt: '2026-11-29T10:00:05Z' }), T0, c, true, 1)).toMatchObject({ reason: expect.stringContaining('was restarted') });
      expect(judgeReplacement(rec({ restarting: true, state: 'restarting' }), T0, c, false, 1)).toMatchObject({ ok: false });
      expect(judgeReplacement(rec({ state: 'exited', oomKilled: true, exitCode: 137 }), T0, c, false, 1)).toMatchObject({ reason: expect.stringContaining('memory') });
      expect(judgeReplacement(undefined, T0, c, false, 1)).toMatchObject({ ok: false });
    }
  });

  it('the budget is StartPeriod + Interval × Retries + Timeout (+ grace), or the settle time', () => {
    expect(replacementBudgetMs(check, 2000)).toBe(200 + 100 * 2 + 100 + HEALTH_GRACE_MS);
    expect(replacementBudgetMs(null, 2000)).toBe(2000);
  });
});

describe('awaitReplacement', () => {
  it('returns as soon as the engine says healthy (woken by the event, not a poll)', async () => {
    const f = new Fake();
    f.current = rec({ health: 'starting' });
    const started = Date.now();
    const waiting = awaitReplacement(f, 'new', 'web', { ...check, startPeriodMs: 60_000 }, 0);
    setTimeout(() => f.set(rec({ health: 'healthy' }), 'health_status: healthy'), 50);
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(f.reads).toBe(2);
    expect(f.listenerCount('change')).toBe(0);
  });

  it('fails with the exit code and the last log lines when the replacement exits', async () => {
    const f = new Fake();
    const waiting = failure(awaitReplacement(f, 'new', 'web', null, 60_000));
    setTimeout(() => f.set(rec({ state: 'exited', exitCode: 1 }), 'die'), 20);
    const err = await waiting;
    expect(err.code).toBe('replacement_failed');
    expect(err.message).toContain('exited with code 1');
    expect(err.message).toContain('line two');
    expect(err.details).toMatchObject({ name: 'web', exitCode: 1, logs: ['line one', 'line two'] });
  });

  it('fails with the last health probe when the replacement goes unhealthy', async () => {
    const f = new Fake();
    f.current = rec({ health: 'starting' });
    const waiting = failure(awaitReplacement(f, 'new', 'web', check, 0));
    setTimeout(() => f.set(rec({ health: 'unhealthy', lastHealthCheck: { exitCode: 1, output: 'no /tmp/ok\n', end: '' } }), 'health_status: unhealthy'), 20);
    const err = await waiting;
    expect(err.message).toContain('unhealthy');
    expect(err.message).toContain('no /tmp/ok');
    expect(err.details).toMatchObject({ health: 'unhealthy', healthCheck: { exitCode: 1, output: 'no /tmp/ok\n' } });
  });

  it('fails when the health check bound passes with the replacement still starting', async () => {
    const f = new Fake();
    f.current = rec({ health: 'starting' });
    const started = Date.now();
    const err = await failure(awaitReplacement(f, 'new', 'web', { ...check, startPeriodMs: 0, intervalMs: 10, timeoutMs: 10, retries: 1 }, 0));
    expect(err.message).toContain('not healthy within');
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEALTH_GRACE_MS);
    expect(Date.now() - started).toBeLessThan(HEALTH_GRACE_MS + 1_500);
  });

  it('without a health check: confirmed after the settle time when it still runs', async () => {
    const f = new Fake();
    const started = Date.now();
    await awaitReplacement(f, 'new', 'web', null, 300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});
