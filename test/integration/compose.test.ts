import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dump as dumpYaml, load as loadYaml } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBerthImage } from '../helpers/berth-image.js';
import { REPO_ROOT } from '../helpers/berth-package.js';
import { removeTags } from '../helpers/build-helpers.js';
import { DOCS_USERS, docsCrossbarConfig } from '../helpers/crossbar-docs.js';
import { bridgeGateway, cleanDomain, containersOf, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { freePort, waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

/**
 * deploy/compose.yaml: berth joined to Crossbar.io. Debian's docker-compose checks it (`config`), and then runs it for
 * real, offline: berth's own image (docker/berth/build.sh) and a Crossbar.io image made from the test's Crossbar.io
 * (test/helpers/crossbar-image.sh) stand in for the published ones. The run moves the three ports, berth's domain and
 * its config (a private git host is allowed, for the test's git server on loopback) so as not to meet other runs.
 */
const run = promisify(execFile);
const DEPLOY = join(REPO_ROOT, 'deploy');
const CROSSBAR_IMAGE = 'berth-inst/crossbar:test';
const D = testDomain('inst');
const PROJECT = `berth-inst-${D}`;
const gid = () => String(statSync('/var/run/docker.sock').gid);

type Service = { image: string; network_mode?: string; environment?: Record<string, string>; volumes?: string[]; read_only?: boolean; cap_drop?: string[]; group_add?: string[]; tmpfs?: string[]; entrypoint?: string[]; command?: string[] };
type Transport = { endpoint: { port: number; interface: string }; auth: { ticket: { type: string; principals?: Record<string, { ticket: string }> } } };

async function compose(cwd: string, args: string[], env: Record<string, string> = {}) {
  return run('docker-compose', args, { cwd, env: { ...process.env, ...env }, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
}

describe('deploy/compose.yaml: berth with Crossbar.io', { timeout: 900_000 }, () => {
  it('docker-compose config accepts it, and it agrees with the Crossbar.io config beside it', async () => {
    const { stdout } = await compose(DEPLOY, ['config'], { DOCKER_GID: gid() });
    const { services } = loadYaml(stdout) as { services: Record<string, Service> };
    const { crossbar, berth } = services as { crossbar: Service; berth: Service };
    expect(crossbar.network_mode).toBe('host');
    expect(berth.network_mode).toBe('host');
    expect(berth.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock:rw');
    expect(berth).toMatchObject({ read_only: true, cap_drop: ['ALL'], group_add: [gid()], tmpfs: ['/tmp'] });
    expect(crossbar.entrypoint).toEqual(['crossbar', 'start', '--cbdir', '/node/.crossbar']);

    // The Crossbar.io config is docs/crossbar.md's, and berth's URLs are its two transports.
    const cbText = readFileSync(join(DEPLOY, 'crossbar', 'config.json'), 'utf8');
    expect(JSON.parse(cbText)).toEqual(JSON.parse(docsCrossbarConfig()));
    const [people, containers] = (JSON.parse(cbText) as { workers: { transports: Transport[] }[] }).workers[0]!.transports as [Transport, Transport];
    const env = berth.environment!;
    expect(env.BERTH_ROUTER).toBe(`ws://${people.endpoint.interface}:${people.endpoint.port}/ws`);
    expect(env.BERTH_CONTAINER_ROUTER_URL).toBe(`ws://host.docker.internal:${containers.endpoint.port}/ws`);
    expect(containers.endpoint.interface).toBe(await bridgeGateway());
    expect(people.auth.ticket.principals![env.BERTH_AUTHID!]!.ticket).toBe(env.BERTH_TICKET);

    // Without the socket's group, compose refuses to start and says how to set it.
    const missing = await compose(DEPLOY, ['config']).catch((err: { stderr: string }) => err);
    expect('stderr' in missing ? missing.stderr : '').toMatch(/DOCKER_GID=\$\(stat -c %g \/var\/run\/docker.sock\)/);
  });

  describe('docker-compose up, offline', () => {
    let dir: string;
    let git: GitServer;
    let env: Record<string, string>;
    let routerUrl: string;
    let httpPort: number;
    let up = false;

    const logs = async () => (await compose(dir, ['-p', PROJECT, 'logs', '--no-color'], env).catch((err: { stdout: string }) => err)).stdout;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'berth-inst-compose-'));
      const [{ ref: berthImage }] = await Promise.all([
        buildBerthImage(dir),
        run(join(REPO_ROOT, 'test/helpers/crossbar-image.sh'), [CROSSBAR_IMAGE], { timeout: 600_000 }),
      ]);
      git = await GitServer.start();
      git.addFixture('hello-backend');
      const [people, containers, http] = [await freePort(), await freePort(), await freePort()];
      httpPort = http;
      routerUrl = `ws://127.0.0.1:${people}/ws`;
      // The shipped files, with this run's ports and domain (what a user changes who runs a second copy).
      const ports: Record<string, number> = { '8080': people, '8081': containers, '8090': http };
      const move = (text: string) => text.replace(/\b(8080|8081|8090)\b/g, (p) => String(ports[p])).replaceAll('"berth._', `"${D}._`);
      mkdirSync(join(dir, 'crossbar'));
      writeFileSync(join(dir, 'compose.yaml'), move(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8')));
      writeFileSync(join(dir, 'crossbar', 'config.json'), move(readFileSync(join(DEPLOY, 'crossbar', 'config.json'), 'utf8')));
      const config = join(dir, 'berth.yaml');
      writeFileSync(config, JSON.stringify({ build: { allowPrivateHosts: true } }));
      chmodSync(config, 0o644);
      writeFileSync(
        join(dir, 'override.yaml'),
        dumpYaml({ services: { berth: { command: ['serve', '--config', '/etc/berth/config.yaml'], volumes: [`${config}:/etc/berth/config.yaml:ro`] } } }),
      );
      env = { CROSSBAR_IMAGE, BERTH_IMAGE: berthImage, DOCKER_GID: gid(), BERTH_DOMAIN: D };
      up = true;
      await compose(dir, ['-p', PROJECT, '-f', 'compose.yaml', '-f', 'override.yaml', 'up', '-d'], env);
      let seen = '';
      await waitFor(() => `berth to join Crossbar.io (${seen.slice(-2000)})`, async () => {
        seen = await logs();
        return seen.includes('"msg":"joined the router"');
      }, 90_000, 500);
    });

    afterAll(async () => {
      try {
        if (up) await compose(dir, ['-p', PROJECT, '-f', 'compose.yaml', '-f', 'override.yaml', 'down', '--timeout', '20'], env).catch(() => undefined);
        await cleanDomain(D);
        await removeTags(D);
      } finally {
        await git?.[Symbol.asyncDispose]();
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    });

    it('berth joins Crossbar.io, serves its dashboard, builds from git and creates a container that joins Crossbar.io', async () => {
      const joined = (await logs()).split('\n').map((l) => l.slice(l.indexOf('{'))).find((l) => l.includes('"msg":"joined the router"'))!;
      expect(JSON.parse(joined)).toMatchObject({ router: routerUrl, embedded: false, domain: D });
      expect((await fetch(`http://127.0.0.1:${httpPort}/`)).status).toBe(200);

      await using client = await WampClient.connect(routerUrl, { authid: 'alice', ticket: DOCS_USERS.alice });
      await client.call(`${D}/build`, ['hello', git.url('hello-backend')]);
      expect(await client.call(`${D}/create`, ['hello', 'hb1'])).toMatchObject({ domain: `${D}.hb1`, state: 'running' });
      // The container joins Crossbar.io's containers' transport on the bridge gateway with its own ticket, which berth
      // (in its own container, on the host's network) checks through D._authenticate.
      const answer = await waitFor(`${D}.hb1/hello to answer`, () => client.call<string>(`${D}.hb1/hello`, ['alice']).catch(() => undefined), 60_000, 250);
      expect(answer).toBe(`hello alice from ${D}.hb1`);
      expect(await client.call(`${D}/remove`, ['hb1'])).toEqual({ name: 'hb1', removed: true });
      expect(await containersOf(D)).toEqual([]);
    });
  });
});
