import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBerthImage, type BuiltImage } from '../helpers/berth-image.js';
import { removeTags, writeConfig } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, containersOf, docker, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { freePort, waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

/**
 * berth's own image (docker/berth/build.sh, made offline: a Debian root, the host's Node, the packed package), run as
 * docs/install.md says: the engine's socket mounted, the host's network, its own user, a read-only root, no
 * capabilities. It serves the dashboard, builds an image from git over HTTP on loopback, creates a container from it,
 * and that container joins berth's embedded router (on the bridge gateway) and serves its procedure.
 */
const run = promisify(execFile);
const D = testDomain('inst');
const NAME = `berth-inst-${D}`;
let dir: string;
let image: BuiltImage;
let git: GitServer;
let port: number;
let url: string;

const logsOf = async () => {
  const { stdout, stderr } = await run('docker', ['logs', NAME]).catch((err: { stdout: string; stderr: string }) => err);
  return stdout + stderr;
};

describe("berth's own image, with the engine's socket mounted", { timeout: 900_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-inst-image-'));
    image = await buildBerthImage(dir);
    console.log(`berth image ${image.ref}: ${image.cached ? 'kept' : 'built'} in ${image.seconds.toFixed(1)} s`);
    git = await GitServer.start();
    git.addFixture('hello-backend');
    await docker('image', 'inspect', 'berth/exis-python:1'); // made by scripts/test-setup.sh
    const config = writeConfig(dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } });
    chmodSync(config, 0o644); // berth runs as its own user in the image
    port = await freePort();
    url = `ws://127.0.0.1:${port}/ws`;
    const gid = String(statSync('/var/run/docker.sock').gid);
    // The documented line (docs/install.md), with this test's port, domain and config.
    await docker(
      'run', '-d', '--name', NAME, '--network', 'host',
      '-v', '/var/run/docker.sock:/var/run/docker.sock', '--group-add', gid,
      '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '-v', `${config}:/etc/berth/config.yaml:ro`,
      image.ref, 'serve', '--listen', `127.0.0.1:${port}`, '--domain', D, '--config', '/etc/berth/config.yaml',
    );
    let logs = '';
    await waitFor(() => `berth in its container to join (${logs.slice(-1000)})`, async () => {
      logs = await logsOf();
      if ((await docker('inspect', '-f', '{{.State.Running}}', NAME)) !== 'true') throw new Error(`berth's container stopped: ${logs}`);
      return logs.includes('"msg":"joined the router"');
    }, 60_000);
  });

  afterAll(async () => {
    try {
      await docker('rm', '-f', NAME).catch(() => undefined);
      await cleanDomain(D);
      await removeTags(D);
    } finally {
      await git?.[Symbol.asyncDispose]();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs as its own user, with no capabilities, on a read-only root, and says which engine it drives', async () => {
    const [user, readOnly, caps] = (await docker('inspect', '-f', '{{.Config.User}}|{{.HostConfig.ReadonlyRootfs}}|{{json .HostConfig.CapDrop}}', NAME)).split('|');
    expect(user).toBe('berth');
    expect(readOnly).toBe('true');
    expect(caps).toBe('["ALL"]');
    const joined = (await logsOf()).split('\n').find((l) => l.includes('"msg":"joined the router"'))!;
    expect(JSON.parse(joined)).toMatchObject({ embedded: true, domain: D, router: url });
    expect(await docker('run', '--rm', '--entrypoint', 'node', image.ref, '--version')).toMatch(/^v(2\d|[3-9]\d)\./);
  });

  it('serves the dashboard', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /src="([^"]+\.js)"/.exec(html)?.[1];
    expect(script, html).toBeDefined();
    expect((await fetch(new URL(script!, `http://127.0.0.1:${port}/`))).status).toBe(200);
  });

  it('builds from git, creates a container, and the container joins its router and serves its procedure', async () => {
    await using client = await WampClient.connect(url);
    const lines = await client.call<string[]>(`${D}/build`, ['hello', git.url('hello-backend')]);
    expect(lines.length).toBeGreaterThan(3);
    expect(await docker('image', 'inspect', '-f', '{{index .Config.Labels "berth.domain"}}', `berth/${D}:hello`)).toBe(D);
    const c = await client.call<{ domain: string; state: string }>(`${D}/create`, ['hello', 'hb1']);
    expect(c).toMatchObject({ domain: `${D}.hb1`, state: 'running' });
    expect((await containersOf(D)).map((x) => x.state)).toEqual(['running']);
    // The backend reaches berth's embedded router from its container: berth listens on the bridge gateway, which is an
    // address of the host's network, where --network host put berth.
    const answer = await waitFor(`${D}.hb1/hello to answer`, () => client.call<string>(`${D}.hb1/hello`, ['inst']).catch(() => undefined), 60_000, 250);
    expect(answer).toBe(`hello inst from ${D}.hb1`);
    expect(await client.call(`${D}/remove`, ['hb1'])).toEqual({ name: 'hb1', removed: true });
    expect(await containersOf(D)).toEqual([]);
  });

  it('stops on SIGTERM with status 0 (berth is PID 1 in its container)', async () => {
    await docker('stop', '-t', '20', NAME);
    expect(await docker('inspect', '-f', '{{.State.ExitCode}}', NAME)).toBe('0');
    expect(await logsOf()).toContain('"msg":"stopping"');
  });
});
