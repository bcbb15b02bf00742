import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autobahn from 'autobahn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeTags, rssOf, watchRss } from '../helpers/build-helpers.js';
import { RawClient } from '../conformance/helpers/raw-client.js';
import { DOCS_USERS } from '../helpers/crossbar-docs.js';
import { BUSYBOX_IMAGE, cleanDomain, docker, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { nexusSkip, ON_NEXUS, ROUTER_KIND } from '../helpers/test-router.js';
import { startTenantBerth, USERS, type TenantBerth, type User } from '../helpers/tenant-berth.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WampClient } from '../helpers/wamp-client.js';

/**
 * exec: `D/<name>/exec(command, timeout)` runs a command in a running container as its user, in its sandbox,
 * streams its lines as progressive results and answers `{exitCode, output, truncated, timedOut}`. Real engine, and the
 * router of the run (Crossbar.io as docs/crossbar.md configures it, or berth's embedded router).
 */
const D = testDomain('exec');
const dir = mkdtempSync(join(tmpdir(), 'berth-exec-'));
const RUNS = 'Base: busybox\nCommand: trap "exit 0" TERM; while true; do sleep 1; done\n';
const MAX_OUTPUT = 65_536;
const PER_CONTAINER = 2;

type Line = { stream: 'stdout' | 'stderr'; line: string };
type Result = { exitCode: number | null; output: string; truncated: boolean; timedOut: boolean };

let git: GitServer;
let tenant: TenantBerth;
const clients = {} as Record<User, WampClient>;

/** An exec with progressive results, as an autobahn-js caller receives them. */
function execWithProgress(client: WampClient, name: string, command: unknown, timeout?: number): Promise<{ result: Result; lines: Line[] }> {
  const lines: Line[] = [];
  return new Promise((resolve, reject) => {
    (client.session.call(`${D}/${name}/exec`, [command], timeout === undefined ? {} : { timeout }, { receive_progress: true, timeout: 120_000 } as autobahn.ICallOptions) as unknown as {
      then(ok: (r: unknown) => void, err: (e: unknown) => void, progress: (p: unknown) => void): void;
    }).then(
      (r) => resolve({ result: r as Result, lines }),
      reject,
      // autobahn-js 22.11 notifies a single positional progress result as the value itself (args[0]).
      (p) => lines.push(p as Line),
    );
  });
}

/** The command lines of the processes in a container, as the engine's `docker top` sees them. */
async function processes(name: string): Promise<string[]> {
  return (await docker('top', `${D}.${name}`, '-o', 'pid,args'))
    .split('\n')
    .slice(1)
    .map((l) => l.trim().replace(/^\d+\s+/, ''));
}

describe(`D/<name>/exec (${ROUTER_KIND})`, { timeout: 300_000 }, () => {
  // Once (of five full runs on Crossbar.io) every call to D/w1/… after the flood answered no_such_procedure: a failure
  // prints berth's warnings and its router lines, to tell whether berth left the router and what it registered again.
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      const lines = tenant?.berth.lines.filter((l) => (l.level as number) >= 40 || /router|join|left|regist/.test(String(l.msg))) ?? [];
      console.error(`berth's warnings and router lines, last 30:\n${lines.slice(-30).map((l) => JSON.stringify(l)).join('\n')}`);
    });
  });
  beforeAll(async () => {
    git = await GitServer.start();
    git.addRepo('app', { 'Run.yaml': RUNS });
    const common = { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true }, exec: { maxOutputBytes: MAX_OUTPUT, maxTimeout: 60, perContainer: PER_CONTAINER } };
    tenant = await startTenantBerth(ROUTER_KIND, D, dir, common);
    for (const who of USERS) clients[who] = await tenant.connect(who);
    await clients.alice.call(`${D}/build`, ['app', git.url('app')]);
    await clients.alice.call(`${D}/create`, ['app', 'w1']);
  });

  afterAll(async () => {
    for (const c of Object.values(clients)) await c?.close();
    await tenant?.[Symbol.asyncDispose]();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(ON_NEXUS)(nexusSkip('streams the lines as progressive results in order, stderr apart from stdout, and answers the exit code', 'progress'), async () => {
    const script = 'for i in 1 2 3 4 5; do echo "out $i"; echo "err $i" >&2; done; exit 3';
    const { result, lines } = await execWithProgress(clients.alice, 'w1', ['sh', '-c', script]);
    expect(result).toMatchObject({ exitCode: 3, truncated: false, timedOut: false });
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['out 1', 'out 2', 'out 3', 'out 4', 'out 5']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['err 1', 'err 2', 'err 3', 'err 4', 'err 5']);
    expect(Object.keys(lines[0]!).sort()).toEqual(['line', 'stream']);
    expect(result.output.split('\n').filter(Boolean).sort()).toEqual([...lines.map((l) => l.line)].sort());
    expect(await clients.alice.call<Result>(`${D}/w1/exec`, [['true']])).toEqual({ exitCode: 0, output: '', truncated: false, timedOut: false });
    expect(await clients.alice.call<Result>(`${D}/w1/exec`, [], { command: ['echo', 'a b', '$HOME', '*'] })).toMatchObject({ exitCode: 0, output: 'a b $HOME *\n' });
  });

  it('runs as the container\'s user, in its sandbox: read-only root, no capabilities, no new privileges', async () => {
    expect((await clients.alice.call<Result>(`${D}/w1/exec`, [['id', '-u']])).output).toBe('65534\n');
    const write = await clients.alice.call<Result>(`${D}/w1/exec`, [['sh', '-c', 'echo x > /pwned']]);
    expect(write.exitCode).not.toBe(0);
    expect(write.output).toMatch(/Read-only file system|Permission denied/);
    const status = (await clients.alice.call<Result>(`${D}/w1/exec`, [['cat', '/proc/self/status']])).output;
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
  });

  it('a command that does not exist answers the engine\'s exit code (126/127, as docker exec), not an error', async () => {
    const r = await clients.alice.call<Result>(`${D}/w1/exec`, [['/no/such/binary']]);
    expect([126, 127]).toContain(r.exitCode);
    expect(r.output).toMatch(/no such file|not found/i);
  });

  it.skipIf(ON_NEXUS)(nexusSkip('the time limit kills the command and everything it started, even a child in its own session; the container keeps running', 'progress'), async () => {
    const started = Date.now();
    const script = 'echo started; setsid sleep 301 & sleep 302 & sleep 303';
    const { result, lines } = await execWithProgress(clients.alice, 'w1', ['sh', '-c', script], 2);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result).toMatchObject({ exitCode: null, timedOut: true, output: 'started\n', truncated: false });
    expect(lines).toEqual([{ stream: 'stdout', line: 'started' }]);
    await waitFor('no sleep left', async () => !(await processes('w1')).some((p) => /sleep 30[123]/.test(p)), 10_000);
    expect((await clients.alice.call<{ state: string }[]>(`${D}/list`)).find((c) => c.name === 'w1')?.state).toBe('running');
    expect(tenant.berth.lines.some((l) => l.msg === 'exec killed' && l.reason === 'timeout')).toBe(true);
  });

  it.skipIf(ON_NEXUS)(nexusSkip('output over exec.maxOutputBytes is capped and says so; progressive results stop at the cap too', 'progress'), async () => {
    const script = 'i=0; while [ $i -lt 4000 ]; do echo "line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); done';
    const { result, lines } = await execWithProgress(clients.alice, 'w1', ['sh', '-c', script]);
    expect(result).toMatchObject({ exitCode: 0, truncated: true, timedOut: false });
    expect(Buffer.byteLength(result.output)).toBe(MAX_OUTPUT);
    expect(result.output.startsWith('line 0 x')).toBe(true);
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.reduce((n, l) => n + Buffer.byteLength(l.line) + 1, 0)).toBeLessThanOrEqual(MAX_OUTPUT);
    expect(lines.at(-1)!.line).toMatch(/^line \d+ x{40}$/);
  });

  it('a flood (short lines as fast as the container writes, and one endless line) does not grow berth: it drains and drops past the cap', async () => {
    const pid = tenant.berth.child.pid!;
    const before = rssOf(pid);
    const rss = watchRss(pid, 50);
    const { result, lines } = await execWithProgress(clients.alice, 'w1', ['sh', '-c', 'yes & tr "\\0" x < /dev/zero >&2'], 3);
    const peak = rss.stop();
    expect(result).toMatchObject({ timedOut: true, truncated: true, exitCode: null });
    expect(Buffer.byteLength(result.output)).toBe(MAX_OUTPUT);
    expect(lines.reduce((n, l) => n + Buffer.byteLength(l.line) + 1, 0)).toBeLessThanOrEqual(MAX_OUTPUT);
    expect(peak - before, `berth grew from ${before} to ${peak} bytes`).toBeLessThan(100 * 1024 * 1024);
    await waitFor('no yes left', async () => !(await processes('w1')).some((p) => p === 'yes' || p.startsWith('tr ')), 10_000);
  });

  it('bad arguments answer invalid_argument naming the argument, and run nothing', async () => {
    const cases: [unknown[], Record<string, unknown>, string][] = [
      [[[]], {}, 'command'],
      [['ls -l'], {}, 'command'],
      [[['ls', 3]], {}, 'command'],
      [[{ cmd: 'ls' }], {}, 'command'],
      [[['echo', 'a\0b']], {}, 'command'],
      [[], {}, 'command'],
      [[['true']], { timeout: 0 }, 'timeout'],
      [[['true']], { timeout: 1.5 }, 'timeout'],
      [[['true']], { timeout: '5' }, 'timeout'],
      [[['true']], { timeout: 61 }, 'timeout'],
    ];
    for (const [args, kwargs, argument] of cases) {
      const err = await clients.alice.callError(`${D}/w1/exec`, args, kwargs);
      expect({ args, error: err.error, argument: err.kwargs.argument }).toEqual({ args, error: 'wamp.error.invalid_argument', argument });
      expect(String(err.args[0])).toContain(argument);
    }
  });

  it.skipIf(ON_NEXUS)(nexusSkip('another owner is not_authorized; an admin may exec', 'tickets'), async () => {
    const err = await clients.bob.callError(`${D}/w1/exec`, [['id']]);
    expect(err.error).toBe('wamp.error.not_authorized');
    expect((await clients.root.call<Result>(`${D}/w1/exec`, [['echo', 'admin']])).output).toBe('admin\n');
    const audit = tenant.berth.lines.filter((l) => l.msg === 'audit' && l.procedure === `${D}/w1/exec`);
    expect(audit.map((l) => [l.authid, l.outcome])).toEqual(expect.arrayContaining([['alice', 'ok'], ['bob', 'wamp.error.not_authorized'], ['root', 'ok']]));
    expect(JSON.stringify(audit)).not.toContain('echo'); // never the command
  });

  it(`more than exec.perContainer (${PER_CONTAINER}) at once: busy; a slot is free again once one ends`, async () => {
    const running = Array.from({ length: PER_CONTAINER }, () => clients.alice.call<Result>(`${D}/w1/exec`, [['sleep', '3']]));
    await waitFor('both running', async () => (await processes('w1')).filter((p) => p === 'sleep 3').length === PER_CONTAINER, 10_000);
    const err = await clients.alice.callError(`${D}/w1/exec`, [['true']]);
    expect(err.error).toBe('berth.error.busy');
    expect(err.kwargs).toMatchObject({ name: 'w1', limit: PER_CONTAINER });
    for (const r of await Promise.all(running)) expect(r.exitCode).toBe(0);
    expect((await clients.alice.call<Result>(`${D}/w1/exec`, [['true']])).exitCode).toBe(0);
  });

  it('a caller that leaves: its command is killed (not left to its timeout)', async () => {
    const leaver = await tenant.connect('alice');
    leaver.session.call(`${D}/w1/exec`, [['sleep', '304']], { timeout: 60 }).then(() => undefined, () => undefined);
    await waitFor('sleep 304 running', async () => (await processes('w1')).includes('sleep 304'), 10_000);
    await leaver.close();
    await waitFor('sleep 304 killed', async () => !(await processes('w1')).includes('sleep 304'), 15_000);
    // berth says why once the kill is done (the exec's stream has ended), which may be a moment after the process went.
    await waitFor('berth to say the caller left', () => tenant.berth.lines.some((l) => l.msg === 'exec killed' && l.reason === 'gone'), 5_000);
  });

  // Crossbar.io cannot interrupt berth's autobahn session, so a canceled call runs to its timeout there (README).
  it.runIf(ROUTER_KIND === 'embedded')('a caller that cancels (and stays joined): its command is killed', async () => {
    await using c = await RawClient.open({ name: 'embedded', url: tenant.url, realm: 'realm1' }, { join: false });
    c.send([1, 'realm1', { roles: { caller: { features: { call_canceling: true, progressive_call_results: true } } }, authid: 'alice', authmethods: ['ticket'] }]);
    await c.next((m) => m[0] === 4, 10_000);
    c.send([5, DOCS_USERS.alice, {}]);
    expect((await c.next((m) => m[0] === 2 || m[0] === 3, 10_000))[0]).toBe(2);
    c.send([48, 1, {}, `${D}/w1/exec`, [['sleep', '314']], { timeout: 60 }]);
    await waitFor('sleep 314 running', async () => (await processes('w1')).includes('sleep 314'), 10_000);
    c.send([49, 1, { mode: 'kill' }]);
    expect(await c.next((m) => m[0] === 8 && m[2] === 1, 10_000)).toEqual(expect.arrayContaining(['wamp.error.canceled']));
    await waitFor('sleep 314 killed', async () => !(await processes('w1')).includes('sleep 314'), 10_000);
  });

  it('a stopped container answers not_running', async () => {
    await clients.alice.call(`${D}/create`, ['app', 'w2']);
    await clients.alice.call(`${D}/w2/stop`);
    const err = await clients.alice.callError(`${D}/w2/exec`, [['true']]);
    expect(err.error).toBe('berth.error.not_running');
    expect(err.kwargs).toMatchObject({ name: 'w2', state: 'exited' });
  });

  it('berth stopping kills the running execs: a command never outlives berth', async () => {
    const c = await tenant.connect('alice');
    c.session.call(`${D}/w1/exec`, [['sleep', '315']], { timeout: 60 }).then(() => undefined, () => undefined);
    await waitFor('sleep 315 running', async () => (await processes('w1')).includes('sleep 315'), 10_000);
    await tenant.berth.stop();
    expect(await processes('w1')).not.toContain('sleep 315');
    expect(tenant.berth.lines.some((l) => l.msg === 'exec killed' && l.reason === 'stopping')).toBe(true);
    await c.close().catch(() => undefined);
  });
});
