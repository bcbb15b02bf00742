import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../../src/config.js';
import { askEngine } from '../../../src/daemon/ask-engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import { createLogger } from '../../../src/log.js';

afterEach(() => vi.useRealTimers());

describe('asking the engine for its security options at start', () => {
  it('an engine that fails to answer is asked again in the background until berth stops, then never again', async () => {
    vi.useFakeTimers();
    const fetchSecurityOptions = vi.fn(() => Promise.reject(new Error('the engine is busy')));
    const engine = { fetchSecurityOptions } as unknown as Engine;
    const answer = await askEngine(engine, resolveConfig({}, {}), createLogger('silent'));
    expect(answer.current()).toBe('unknown');
    await vi.advanceTimersByTimeAsync(3_100);
    expect(fetchSecurityOptions).toHaveBeenCalledTimes(2);
    answer.stop();
    answer.stop();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetchSecurityOptions).toHaveBeenCalledTimes(2);
  });
});
