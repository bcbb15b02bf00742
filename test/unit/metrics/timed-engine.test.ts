import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/engine.js';
import { createMetrics, NO_METRICS } from '../../../src/metrics/metrics.js';
import { timedEngine } from '../../../src/metrics/timed-engine.js';

class FakeEngine {
  constructor() {
    // As DockerEngine does: methods as read-only own properties, which a plain proxy of the object may not change.
    Object.defineProperty(this, 'fetchContainer', { value: async (id: string) => ({ id }) });
  }
  listeners(): number {
    return 7;
  }
}

describe('timedEngine', () => {
  it('times every method that returns a promise, by its name, and keeps the engine\'s class and answers', async () => {
    const metrics = createMetrics({ enabled: true }, 'd');
    const engine = timedEngine(new FakeEngine() as unknown as Engine, metrics);
    expect(engine).toBeInstanceOf(FakeEngine);
    expect(await (engine as unknown as { fetchContainer: (id: string) => Promise<unknown> }).fetchContainer('x')).toEqual({ id: 'x' });
    expect((engine as unknown as FakeEngine).listeners()).toBe(7);
    expect(await metrics.scrape()).toContain('berth_engine_request_duration_seconds_count{operation="fetchContainer"} 1');
  });

  it('is the engine itself when metrics are off', () => {
    const raw = new FakeEngine() as unknown as Engine;
    expect(timedEngine(raw, NO_METRICS)).toBe(raw);
  });
});
