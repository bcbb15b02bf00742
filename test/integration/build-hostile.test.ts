import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { buildDirs, danglingOf, removeTags, tagsOf, writeConfig } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, containersOf, docker, imagesOf, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { freePort } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
/** A: may clone from loopback (the test server), with small limits. B: the defaults (private hosts refused). */
const A = testDomain('hst');
const B = testDomain('hstpriv');
const dir = mkdtempSync(join(tmpdir(), 'berth-hst-'));
let git: GitServer;
let berthA: BerthProcess;
let berthB: BerthProcess;
let client: WampClient;

const CLONE_TIMEOUT = 3;
// Also the bound of "a good build still works afterwards" on the same berth: 12 s was too short for it at load 25.
const BUILD_TIMEOUT = 20;
const MAX_REPO_BYTES = 2_000_000;

/** build(name, url) must fail with `uri` within `withinMs` and leave nothing behind. */
async function expectRefused(domain: string, berth: BerthProcess, url: string, uri: string, withinMs: number, message?: RegExp) {
  const name = `h${Math.random().toString(36).slice(2, 8)}`;
  const t0 = Date.now();
  const err = await client.callError(`${domain}/build`, [name, url]);
  const ms = Date.now() - t0;
  expect({ url, error: err.error }).toEqual({ url, error: uri });
  expect(ms, `${url} answered in ${ms} ms`).toBeLessThan(withinMs);
  if (message) expect(String(err.args[0])).toMatch(message);
  await expectNothingLeft(domain, berth);
  return err;
}

async function expectNothingLeft(domain: string, berth: BerthProcess) {
  expect(buildDirs(berth.child.pid)).toEqual([]);
  expect(await tagsOf(domain)).toEqual([]);
  expect(await danglingOf(domain)).toEqual([]);
  expect(await imagesOf(domain)).toEqual([]);
  expect(await containersOf(domain)).toEqual([]);
}

const runfileRepos: Record<string, Record<string, string | Buffer | { symlink: string }>> = {
  missing: { 'README.md': 'no Run.yaml here\n' },
  symlink: { 'other.yaml': 'Base: busybox\nCommand: echo hi\n', 'Run.yaml': { symlink: 'other.yaml' } },
  abslink: { 'Run.yaml': { symlink: '/etc/passwd' } },
  huge: { 'Run.yaml': `Base: busybox\nCommand: echo hi\n# ${'x'.repeat(70 * 1024)}\n` },
  notyaml: { 'Run.yaml': 'Base: [unclosed\nCommand: {\n' },
  notmapping: { 'Run.yaml': '- Base\n- Command\n' },
  bomb: {
    'Run.yaml': [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'Base: busybox',
      'Command: [*e]',
      '',
    ].join('\n'),
  },
  wrongtype: { 'Run.yaml': 'Base: busybox\nCommand: 42\n' },
  setupstring: { 'Run.yaml': 'Base: busybox\nCommand: echo hi\nSetup: echo not a list\n' },
  unknownkey: { 'Run.yaml': 'Base: busybox\nCommand: echo hi\nPorts: [80]\n' },
  rootvolume: { 'Run.yaml': 'Base: busybox\nCommand: echo hi\nVolumes: [/]\n' },
  escapevolume: { 'Run.yaml': 'Base: busybox\nCommand: echo hi\nVolumes: [/data/../../var/run]\n' },
  lowercase: { 'Run.yaml': 'base: busybox\nCommand: echo hi\n' },
  basenewline: { 'Run.yaml': 'Base: "busybox\\nRUN touch /pwned"\nCommand: echo hi\n' },
  basespace: { 'Run.yaml': 'Base: "busybox AS x"\nCommand: echo hi\n' },
  cmdnewline: { 'Run.yaml': 'Base: busybox\nCommand: "echo hi\\nRUN touch /pwned"\n' },
  unknownbase: { 'Run.yaml': 'Base: nosuchbase\nCommand: echo hi\n' },
  imagebase: { 'Run.yaml': 'Base: berth-test/busybox:latest\nCommand: echo hi\n' },
  reserved: { 'Run.yaml': 'Base: busybox\nCommand: echo hi\nEnv:\n  DOMAIN: evil\n' },
  linkdir: { 'Run.yaml': 'Base: busybox\nCommand: echo hi\n', 'up': { symlink: '..' }, 'etc': { symlink: '/etc' } },
};

/** Env and Command values that would end a quoted LABEL value, add an instruction, expand a variable or continue the line. */
const LABEL_INJECT_ENV = { A: '\nRUN touch /pwned\n', B: '" "berth.release"="999', C: '${HOME}$PATH', D: 'x\\', E: '\\" LABEL x=y #' };
const LABEL_INJECT_COMMAND = ['/bin/sh', '-c', 'echo "$HOME" \\ done" LABEL berth.owner=evil'];
const LABEL_INJECT_RUNFILE = `Base: busybox\nCommand: ${JSON.stringify(LABEL_INJECT_COMMAND)}\nEnv: ${JSON.stringify(LABEL_INJECT_ENV)}\n`;

describe('hostile input: a clear error within its limit, nothing left behind', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    git = await GitServer.start();
    for (const [name, files] of Object.entries(runfileRepos)) git.addRepo(name, files);
    git.addRepo('ok', { 'Run.yaml': 'Base: busybox\nCommand: echo ok\n' });
    git.addRepo('big', { 'Run.yaml': 'Base: busybox\nCommand: echo hi\n', 'blob.bin': randomBytes(4 * MAX_REPO_BYTES) });
    git.addRepo('failing', { 'Run.yaml': 'Base: busybox\nSetup:\n  - echo before-the-failure\n  - echo hostile-fail-marker; exit 3\nCommand: echo never\n' });
    git.addRepo('labelinject', { 'Run.yaml': LABEL_INJECT_RUNFILE });
    git.addRepo('sleepy', { 'Run.yaml': 'Base: busybox\nSetup:\n  - echo hostile-sleep-marker; sleep 120\nCommand: echo never\n' });
    const bases = { busybox: BUSYBOX_IMAGE };
    const configA = writeConfig(mkdtempSync(join(dir, 'a-')), {
      bases,
      build: { allowPrivateHosts: true, cloneTimeout: CLONE_TIMEOUT, timeout: BUILD_TIMEOUT, maxRepoBytes: MAX_REPO_BYTES },
    });
    const configB = writeConfig(mkdtempSync(join(dir, 'b-')), { bases });
    [berthA, berthB] = await Promise.all([
      BerthProcess.start(['--router', routerUrl, '--domain', A, '--config', configA], { procedures: 8 }),
      BerthProcess.start(['--router', routerUrl, '--domain', B, '--config', configB], { procedures: 8 }),
    ]);
    client = await WampClient.connect(routerUrl);
  });

  afterAll(async () => {
    await client?.close();
    await Promise.all([berthA?.stop(), berthB?.stop()]);
    for (const d of [A, B]) {
      await cleanDomain(d);
      await removeTags(d);
    }
    await git?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('berth.error.invalid_url: other transports, local paths, options, credentials, non-URLs', async () => {
    const port = git.port;
    const before = git.requests;
    const urls = [
      'ext::sh -c touch% /tmp/berth-pwned',
      `ext::sh -c touch /tmp/berth-pwned`,
      'file:///etc',
      `file://${dir}`,
      `ssh://git@127.0.0.1:${port}/ok.git`,
      `git://127.0.0.1:${port}/ok.git`,
      `git@127.0.0.1:ok.git`,
      '/tmp',
      './ok.git',
      '--upload-pack=touch /tmp/berth-pwned',
      '-c',
      `http://user:secret@127.0.0.1:${port}/ok.git`,
      `http://token@127.0.0.1:${port}/ok.git`,
      'not a url',
      'http://',
      'http:// 127.0.0.1/ok.git',
      `http://127.0.0.1:${port}/ok.git?upload-pack=x`,
      `http://127.0.0.1:${port}/ok.git#--upload-pack=x`,
      `http://127.0.0.1:${port}/ok.git#main:../..`,
      `http://127.0.0.1:${port}/ok.git#main:/etc`,
      `http://127.0.0.1:${port}/ok.git\nhttp://evil`,
      '',
    ];
    for (const url of urls) await expectRefused(A, berthA, url, 'berth.error.invalid_url', 2_000);
    expect(git.requests).toBe(before);
    expect(existsSync('/tmp/berth-pwned')).toBe(false);
  });

  it('berth.error.invalid_url: loopback, private and link-local hosts by default, before any packet', async () => {
    const port = git.port;
    const before = git.requests;
    for (const host of ['localhost', '127.0.0.1', '[::1]', '0.0.0.0', '[::]', '[::ffff:127.0.0.1]', '2130706433', '0x7f.1', '127.1.2.3', '10.0.0.1', '172.16.0.1', '192.168.1.1', '100.64.0.1', '169.254.169.254', '[fe80::1]', '[fd00::1]']) {
      const err = await expectRefused(B, berthB, `http://${host}:${port}/ok.git`, 'berth.error.invalid_url', 2_000, /allowPrivateHosts/);
      expect(err.kwargs).toHaveProperty('host');
    }
    await expectRefused(B, berthB, 'http://169.254.169.254/latest/meta-data/', 'berth.error.invalid_url', 2_000);
    expect(git.requests).toBe(before);
  });

  it('berth.error.clone_failed: unreachable host, no such repository or ref, over the size limit, over the clone time limit', async () => {
    const closed = await freePort();
    await expectRefused(A, berthA, `http://127.0.0.1:${closed}/ok.git`, 'berth.error.clone_failed', 10_000);
    await expectRefused(A, berthA, git.url('nosuchrepo'), 'berth.error.clone_failed', 10_000);
    await expectRefused(A, berthA, `${git.url('ok')}#nosuchbranch`, 'berth.error.clone_failed', 10_000, /nosuchbranch/);
    await expectRefused(A, berthA, `${git.url('ok')}#${'0'.repeat(40)}`, 'berth.error.clone_failed', 10_000);
    await expectRefused(A, berthA, git.url('big'), 'berth.error.clone_failed', 30_000, /maxRepoBytes/);
    await expectRefused(A, berthA, `http://127.0.0.1:${git.port}/slow/ok.git`, 'berth.error.clone_failed', (CLONE_TIMEOUT + 5) * 1000, /cloneTimeout/);
  });

  it('berth.error.invalid_runfile: missing, symlink, too big, not YAML, alias bomb, wrong types, unknown keys, injection, unknown base', async () => {
    const cases: [string, RegExp][] = [
      ['missing', /no Run.yaml/],
      ['symlink', /symbolic link/],
      ['abslink', /symbolic link/],
      ['huge', /larger than 65536/],
      ['notyaml', /not valid YAML/],
      ['notmapping', /must be a mapping/],
      ['bomb', /alias/i],
      ['wrongtype', /Command/],
      ['setupstring', /Setup/],
      ['unknownkey', /unknown key "Ports"/],
      ['rootvolume', /Volumes entry "\/" cannot be a volume/],
      ['escapevolume', /Volumes entry .* has a "\." or "\.\." component/],
      ['lowercase', /unknown key "base"/],
      ['basenewline', /Base/],
      ['basespace', /Base/],
      ['cmdnewline', /Command/],
      ['unknownbase', /unknown Base "nosuchbase"/],
      ['imagebase', /allowAnyBase/],
      ['reserved', /DOMAIN/],
    ];
    for (const [repo, message] of cases) await expectRefused(A, berthA, git.url(repo), 'berth.error.invalid_runfile', 10_000, message);
    await expectRefused(A, berthA, `${git.url('linkdir')}#:up`, 'berth.error.invalid_runfile', 10_000, /symbolic link/);
    await expectRefused(A, berthA, `${git.url('linkdir')}#:etc`, 'berth.error.invalid_runfile', 10_000, /symbolic link/);
    await expectRefused(A, berthA, `${git.url('ok')}#:nosuchdir`, 'berth.error.invalid_runfile', 10_000, /does not exist/);
  });

  it('berth.error.build_failed: a failing Setup step carries the engine error and the last lines', async () => {
    const err = await expectRefused(A, berthA, git.url('failing'), 'berth.error.build_failed', 30_000);
    expect(err.args[0]).toMatch(/returned a non-zero code: 3/);
    expect(err.args[0]).toMatch(/before-the-failure|hostile-fail-marker/);
    expect(await docker('ps', '-a', '--format', '{{.Command}}')).not.toContain('hostile-fail-marker');
  });

  it('berth.error.build_failed: a build over build.timeout is stopped', async () => {
    await expectRefused(A, berthA, git.url('sleepy'), 'berth.error.build_failed', (BUILD_TIMEOUT + 10) * 1000, /build\.timeout/);
    const left = async () => (await docker('ps', '-a', '--format', '{{.Command}}')).includes('hostile-sleep-marker');
    for (let i = 0; i < 30 && (await left()); i++) await new Promise((r) => setTimeout(r, 500));
    expect(await left()).toBe(false);
  });

  it('labels: Run.yaml values that play Dockerfile syntax reach the image exactly, in its one LABEL step, and add nothing', async () => {
    await client.call(`${A}/build`, ['inject', git.url('labelinject')]);
    const image = `berth/${A}:inject`;
    const labels = JSON.parse(await docker('image', 'inspect', '-f', '{{json .Config.Labels}}', image)) as Record<string, string>;
    expect(JSON.parse(labels['berth.env']!)).toEqual(LABEL_INJECT_ENV);
    expect(labels['berth.env']).toBe(JSON.stringify(LABEL_INJECT_ENV));
    expect(labels['berth.command']).toBe(JSON.stringify(LABEL_INJECT_COMMAND));
    expect(labels['berth.release']).toBe('1');
    expect(labels['berth.owner']).toBe('anonymous');
    expect(labels['berth.build']).toBe('');
    expect(Object.keys(labels).sort()).toEqual(['berth.base', 'berth.build', 'berth.built', 'berth.command', 'berth.commit', 'berth.domain', 'berth.env', 'berth.name', 'berth.owner', 'berth.owner-role', 'berth.ref', 'berth.release', 'berth.source', 'berth.url', 'berth.volumes']);
    // Two LABEL steps (berth.build after FROM, then all labels at once), no RUN step at all (the Run.yaml has no Setup).
    const history = (await docker('history', '--no-trunc', '--format', '{{.CreatedBy}}', image)).split('\n').filter((l) => !/^\/bin\/sh -c #\(nop\)\s+(CMD|WORKDIR|COPY) /.test(l));
    expect(history.filter((l) => /#\(nop\)\s+LABEL /.test(l))).toHaveLength(2);
    expect(history.filter((l) => !l.includes('#(nop)') && l.includes('pwned'))).toEqual([]);
    await client.call(`${A}/removeImage`, ['inject']);
    await expectNothingLeft(A, berthA);
  });

  it('a good build still works on the same berth afterwards', async () => {
    await client.call(`${A}/build`, ['ok', git.url('ok')]);
    expect(await tagsOf(A)).toEqual([`berth/${A}:ok`]);
    await client.call(`${A}/removeImage`, ['ok']);
    await expectNothingLeft(A, berthA);
  });
});
