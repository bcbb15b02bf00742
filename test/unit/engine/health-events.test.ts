import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { containerEvent } from '../../../src/appliance/events-topic.js';
import { containerDict } from '../../../src/appliance/shape.js';
import { DockerEngine } from '../../../src/engine/docker-engine.js';
import type { ContainerRecord, EngineEvent } from '../../../src/engine/engine.js';

const record = (health: string | null): ContainerRecord =>
  ({ id: 'abc', engineName: 'd.web', name: 'web', domain: 'd', image: 'app', imageId: 'sha256:1', state: 'running', created: '', startedAt: null,
    finishedAt: null, exitCode: null, restarting: false, oomKilled: false, health, labels: {}, env: [], cmd: null, entrypoint: null, workingDir: '/',
    user: '', resources: {} as ContainerRecord['resources'] }) as ContainerRecord;

// Health: the engine's health_status events reach the index (so list() shows the change) and D/events as `health`;
// the exec_* events each health probe makes are not worth a refresh.
describe('health in the engine event stream', () => {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server?.closeAllConnections();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes health_status events on and drops the probes\' exec events', async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-fake-engine-'));
    const socketPath = join(dir, 'docker.sock');
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // As engine 20.10 writes them for a container with a HEALTHCHECK.
      res.write('{"Action":"exec_create: /bin/sh -c test -e /tmp/ok","Actor":{"ID":"aaa"}}\n{"Action":"exec_start: /bin/sh -c test -e /tmp/ok","Actor":{"ID":"aaa"}}\n');
      res.write('{"Action":"exec_die","Actor":{"ID":"aaa","Attributes":{"exitCode":"1"}}}\n{"Action":"health_status: unhealthy","Actor":{"ID":"aaa"}}\n');
    });
    await new Promise<void>((r) => server!.listen(socketPath, r));
    const engine = new DockerEngine(new Dockerode({ socketPath }));
    const events: EngineEvent[] = [];
    const sub = await engine.watchContainers('d', (e) => events.push(e), () => undefined);
    const deadline = Date.now() + 5_000;
    while (events.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.close();
    expect(events).toEqual([{ id: 'aaa', action: 'health_status: unhealthy' }]);
  });

  it('the container dict says starting, healthy, unhealthy, or null without a health check', () => {
    expect(['starting', 'healthy', 'unhealthy', 'none', null].map((h) => containerDict(record(h)).health)).toEqual(['starting', 'healthy', 'unhealthy', null, null]);
  });

  it('D/events tells a health change as `health` with the new state and the dict', () => {
    const e = containerEvent({ event: { id: 'abc', action: 'health_status: healthy', time: 't' }, before: record('starting'), after: record('healthy') });
    expect(e).toMatchObject({ event: 'health', name: 'web', time: 't', health: 'healthy', container: { health: 'healthy' } });
    expect(containerEvent({ event: { id: 'abc', action: 'health_status: unhealthy' }, before: record('healthy'), after: undefined })).toMatchObject({ event: 'health', health: 'unhealthy' });
  });
});
