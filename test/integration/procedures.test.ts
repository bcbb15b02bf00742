import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, containersOf, docker, imagesOf, makeImage, testDomain } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const D = testDomain('proc');
const routerUrl = inject('routerUrl');
let berth: BerthProcess;
let client: WampClient;
let imageId: string;

const CONTAINER_KEYS = ['created', 'domain', 'exitCode', 'finishedAt', 'health', 'id', 'image', 'name', 'owner', 'replicas', 'startedAt', 'state', 'status'];

describe('appliance procedures on Crossbar.io and the real engine', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    imageId = await makeImage(D, 'bb');
    await makeImage(D, 'spare');
    berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    client = await WampClient.connect(routerUrl);
  });

  afterAll(async () => {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
  });

  it('images() lists the images labelled with the domain', async () => {
    const images = await client.call<{ name: string; id: string; created: string; size: number }[]>(`${D}/images`);
    expect(images.map((i) => i.name)).toEqual(['bb', 'spare']);
    const bb = images[0]!;
    expect(bb.id).toBe(imageId);
    expect(bb.size).toBeGreaterThan(1_000_000);
    expect(Number.isNaN(Date.parse(bb.created))).toBe(false);
  });

  it('create() starts a labelled container with its domain and environment, and its procedures answer', async () => {
    const c = await client.call<Record<string, unknown>>(`${D}/create`, ['bb', 'web1', { GREETING: 'hi there' }]);
    expect(Object.keys(c).sort()).toEqual(CONTAINER_KEYS);
    expect(c).toMatchObject({ name: 'web1', image: 'bb', domain: `${D}.web1`, state: 'running', replicas: { wanted: 1, running: 1 } });
    expect(String(c.status)).toMatch(/^Up /);
    const [engine] = await containersOf(D);
    expect(engine).toMatchObject({ name: `${D}.web1`, state: 'running' });
    expect(engine!.labels).toMatchObject({ 'berth.domain': D, 'berth.name': 'web1', 'berth.image': 'bb' });
    const env = JSON.parse(await docker('inspect', '-f', '{{json .Config.Env}}', engine!.id)) as string[];
    expect(env).toEqual(expect.arrayContaining(['GREETING=hi there', `DOMAIN=${D}.web1`, 'WAMP_REALM=realm1', 'REPLICA=1']));
    expect(engine!.labels).toMatchObject({ 'berth.replica': '1' });
    for (const op of ['exec', 'image', 'inspect', 'logs', 'restart', 'scale', 'start', 'stop', 'top']) expect(await client.serves(`${D}/web1/${op}`), op).toBe(true);
    // Served by berth's one prefix registration `D/`, not by a registration of their own.
    expect(await client.isRegistered(`${D}/web1/top`)).toBe(false);
    expect(await client.call<number | null>('wamp.registration.match', [`${D}/web1/top`])).toEqual(expect.any(Number));
  });

  it('create() takes keyword arguments too', async () => {
    const c = await client.call<Record<string, unknown>>(`${D}/create`, [], { image: 'bb', name: 'kw1' });
    expect(c).toMatchObject({ name: 'kw1', state: 'running' });
  });

  it('list() answers every container of the domain', async () => {
    const list = await client.call<Record<string, unknown>[]>(`${D}/list`);
    expect(list.map((c) => c.name)).toEqual(['kw1', 'web1']);
    for (const c of list) expect(Object.keys(c).sort()).toEqual(CONTAINER_KEYS);
  });

  it('logs() returns stdout and stderr, demultiplexed, with tail', async () => {
    const logs = await waitFor('a log line', async () => {
      const text = await client.call<string>(`${D}/web1/logs`);
      return text.includes('hello from') ? text : undefined;
    });
    expect(logs).toBe(`hello from ${D}.web1\n`);
    expect(await client.call<string>(`${D}/web1/logs`, [], { tail: 0 })).toBe('');
  });

  it('logs() of a container that writes to both streams', async () => {
    await makeImage(D, 'chatty', { cmd: ['/bin/sh', '-c', 'echo out1; echo err1 >&2; echo out2; trap "exit 0" TERM; while true; do sleep 1; done'] });
    await client.call(`${D}/create`, ['chatty', 'chatty1']);
    const text = await waitFor('three lines', async () => {
      const t = await client.call<string>(`${D}/chatty1/logs`);
      return t.split('\n').length > 3 ? t : undefined;
    });
    expect(text.split('\n').filter(Boolean).sort()).toEqual(['err1', 'out1', 'out2']);
    expect(text).not.toMatch(/[\x00-\x08]/); // no frame headers left in
    await client.call(`${D}/remove`, ['chatty1']);
  });

  it('top() reports usage and processes', async () => {
    const top = await client.call<{ cpuPercent: number; memoryUsage: number; memoryLimit: number; pids: number; processes: Record<string, string>[] }>(`${D}/web1/top`);
    expect(top.memoryUsage).toBeGreaterThan(0);
    expect(top.memoryLimit).toBeGreaterThan(top.memoryUsage);
    expect(top.pids).toBeGreaterThanOrEqual(1);
    expect(top.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(top.processes.some((p) => String(p.CMD).includes('while true'))).toBe(true);
  });

  it('stop() and start() change the state and are idempotent', async () => {
    const stopped = await client.call<Record<string, unknown>>(`${D}/web1/stop`);
    expect(stopped).toMatchObject({ state: 'exited', exitCode: 0 });
    expect(String(stopped.status)).toMatch(/^Exited \(0\)/);
    expect((await containersOf(D)).find((c) => c.name === `${D}.web1`)?.state).toBe('exited');
    expect(await client.call(`${D}/web1/stop`)).toMatchObject({ state: 'exited' });
    const top = await client.call<Record<string, unknown>>(`${D}/web1/top`);
    expect(top).toMatchObject({ cpuPercent: 0, pids: 0, processes: [] });
    const started = await client.call<Record<string, unknown>>(`${D}/web1/start`);
    expect(started).toMatchObject({ state: 'running' });
    expect(await client.call(`${D}/web1/start`)).toMatchObject({ state: 'running' });
  });

  it('restart() gives a new start time', async () => {
    const before = await client.call<{ startedAt: string }>(`${D}/web1/inspect`);
    const after = await client.call<{ startedAt: string; state: string }>(`${D}/web1/restart`);
    expect(after.state).toBe('running');
    expect(Date.parse(after.startedAt)).toBeGreaterThan(Date.parse(before.startedAt));
  });

  it('inspect() adds config: environment, command, resources', async () => {
    const info = await client.call<{ name: string; config: { environment: Record<string, string>; command: string[]; resources: object } }>(`${D}/web1/inspect`);
    expect(info.name).toBe('web1');
    expect(info.config.environment).toMatchObject({ GREETING: 'hi there', DOMAIN: `${D}.web1`, WAMP_REALM: 'realm1' });
    expect(info.config.environment.WS_URL).toMatch(/^ws:\/\//);
    // Container tickets: the container's own authid and ticket; inspect never shows the ticket, the engine holds it, berth its hash.
    expect(info.config.environment.WAMP_AUTHID).toBe(`${D}.web1`);
    expect(info.config.environment.WAMP_TICKET).toBe('(redacted)');
    const env = JSON.parse(await docker('inspect', '-f', '{{json .Config.Env}}', `${D}.web1`)) as string[];
    const ticket = env.find((kv) => kv.startsWith('WAMP_TICKET='))!.slice('WAMP_TICKET='.length);
    expect(Buffer.from(ticket, 'base64url').length).toBeGreaterThanOrEqual(16);
    const label = await docker('inspect', '-f', '{{index .Config.Labels "berth.ticket"}}', `${D}.web1`);
    expect(label).toBe(`sha256:${createHash('sha256').update(ticket).digest('hex')}`);
    expect(JSON.stringify(info)).not.toContain(ticket);
    expect(berth.stdout + berth.stderr).not.toContain(ticket);
    expect(info.config.command.join(' ')).toContain('while true');
    expect(info.config.resources).toBeTypeOf('object');
  });

  it('image() describes the container image', async () => {
    expect(await client.call(`${D}/web1/image`)).toMatchObject({ name: 'bb', id: imageId });
  });

  it('removeImage() is refused while a container (even a stopped one) uses the image', async () => {
    await client.call(`${D}/kw1/stop`);
    const err = await client.callError(`${D}/removeImage`, ['bb']);
    expect(err.error).toBe('berth.error.in_use');
    expect(err.args[0]).toMatch(/kw1/);
    expect(err.kwargs).toMatchObject({ name: 'bb' });
    expect(await imagesOf(D)).toContain(imageId);
  });

  it('remove() stops and removes, and the container\'s procedures answer no_such_procedure at once', async () => {
    expect(await client.call(`${D}/remove`, ['web1'])).toEqual({ name: 'web1', removed: true });
    expect(await client.call(`${D}/remove`, [], { name: 'kw1' })).toEqual({ name: 'kw1', removed: true });
    expect(await containersOf(D)).toEqual([]);
    for (const op of ['exec', 'image', 'inspect', 'logs', 'restart', 'scale', 'start', 'stop', 'top']) {
      expect((await client.callError(`${D}/web1/${op}`)).error, op).toBe('wamp.error.no_such_procedure');
    }
    expect(await client.call(`${D}/list`)).toEqual([]);
  });

  it('removeImage() removes an unused image', async () => {
    expect(await client.call(`${D}/removeImage`, ['bb'])).toEqual({ name: 'bb', removed: true });
    expect(await imagesOf(D)).not.toContain(imageId);
    expect((await client.call<{ name: string }[]>(`${D}/images`)).map((i) => i.name)).toEqual(['chatty', 'spare']);
  });
});

describe('errors: every documented URI, with a message, and nothing changed', { timeout: 180_000 }, () => {
  const E = testDomain('err');
  let b: BerthProcess;
  let c: WampClient;

  beforeAll(async () => {
    await makeImage(E, 'bb');
    await makeImage(E, 'broken', { cmd: ['/no/such/binary'] });
    b = await BerthProcess.start(['--router', routerUrl, '--domain', E]);
    c = await WampClient.connect(routerUrl);
    await c.call(`${E}/create`, ['bb', 'one']);
  });

  afterAll(async () => {
    await c?.close();
    await b?.stop();
    await cleanDomain(E);
  });

  const invalid: [string, string, unknown[], Record<string, unknown>, RegExp][] = [
    ['too many arguments', 'create', ['bb', 'x', {}, {}, 1, 'extra'], {}, /at most 5 arguments/],
    ['missing argument', 'create', ['bb'], {}, /name/],
    ['wrong type', 'create', ['bb', 42], {}, /name must be a string/],
    ['bad name format', 'create', ['bb', 'has space'], {}, /name must match/],
    ['name starting with -', 'create', ['bb', '-x'], {}, /name must match/],
    ['name too long', 'create', ['bb', 'a'.repeat(64)], {}, /name must match/],
    ['unknown keyword', 'create', ['bb', 'x'], { colour: 'red' }, /unexpected keyword argument "colour"/],
    ['positional and keyword', 'create', ['bb', 'x'], { name: 'y' }, /two values for "name"/],
    ['environment not a dict', 'create', ['bb', 'x', ['A=1']], {}, /environment/],
    ['environment value not a string', 'create', ['bb', 'x', { A: 1 }], {}, /environment/],
    ['environment key not a name', 'create', ['bb', 'x', { 'A-B': '1' }], {}, /environment/],
    ['reserved environment', 'create', ['bb', 'x', { DOMAIN: 'evil' }], {}, /may not set/],
    ['arguments to list', 'list', ['x'], {}, /at most 0 arguments/],
    ['remove name type', 'remove', [null], {}, /name/],
    ['removeImage name', 'removeImage', [''], {}, /imageName/],
  ];
  it.each(invalid)('wamp.error.invalid_argument: %s', async (_what, op, args, kwargs, message) => {
    const err = await c.callError(`${E}/${op}`, args, kwargs);
    expect(err.error).toBe('wamp.error.invalid_argument');
    expect(err.args[0]).toMatch(message);
    expect((await containersOf(E)).map((x) => x.name)).toEqual([`${E}.one`]);
  });

  it('wamp.error.invalid_argument on per-container endpoints', async () => {
    const err = await c.callError(`${E}/one/logs`, ['many']);
    expect(err.error).toBe('wamp.error.invalid_argument');
    expect(err.args[0]).toMatch(/tail/);
    expect((await c.callError(`${E}/one/start`, [1])).error).toBe('wamp.error.invalid_argument');
  });

  it('wamp.error.no_such_procedure for an unknown container, an unknown operation or extra path components', async () => {
    for (const uri of [`${E}/ghost/top`, `${E}/one/nosuchop`, `${E}/one/top/extra`, `${E}/one`, `${E}/ghost/nosuchop`]) {
      const err = await c.callError(uri);
      expect(err.error, uri).toBe('wamp.error.no_such_procedure');
      expect(String(err.args[0]), uri).toContain(uri);
    }
    expect((await c.callError(`${E}/ghost/top`)).args[0]).toMatch(/no container named "ghost"/);
    expect(await c.call(`${E}/one/top`)).toMatchObject({ processes: expect.any(Array) });
  });

  it('berth.error.not_found: unknown image, container, image to remove', async () => {
    const e1 = await c.callError(`${E}/create`, ['nope', 'x']);
    expect(e1).toMatchObject({ error: 'berth.error.not_found', kwargs: { name: 'nope' } });
    expect(e1.args[0]).toMatch(/no image "nope"/);
    expect((await c.callError(`${E}/remove`, ['ghost'])).error).toBe('berth.error.not_found');
    expect((await c.callError(`${E}/removeImage`, ['ghost'])).error).toBe('berth.error.not_found');
    expect((await containersOf(E)).length).toBe(1);
  });

  it('berth.error.already_exists for a taken name', async () => {
    const err = await c.callError(`${E}/create`, ['bb', 'one']);
    expect(err).toMatchObject({ error: 'berth.error.already_exists', kwargs: { name: 'one' } });
    expect(err.args[0]).toMatch(/already exists/);
  });

  it('berth.error.in_use for an image in use', async () => {
    expect((await c.callError(`${E}/removeImage`, ['bb'])).error).toBe('berth.error.in_use');
  });

  it('berth.error.internal when the engine cannot start the image, and no container is left', async () => {
    const err = await c.callError(`${E}/create`, ['broken', 'b1']);
    expect(err.error).toBe('berth.error.internal');
    expect(err.args[0]).toMatch(/no such file|not found|executable/i);
    expect((await containersOf(E)).map((x) => x.name)).toEqual([`${E}.one`]);
    expect((await c.callError(`${E}/b1/start`)).error).toBe('wamp.error.no_such_procedure');
    const logged = b.lines.find((l) => l.error === 'berth.error.internal');
    expect(logged).toMatchObject({ procedure: `${E}/create` });
  });

  it('an image from another domain is not found', async () => {
    const other = testDomain('oth');
    await makeImage(other, 'foreign');
    try {
      expect((await c.callError(`${E}/create`, ['foreign', 'f1'])).error).toBe('berth.error.not_found');
    } finally {
      await cleanDomain(other);
    }
  });

  it('logs one warn line per failed call with the error URI', () => {
    const failures = b.lines.filter((l) => l.msg === 'call failed');
    expect(failures.length).toBeGreaterThan(10);
    for (const f of failures) expect(String(f.error)).toMatch(/^(wamp|berth)\.error\./);
  });
});
