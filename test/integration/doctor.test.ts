import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthCli } from '../helpers/berth-cli.js';
import { Crossbar } from '../helpers/crossbar.js';
import { BUSYBOX_IMAGE, docker, testDomain } from '../helpers/docker.js';

const routerUrl = inject('routerUrl');

/** `berth doctor` against the real engine and the test's real router, and against an engine that is not there. */
describe('berth doctor', { timeout: 120_000 }, () => {
  const D = testDomain('doc');
  let dir: string;
  let config: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-fr-doctor-'));
    config = join(dir, 'berth.yaml');
    // Only the bases this machine has (the test set-up builds exis-python; exis-nodejs is mapped to the test base).
    writeFileSync(config, `bases:\n  exis-nodejs: ${BUSYBOX_IMAGE}\n  busybox: ${BUSYBOX_IMAGE}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const doctor = (args: string[]) => BerthCli.run(['doctor', ...args], { BERTH_ROUTER: undefined, BERTH_DOMAIN: undefined, DOCKER_HOST: undefined, NO_COLOR: '1' });

  it('the real engine and router: every check holds, exit 0', async () => {
    const r = await doctor(['--router', routerUrl, '--domain', D, '--config', config]);
    expect(r.stderr).toBe('');
    const version = (await docker('version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})')).trim();
    expect(r.stdout).toContain(`✓ engine             reachable at unix:///var/run/docker.sock: Docker ${version}`);
    for (const name of ['isolation', 'bases', 'disk', 'address pool', 'router', 'caller disclosure']) expect(r.stdout).toMatch(new RegExp(`^✓ ${name} `, 'm'));
    expect(r.stdout).toContain(`joined realm realm1 at ${routerUrl}`);
    expect(r.stdout).not.toContain('✗');
    expect(r.stdout).toMatch(/berth serve has what it needs\.\n$/);
    expect(r.code).toBe(0);
  });

  it('the connection options before the command count for doctor too', async () => {
    const r = await BerthCli.run(['--router', routerUrl, 'doctor', '--config', config], { BERTH_ROUTER: undefined, NO_COLOR: '1' });
    expect(r.stdout).toContain(`joined realm realm1 at ${routerUrl}`);
    expect(r.code).toBe(0);
  });

  it('a missing base is ✗ with the command that builds it', async () => {
    writeFileSync(join(dir, 'missing.yaml'), 'bases:\n  exis-nodejs: berth-fr/not-there:1\n');
    const r = await doctor(['--router', routerUrl, '--config', join(dir, 'missing.yaml')]);
    expect(r.stdout).toMatch(/^✗ bases\s+missing exis-nodejs \(berth-fr\/not-there:1\)\n\s+fix: build them offline as root: bash docker\/bases\/build-offline\.sh exis-nodejs/m);
    expect(r.code).toBe(1);
  });

  it('a Crossbar.io that does not disclose callers: ✗ in callers: owner mode (with the fix), ✓ with callers: open', async () => {
    // The test's Crossbar.io config with caller disclosure turned off for every role.
    const template = join(dir, 'no-disclosure.json');
    const base = readFileSync(new URL('../fixtures/crossbar/config.json', import.meta.url), 'utf8');
    writeFileSync(template, base.replaceAll('"caller": true', '"caller": false'));
    await using crossbar = await Crossbar.start({ template });
    const owner = await doctor(['--router', crossbar.url, '--config', config]);
    expect(owner.stdout).toMatch(/^✗ caller disclosure\s+the router does not disclose callers: in callers: owner mode berth refuses every call\n\s+fix: enable caller disclosure on the router \(Crossbar\.io: "disclose": \{"caller": true\}/m);
    expect(owner.stdout).toMatch(/^✓ router /m);
    expect(owner.code).toBe(1);
    writeFileSync(join(dir, 'open.yaml'), `${readFileSync(config, 'utf8')}callers: open\n`);
    const open = await doctor(['--router', crossbar.url, '--config', join(dir, 'open.yaml')]);
    expect(open.stdout).toMatch(/^✓ caller disclosure\s+the router does not disclose callers \(callers: open does not need it\)$/m);
    expect(open.code).toBe(0);
  });

  it('an engine that is not there and a router that is not there: ✗ with a fix for each, exit 1', async () => {
    const r = await doctor(['--docker-host', 'unix:///tmp/berth-fr-missing.sock', '--router', 'ws://127.0.0.1:1/ws']);
    expect(r.stdout).toMatch(/^✗ engine\s+cannot reach the Docker engine at unix:\/\/\/tmp\/berth-fr-missing\.sock \(connect ENOENT[^\n]*\n\s+fix: start dockerd/m);
    expect(r.stdout).toMatch(/^✗ router\s+cannot reach the router at ws:\/\/127\.0\.0\.1:1\/ws[^\n]*\n\s+fix: start the router/m);
    expect(r.stdout).toMatch(/^– bases\s+needs the engine$/m);
    expect(r.stdout).toMatch(/2 checks failed\.\n$/);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });
});
