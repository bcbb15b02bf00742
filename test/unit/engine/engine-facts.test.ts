import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineUnreachableError, fetchEngineFacts, fetchEngineVersion } from '../../../src/engine/engine-facts.js';

/** Fake engines on unix sockets: one that never answers, one that forbids everything. */
const dir = mkdtempSync(join(tmpdir(), 'berth-facts-'));
const servers: Server[] = [];
async function engine(name: string, handle: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handle);
  servers.push(server);
  const path = join(dir, name);
  await new Promise<void>((r) => server.listen(path, r));
  return `unix://${path}`;
}
let silent = '';
let forbidding = '';
beforeAll(async () => {
  silent = await engine('silent.sock', () => undefined);
  forbidding = await engine('forbidding.sock', (_req, res) => void res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"authorization denied by plugin"}'));
});
afterAll(() => {
  for (const s of servers) s.closeAllConnections(), s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('asking an engine for its facts', () => {
  it('a missing socket is unreachable, saying why', async () => {
    const err = await fetchEngineFacts(`unix://${join(dir, 'missing.sock')}`, 2_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnreachableError);
    expect((err as Error).message).toMatch(/cannot reach the Docker engine at unix:\/\/.*missing\.sock \(.*ENOENT/);
  });

  it('an engine that does not answer is unreachable within the deadline', async () => {
    const t0 = Date.now();
    const err = await fetchEngineFacts(silent, 300).catch((e: unknown) => e);
    expect((err as Error).message).toContain('(no answer within 0.3 s)');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(await fetchEngineVersion(silent, 300)).toBeUndefined();
  });

  it('an engine that answers with a refusal is reached, and its own message is told', async () => {
    const err = await fetchEngineFacts(forbidding, 2_000).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(EngineUnreachableError);
    expect((err as Error).message).toBe(`the engine at ${forbidding} answered: authorization denied by plugin`);
  });
});
