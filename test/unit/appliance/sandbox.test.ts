import { describe, expect, it } from 'vitest';
import { resourcesSchema, sandboxFor } from '../../../src/appliance/sandbox.js';
import { isBerthError } from '../../../src/errors.js';
import { sandboxSchema } from '../../../src/sandbox-config.js';

const config = sandboxSchema.parse({});

function refusal(resources: unknown): string {
  const parsed = resourcesSchema.safeParse(resources);
  if (!parsed.success) return parsed.error.issues[0]!.message;
  try {
    sandboxFor(config, parsed.data);
  } catch (err) {
    if (isBerthError(err, 'invalid_argument')) return err.message;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(resources)}`);
}

// Sandbox limits: cpus 1e-9 became NanoCpus 1, which the engine reads as "no CPU limit".
describe('resource floors', () => {
  it.each([
    [{ cpus: 1e-9 }, /0\.01/],
    [{ cpus: 0.009 }, /0\.01/],
    [{ cpus: 0 }, /0\.01/],
    [{ memory: 6 * 1024 ** 2 - 1 }, /6m/],
    [{ memory: '1k' }, /6m/],
    [{ pids: 7 }, /8/],
  ])('%j is refused', (resources, message) => {
    expect(refusal(resources)).toMatch(message);
  });

  it('the floors themselves are accepted and reach the engine as limits', () => {
    const spec = sandboxFor(config, resourcesSchema.parse({ cpus: 0.01, memory: '6m', pids: 8 }));
    expect(spec).toMatchObject({ nanoCpus: 10_000_000, memory: 6 * 1024 ** 2, pids: 8 });
  });

  it('the sandbox config has the same floors', () => {
    expect(sandboxSchema.safeParse({ cpus: 0.001 }).success).toBe(false);
    expect(sandboxSchema.safeParse({ memory: '1m' }).success).toBe(false);
    expect(sandboxSchema.safeParse({ cpus: 0.01, memory: '6m' }).success).toBe(true);
  });
});
