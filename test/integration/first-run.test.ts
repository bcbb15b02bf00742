import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH_MAIN, BerthCli } from '../helpers/berth-cli.js';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, docker, testDomain } from '../helpers/docker.js';
import { freePort, waitFor } from '../helpers/wait-for.js';

/**
 * What a newcomer meets on the first `berth serve`: an engine that is not there is one line and exit 2 (no stack), a
 * terminal gets lines for people and a start banner, anything else gets JSON lines; the join line states the engine's
 * real security options in both.
 */
const run = promisify(execFile);
const MISSING = 'unix:///tmp/berth-fr-missing.sock';

/** What `docker info` says the engine adds to isolation, as berth's join line states it. */
async function engineSecurityNow() {
  const options = JSON.parse(await docker('info', '--format', '{{json .SecurityOptions}}')) as string[];
  const seccomp = options.find((o) => o.startsWith('name=seccomp'));
  return {
    userns: options.some((o) => o.startsWith('name=userns')),
    rootless: options.some((o) => o.startsWith('name=rootless')),
    seccomp: seccomp ? (/profile=([^,]+)/.exec(seccomp)?.[1] ?? 'default') : false,
  };
}

describe('the first run', { timeout: 120_000 }, () => {
  const D = testDomain('fr');
  afterAll(() => cleanDomain(D));

  it('no engine at --docker-host: berth serve exits 2 with one line naming the address and what to do, no stack', async () => {
    for (const args of [['--docker-host', MISSING], ['--router', 'ws://127.0.0.1:1/ws', '--docker-host', MISSING]]) {
      const p = BerthProcess.spawn(args);
      const code = await p.exited();
      expect(code).toBe(2);
      expect(p.stdout).toBe('');
      expect(p.stderr).toBe(`berth: cannot reach the Docker engine at ${MISSING} (connect ENOENT /tmp/berth-fr-missing.sock): start dockerd (as root, npm start sets it up on Debian), or give --docker-host\n`);
    }
    // Through DOCKER_HOST the same, and a refused TCP address too (nothing listens on port 1).
    const viaEnv = BerthProcess.spawn([], { DOCKER_HOST: MISSING });
    expect(await viaEnv.exited()).toBe(2);
    expect(viaEnv.stderr.trim().split('\n')).toHaveLength(1);
    const tcp = BerthProcess.spawn(['--docker-host', 'tcp://127.0.0.1:1']);
    expect(await tcp.exited()).toBe(2);
    expect(tcp.stderr).toMatch(/^berth: cannot reach the Docker engine at tcp:\/\/127\.0\.0\.1:1 \(connect ECONNREFUSED 127\.0\.0\.1:1\): check that the engine runs there[^\n]*\n$/);
    expect(tcp.stderr).not.toMatch(/\n\s+at /);
  });

  it('a log format other than pretty or json is a usage error naming the option', async () => {
    const bad = BerthProcess.spawn(['--docker-host', MISSING], { BERTH_LOG_FORMAT: 'yaml' });
    expect(await bad.exited()).toBe(2);
    expect(bad.stderr).toMatch(/^berth: invalid option --log-format \(BERTH_LOG_FORMAT\): .* \(got "yaml"\)\n$/);
  });

  it('without a terminal: JSON lines only, and the join line states the engine\'s real security options', async () => {
    const port = await freePort();
    await using berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D], { procedures: 1 });
    const join = await berth.waitForJoin(1);
    expect(join.engineSecurity).toEqual(await engineSecurityNow());
    expect(join.engineSecurity).not.toBe('unknown');
    // every line is JSON (BerthProcess parses each one: a line that is not would have thrown)
    expect(berth.stdout.trim().split('\n').every((l) => l.startsWith('{'))).toBe(true);
    expect(berth.stdout).not.toContain('is ready');

    // The connection options before the command reach this berth (as docker -H URL ps).
    const ps = await BerthCli.run(['--router', `ws://127.0.0.1:${port}/ws`, '--domain', D, 'ps'], { BERTH_ROUTER: undefined, BERTH_DOMAIN: undefined });
    expect(ps.stderr).toBe('');
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(/^NAME\s+IMAGE\s+STATE/);
    const other = await BerthCli.run(['--router', `ws://127.0.0.1:${port}/ws`, '--domain', `${D}x`, 'ps'], { BERTH_ROUTER: undefined, BERTH_DOMAIN: undefined });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`no berth serves domain ${D}x`);
  });

  it('--log-format pretty without a terminal gives lines for people and the banner', async () => {
    const port = await freePort();
    // Its own process (BerthProcess reads JSON lines): stdout a pipe, not a terminal.
    await using berth = BerthCli.spawn(['serve', '--listen', `127.0.0.1:${port}`, '--domain', D, '--log-format', 'pretty'], { BERTH_LOG_FORMAT: undefined });
    await waitFor(() => `the banner (stdout: ${berth.stdout})`, () => /\n\s+help\s/.test(berth.stdout), 30_000);
    expect(berth.stdout).toMatch(/INFO: joined the router/);
    expect(berth.stdout).toMatch(/berth \d+\.\d+\.\d+ is ready/);
    expect(berth.stdout).not.toMatch(/^\{"level"/m);
    // no escape codes when stdout is not a terminal
    expect(berth.stdout).not.toContain('\x1b[');
  });
});

/**
 * scripts/setup-engine.sh (what npm start runs) where it cannot set the engine up: in a Debian container without Docker
 * and without a network, as a user who is not root, and on a system that is not Debian. Each time one line, exit 2.
 */
describe('the set-up script where it cannot set up', { timeout: 120_000 }, () => {
  const scripts = fileURLToPath(new URL('../../scripts', import.meta.url));
  const setup = async (user: string, prepare = '') => {
    const name = `berth-fr-setup-${Math.random().toString(36).slice(2, 8)}`;
    const script = `${prepare} exec bash /berth/scripts/setup-engine.sh exis-python`;
    try {
      await run('docker', ['run', '--rm', '--name', name, '--network', 'none', '-u', user, '-v', `${scripts}:/berth/scripts:ro`, 'berth/exis-python:1', 'bash', '-c', script]);
      return { code: 0, stdout: '', stderr: '' };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('not root: one line saying that setting the engine up needs root, exit 2', async () => {
    const r = await setup('65534:65534');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('berth: no Docker engine answers on /var/run/docker.sock, and setting one up needs root: run npm start as root (Debian 12 installs docker.io), start dockerd yourself, or give --docker-host\n');
  });

  it('root on Debian without a way to install docker.io (no network): says so in one line after its progress line, exit 2', async () => {
    const r = await setup('0:0');
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual(['[setup] installing docker.io mmdebstrap (apt-get, a minute or two)', expect.stringMatching(/^berth: apt-get (update failed, so docker\.io mmdebstrap cannot be installed|install docker\.io mmdebstrap failed \(is the apt mirror reachable\?\))/)]);
  });

  it('not Debian: one line saying to install Docker Engine, exit 2', async () => {
    const r = await setup('0:0', 'rm -f /etc/debian_version;');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^berth: no Docker engine answers on \/var\/run\/docker\.sock, and this is not Debian[^\n]*install Docker Engine[^\n]*\n$/);
  });
});

describe('berth serve in a real terminal (tmux)', { timeout: 120_000 }, () => {
  const D = testDomain('frt');
  const socket = `berth-fr-${D}`;
  const tmux = async (...args: string[]) => (await run('tmux', ['-L', socket, ...args])).stdout;
  const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-2000', '-t', 'serve');
  let port: number;

  beforeAll(async () => {
    port = await freePort();
  });
  afterAll(async () => {
    await tmux('kill-server').catch(() => undefined);
    await cleanDomain(D);
  });

  it('shows the banner (dashboard, router, realm, domain, the engine and its options, what to try) and pretty lines', async () => {
    const version = (await docker('version', '--format', '{{.Server.Version}}')).trim();
    await tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'serve', '-x', '200', '-y', '50', 'env', '-u', 'BERTH_LOG_FORMAT', 'NO_COLOR=1', process.execPath, '--', BERTH_MAIN, 'serve', '--listen', `127.0.0.1:${port}`, '--domain', D);
    const text = await waitFor(async () => `the banner (screen: ${await screen()})`, async () => {
      const s = await screen();
      return /berth \d+\.\d+\.\d+ is ready/.test(s) && /\n\s+help /.test(s) ? s : undefined;
    }, 30_000, 250);
    expect(text).toMatch(/INFO: joined the router/);
    expect(text).not.toMatch(/^\{"level"/m);
    expect(text).toMatch(new RegExp(`dashboard\\s+http://127\\.0\\.0\\.1:${port}/`));
    expect(text).toMatch(new RegExp(`router\\s+ws://127\\.0\\.0\\.1:${port}/ws \\(embedded\\)`));
    expect(text).toMatch(/realm\s+realm1/);
    expect(text).toMatch(new RegExp(`domain\\s+${D}`));
    const security = await engineSecurityNow();
    expect(text).toContain(`engine     docker ${version}, ${security.seccomp ? `seccomp ${security.seccomp}` : 'no seccomp'}`);
    expect(text).toMatch(new RegExp(`try\\s+berth --router ws://127\\.0\\.0\\.1:${port}/ws --domain ${D} build hello <git URL`));
    expect(text).not.toContain('unknown');
    await tmux('send-keys', '-t', 'serve', 'C-c');
  });
});
