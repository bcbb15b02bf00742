import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../../src/engine/docker-engine.js';
import { EngineError } from '../../../src/engine/engine-error.js';
import type { EngineEvent } from '../../../src/engine/engine.js';

// The engine's event stream: one malformed line in the engine's event stream threw inside a stream handler and killed the daemon.
// The engine's HTTP API is played by a tiny server on a unix socket (a fake engine for a unit test of the adapter).
describe('DockerEngine.watchContainers', () => {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server?.closeAllConnections();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('skips a malformed event line and keeps delivering the ones after it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-fake-engine-'));
    const socketPath = join(dir, 'docker.sock');
    server = createServer((req, res) => {
      if (!req.url?.startsWith('/events')) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"Action":"start","Actor":{"ID":"aaa"}}\n');
      res.write('{not json at all\n');
      res.write('[1,2,3]\n{"Action":42,"Actor":"x"}\nnull\n');
      setTimeout(() => res.write('{"Action":"die","Actor":{"ID":"bbb"}}\n'), 50);
    });
    await new Promise<void>((r) => server!.listen(socketPath, r));
    const engine = new DockerEngine(new Dockerode({ socketPath }));
    const events: EngineEvent[] = [];
    const skipped: string[] = [];
    let ended = false;
    const sub = await engine.watchContainers('d', (e) => events.push(e), () => (ended = true), (line) => skipped.push(line));
    const deadline = Date.now() + 5_000;
    while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.close();
    expect(events).toEqual([{ id: 'aaa', action: 'start' }, { id: 'bbb', action: 'die' }]);
    expect(skipped.length).toBe(4);
    expect(ended).toBe(false);
  });
});

// The engine's HTTP status reaches callers typed (EngineError.status), so "already so" answers count as success.
describe('DockerEngine status codes', () => {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('304 on stop is success, 404 on inspect is "gone", 409 on top is "no processes", 500 is a typed internal error', async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-fake-engine-'));
    const socketPath = join(dir, 'docker.sock');
    server = createServer((req, res) => {
      const url = req.url ?? '';
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (url.includes('/stop')) return send(304, {});
      if (url.includes('/json')) return send(404, { message: 'No such container: c1' });
      if (url.includes('/top')) return send(409, { message: 'Container c1 is not running' });
      return send(500, { message: 'something broke' });
    });
    await new Promise<void>((r) => server!.listen(socketPath, r));
    const engine = new DockerEngine(new Dockerode({ socketPath }));
    await expect(engine.stopContainer('c1', 1)).resolves.toBeUndefined();
    await expect(engine.fetchContainer('c1')).resolves.toBeUndefined();
    await expect(engine.fetchProcesses('c1')).resolves.toEqual({ titles: [], processes: [] });
    const err = await engine.startContainer('c1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code: 'internal', status: 500, message: expect.stringContaining('something broke') });
  });
});


// An image that left the engine's store while the engine looked it up (another removal took it first) is answered with
// "unrecognized image ID", not 404: removeImage failed with internal, and D/removeImage with it.
describe('DockerEngine.removeImage', () => {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server?.closeAllConnections();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an image the engine no longer recognizes is gone: not_found, as a 404 is; other failures stay what they are', async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-fake-engine-'));
    const socketPath = join(dir, 'docker.sock');
    server = createServer((req, res) => {
      const json = (status: number, message: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
      if (req.url?.includes('/images/raced')) return json(500, 'unrecognized image ID sha256:a8ae7aa1d730f9dcf47ef29e2e85f3da1ba2df0ce833433db513a867e8663e1f');
      if (req.url?.includes('/images/busy')) return json(409, 'conflict: unable to delete (image is being used by running container)');
      return json(500, 'something else broke');
    });
    await new Promise<void>((r) => server!.listen(socketPath, r));
    const engine = new DockerEngine(new Dockerode({ socketPath }));
    await expect(engine.removeImage('raced')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(engine.removeImage('busy')).rejects.toMatchObject({ code: 'in_use' });
    await expect(engine.removeImage('other')).rejects.toMatchObject({ code: 'internal' });
  });
});
