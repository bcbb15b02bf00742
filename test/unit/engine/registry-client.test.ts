import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../../src/engine/registry-client.js';
import { registryInsecure } from '../../../src/engine/docker-system-client.js';

/** A fake registry on loopback: each path answers as `routes` says; requests are recorded. */
let server: Server;
let port = 0;
const seen: { method: string; url: string; auth?: string; accept?: string }[] = [];
const DIGEST = `sha256:${'cd'.repeat(32)}`;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, accept: req.headers.accept });
    const url = req.url!;
    if (url.includes('/hang/')) return; // never answers
    if (url.includes('/gone/')) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    if (url.includes('/nodelete/')) return void res.writeHead(405).end('{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}');
    if (url.includes('/locked/')) return void res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    if (url.includes('/garbage/')) return void res.writeHead(200).end('<html>');
    if (url.endsWith('/tags/list')) return void res.writeHead(200).end('{"name":"x","tags":["1","2"]}');
    if (req.method === 'HEAD') return void res.writeHead(200, { 'Docker-Content-Digest': DIGEST }).end();
    res.writeHead(202).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise((r) => server.close(r)));

const client = (o: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) =>
  new RegistryClient({ registry: `127.0.0.1:${port}`, timeoutMs: 2_000, insecure: async () => true, ...o });

describe('the registry client (HTTP API v2)', () => {
  it('deletes a manifest by digest with basic auth; a 404 (already gone) is success', async () => {
    await client({ auth: { username: 'u', password: 'p w' } }).deleteManifest('berth/d/app', DIGEST);
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', url: `/v2/berth/d/app/manifests/${DIGEST}`, auth: `Basic ${Buffer.from('u:p w').toString('base64')}` });
    await client().deleteManifest('berth/d/gone/app', DIGEST);
    expect(seen.at(-1)!.auth).toBeUndefined();
  });

  it('lists tags, and looks up a digest with the manifest types in Accept', async () => {
    expect(await client().listTags('berth/d/app')).toEqual(['1', '2']);
    expect(await client().listTags('berth/d/gone/app')).toEqual([]);
    expect(await client().manifestDigest('berth/d/app', '1')).toBe(DIGEST);
    expect(seen.at(-1)!.accept).toContain('application/vnd.docker.distribution.manifest.v2+json');
    expect(await client().manifestDigest('berth/d/gone/app', '1')).toBeNull();
  });

  it('fails with registry_unavailable and the registry\'s own message, with a hint', async () => {
    await expect(client().deleteManifest('berth/d/nodelete/app', DIGEST)).rejects.toMatchObject({
      code: 'registry_unavailable',
      message: expect.stringMatching(/HTTP 405 UNSUPPORTED: The operation is unsupported\..*storage\.delete\.enabled/),
    });
    await expect(client().listTags('berth/d/locked/app')).rejects.toMatchObject({ message: expect.stringMatching(/HTTP 401 UNAUTHORIZED: authentication required \(check registryAuth\)/) });
    await expect(client().listTags('berth/d/garbage/app')).rejects.toMatchObject({ code: 'registry_unavailable', message: expect.stringContaining('not JSON') });
  });

  it('gives up on a registry that does not answer within its timeout, and on one that is down', async () => {
    const t0 = Date.now();
    await expect(client({ timeoutMs: 300 }).listTags('berth/d/hang/app')).rejects.toMatchObject({ code: 'registry_unavailable', message: expect.stringContaining('no answer within 300 ms (registryTimeout)') });
    expect(Date.now() - t0).toBeLessThan(3_000);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const down = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    await expect(new RegistryClient({ registry: `127.0.0.1:${down}`, timeoutMs: 2_000, insecure: async () => true }).listTags('x')).rejects.toMatchObject({
      code: 'registry_unavailable',
      message: `registry 127.0.0.1:${down} is unavailable (list the tags of x: ECONNREFUSED)`,
    });
  });

  it('speaks https unless the engine treats the registry as insecure; an engine that cannot tell is asked again', async () => {
    let asked = 0;
    const urls: string[] = [];
    const fake = (async (url: string) => {
      urls.push(url);
      return new Response(null, { status: 202 });
    }) as unknown as typeof fetch;
    const c = new RegistryClient({ registry: 'reg.example:5000', timeoutMs: 1_000, fetch: fake, insecure: async () => { if (asked++ === 0) throw new Error('engine down'); return false; } });
    await expect(c.deleteManifest('r', DIGEST)).rejects.toMatchObject({ code: 'registry_unavailable' });
    await c.deleteManifest('r', DIGEST);
    expect(urls).toEqual([`https://reg.example:5000/v2/r/manifests/${DIGEST}`]);
  });
});

describe('whether the engine treats a registry as insecure (moby isSecureIndex)', () => {
  const config = { InsecureRegistryCIDRs: ['127.0.0.0/8', '10.9.0.0/16'], IndexConfigs: { 'docker.io': { Secure: true }, '10.1.2.1:5000': { Secure: false }, '127.0.0.1:443': { Secure: true } } };
  const resolve = async (host: string) => (host === 'localhost' ? ['127.0.0.1'] : host === 'reg.example' ? ['192.0.2.1'] : []);
  it.each([
    ['127.0.0.1:5000', true],
    ['10.9.3.4:5000', true],
    ['10.1.2.1:5000', true],
    ['127.0.0.1:443', false],
    ['localhost:5000', true],
    ['reg.example:5000', false],
    ['192.0.2.7:5000', false],
  ])('%s → %s', async (registry, insecure) => {
    expect(await registryInsecure(registry, config, resolve)).toBe(insecure);
  });
});
