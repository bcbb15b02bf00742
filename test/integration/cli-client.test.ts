import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH_MAIN, BerthCli, type CliResult } from '../helpers/berth-cli.js';
import { BerthProcess } from '../helpers/berth-process.js';
import { buildContainersOf, buildDirs, danglingOf, removeTags, tagsOf, writeConfig } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, containersOf, makeImage, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { freePort, waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

/**
 * The berth client commands, run as a script runs them (stdout a pipe) against `berth serve` with its embedded router
 * and the real engine: each command's --json output is the procedure's result, its plain output is for people, and
 * every failure is one line with its exit status.
 */
const run = promisify(execFile);
const D = testDomain('cli');
/** Made in beforeAll, so that a run that filters out every test here leaves no directory behind. */
let dir: string;
let berth: BerthProcess;
let client: WampClient;
let git: GitServer;
let url: string;

const berthCli = (args: string[], env: Record<string, string | undefined> = {}, timeoutMs?: number): Promise<CliResult> =>
  BerthCli.run(args, { BERTH_ROUTER: url, BERTH_DOMAIN: D, NO_COLOR: undefined, ...env }, timeoutMs);
const spawnCli = (args: string[]) => BerthCli.spawn(args, { BERTH_ROUTER: url, BERTH_DOMAIN: D });
/** A container dict without `status`, the engine's text ("Up 3 seconds") that moves on between two calls. */
/** A dict without what changes by the second: `status` ("Up 3 seconds"), also each replica's in inspect's list. */
const settled = (c: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(c)
      .filter(([k]) => k !== 'status')
      .map(([k, v]) => {
        const replicas = v as { list?: Record<string, unknown>[] } | null;
        return k === 'replicas' && Array.isArray(replicas?.list) ? [k, { ...replicas, list: replicas.list.map(settled) }] : [k, v];
      }),
  );
const ok = (r: CliResult) => {
  expect(r.stderr, r.stdout).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
};
const slowRepo = (seconds: number, marker: string) => ({ 'Run.yaml': `Base: busybox\nSetup:\n  - echo ${marker}; sleep ${seconds}\nCommand: [/bin/true]\n` });

/**
 * Nothing of a canceled build remains: no tag, no untagged image (beyond those there were before), no step container, no
 * clone directory.
 */
async function expectNoTrace(name: string | undefined, danglingBefore: string[]): Promise<void> {
  if (name) expect(await tagsOf(D)).not.toContain(`berth/${D}:${name}`);
  expect(buildDirs(berth.child.pid)).toEqual([]);
  await waitFor('the build containers to go', async () => (await buildContainersOf(D)).length === 0, 30_000);
  await waitFor('untagged build images to be swept', async () => (await danglingOf(D)).every((id) => danglingBefore.includes(id)), 30_000);
  if (name) expect((await client.call<{ name: string }[]>(`${D}/images`)).map((i) => i.name)).not.toContain(name);
}

describe('berth client commands against a real berth', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-cli-client-'));
    git = await GitServer.start();
    git.addFixture('busybox-app');
    git.addRepo('slowstream', slowRepo(8, 'first-line-marker'));
    git.addRepo('slowcancel', slowRepo(90, 'cancel-marker'));
    git.addRepo('slowupdate', slowRepo(6, 'update-marker'));
    const port = await freePort();
    url = `ws://127.0.0.1:${port}/ws`;
    const config = writeConfig(dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } });
    berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D, '--config', config]);
    client = await WampClient.connect(url);
    await makeImage(D, 'bb');
  });

  afterAll(async () => {
    try {
      await client?.close();
      await berth?.stop();
    } finally {
      await cleanDomain(D);
      await removeTags(D);
      await git?.[Symbol.asyncDispose]();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('events: prints created → started → died → stopped → removed live for a container driven by another client; Ctrl-C exits 0', async () => {
    await using events = spawnCli(['events', '--json']);
    await waitFor('berth events to subscribe', async () => (await client.call(`wamp.subscription.lookup`, [`${D}/events`])) != null, 15_000);
    await client.call(`${D}/create`, ['bb', 'evc']);
    await client.call(`${D}/evc/stop`);
    await client.call(`${D}/remove`, ['evc']);
    const seen = () => events.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; name: string });
    await waitFor('removed in the output', () => seen().some((e) => e.event === 'removed' && e.name === 'evc'), 15_000);
    const order = seen().filter((e) => e.name === 'evc').map((e) => e.event);
    const at = ['created', 'started', 'died', 'stopped', 'removed'].map((w) => order.indexOf(w));
    expect(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1]!)), order.join(',')).toBe(true);
    events.child.kill('SIGINT');
    expect(await events.exited).toBe(0);
    expect(events.stderr).toBe('');
  });

  it('logs -f: the tail, then new lines as the container writes them, across a restart; Ctrl-C exits 0 and berth stops following', async () => {
    await makeImage(D, 'ticker', { cmd: ['/bin/sh', '-c', 'trap "exit 0" TERM; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'] });
    await client.call(`${D}/create`, ['ticker', 'tick1']);
    await using follow = spawnCli(['logs', 'tick1', '-f', '--tail', '1']);
    await waitFor('live lines', () => follow.stdout.split('\n').filter((l) => l.startsWith('tick ')).length >= 5, 15_000);
    await client.call(`${D}/tick1/restart`);
    const before = follow.stdout.length;
    // After the restart the counter starts again at 1: those lines come through the topic too.
    await waitFor('lines after the restart', () => /tick 3\n/.test(follow.stdout.slice(before)), 20_000);
    const mark = berth.lines.length;
    follow.child.kill('SIGINT');
    expect(await follow.exited).toBe(0);
    await waitFor('berth to stop following', () => berth.lines.slice(mark).some((l) => l.msg === 'stopped following logs'), 10_000);
    await client.call(`${D}/remove`, ['tick1']);
    await client.call(`${D}/removeImage`, ['ticker']); // the tests below count the images
  });

  describe('help and usage', () => {
    it('berth alone and berth --help list the commands; berth <command> --help explains one; --version', async () => {
      for (const args of [[], ['--help']]) {
        const out = ok(await berthCli(args));
        for (const c of ['serve', 'ps|ls', 'images', 'build', 'cancel', 'update', 'create', 'rm', 'rmi', 'start', 'stop', 'restart', 'logs', 'inspect', 'top', 'call', 'volumes', 'rmv']) {
          expect(out).toMatch(new RegExp(`^  ${c.replace('|', '\\|')} `, 'm'));
        }
      }
      const create = ok(await berthCli(['create', '--help']));
      expect(create).toMatch(/Usage: berth create \[options\] <image> <name>/);
      for (const flag of ['--env <K=V>', '--env-file', '--memory', '--cpus', '--pids', '--json', '--router', 'BERTH_ROUTER', '--realm', '--domain', '--authid', '--ticket']) expect(create).toContain(flag);
      expect(ok(await berthCli(['--version']))).toMatch(/^berth \d+\.\d+\.\d+\n$/);
      expect(ok(await berthCli(['serve', '--help']))).toMatch(/^usage: berth serve/);
      expect(ok(await berthCli(['help', 'serve']))).toMatch(/^usage: berth serve/);
    });

    it.each([
      [['ps', '--bogus'], /^berth: unknown option '--bogus' \(see berth ps --help\)$/],
      [['frobnicate'], /^berth: unknown command 'frobnicate' \(see berth --help\)$/],
      [['create', 'bb'], /^berth: missing required argument 'name' \(see berth create --help\)$/],
      [['logs', 'x', '--tail', 'many'], /^berth: option '--tail <n>' argument 'many' is invalid\. must be a whole number ≥ 0\. \(see berth logs --help\)$/],
      [['create', 'bb', 'x', '--cpus', 'half'], /--cpus <n>.*must be a number/],
      [['create', 'bb', 'x', '-e', '=1'], /^berth: -e "=1": the name is missing \(K=V\)$/],
      [['create', 'bb', 'x', '-e', 'BERTH_CLI_SURELY_UNSET'], /BERTH_CLI_SURELY_UNSET is not set in this environment/],
      [['create', 'bb', 'x', '--env-file', '/nonexistent.env'], /^berth: --env-file: cannot read \/nonexistent.env: ENOENT$/],
      [['ps', '--domain', 'Bad Domain'], /^berth: invalid option --domain \(BERTH_DOMAIN\): must be lowercase/],
      [['ps', '--router', 'http://127.0.0.1:1/'], /^berth: invalid option --router \(BERTH_ROUTER\): must be a ws:\/\/ or wss:\/\/ URL/],
      [['ps', '--ticket', 'sekrit'], /^berth: invalid option --authid \(BERTH_AUTHID\): is required with a ticket$/],
      [['--router', 'ws://127.0.0.1:1/ws', '--ticket', 'sekrit'], /^berth: the connection options need a command after them, as in "berth --router URL ps"/],
      [['--listen', '127.0.0.1:1', '--ticket', 'sekrit'], /^berth: the daemon is now "berth serve \[options\]"/],
    ])('%j is a usage error: exit 2, one line', async (args, message) => {
      const r = await berthCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stderr).not.toContain('sekrit');
    });
  });

  describe('connection', () => {
    it('an unreachable router exits 3 naming the URL it tried; the default is ws://127.0.0.1:8080/ws', async () => {
      const down = `ws://127.0.0.1:${await freePort()}/ws`;
      for (const r of [await berthCli(['ps', '--router', down]), await berthCli(['ps'], { BERTH_ROUTER: down })]) {
        expect(r.code).toBe(3);
        expect(r.stderr).toBe(`berth: cannot reach the router at ${down}: connection refused or no WebSocket there\n`);
      }
      const r = await BerthCli.run(['images'], { BERTH_ROUTER: undefined, HOME: dir });
      // Nothing of this test listens on 8080; whatever does (another berth) answers differently, so only check the URL on failure.
      if (r.code === 3) expect(r.stderr).toContain('ws://127.0.0.1:8080/ws');
    });

    it('a router that dies during a command: exit 3, naming the URL, not a hang', async () => {
      const port = await freePort();
      const D2 = testDomain('clilost');
      const other = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D2, '--config', join(dir, 'berth.yaml')]);
      try {
        await using p = BerthCli.spawn(['build', 'lost', git.url('slowcancel')], { BERTH_ROUTER: `ws://127.0.0.1:${port}/ws`, BERTH_DOMAIN: D2 });
        await waitFor(() => `the marker (stdout: ${p.stdout})`, () => /^cancel-marker$/m.test(p.stdout), 60_000);
        // Killed, so that it answers nothing more (a berth that stops cleanly first fails its builds with an error).
        other.child.kill('SIGKILL');
        const t0 = Date.now();
        expect(await p.exited).toBe(3);
        expect(Date.now() - t0).toBeLessThan(20_000);
        expect(p.stderr).toMatch(new RegExp(`^berth: lost the connection to the router at ws://127\\.0\\.0\\.1:${port}/ws`));
        expect(p.stderr.trim().split('\n')).toHaveLength(1);
      } finally {
        await other.stop();
        // The engine removes the killed build's step container itself meanwhile ("removal already in progress").
        await waitFor('the killed berth\'s leftovers to be removed', async () => (await cleanDomain(D2), true), 30_000, 1_000);
        await removeTags(D2);
        for (const d of buildDirs(other.child.pid)) rmSync(join(tmpdir(), d), { recursive: true, force: true });
      }
    });

    it('flags override BERTH_* variables; a domain nobody serves is named', async () => {
      ok(await berthCli(['ps', '--domain', D], { BERTH_DOMAIN: 'nobody-here' }));
      const r = await berthCli(['ps'], { BERTH_DOMAIN: 'nobody-here' });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`berth: no berth serves domain nobody-here on ${url} (is "berth serve --domain nobody-here" running?) (wamp.error.no_such_procedure)\n`);
      const realm = await berthCli(['ps', '--realm', 'no.such.realm']);
      expect(realm.code).toBe(1);
      expect(realm.stderr).toMatch(/^berth: .*\(wamp\.error\.no_such_realm\)\n$/);
    });
  });

  describe('containers', () => {
    it('create with -e, --env-file and limits; both output modes agree with D/create and D/N/inspect', async () => {
      const envFile = join(dir, 'web.env');
      writeFileSync(envFile, '# comment\n\nFROM_FILE=file value with spaces\nOVERRIDDEN=file\nQUOTED="kept as typed"\n');
      const r = await berthCli(['create', 'bb', 'web1', '--env-file', envFile, '-e', 'OVERRIDDEN=flag', '--env', 'EMPTY=', '-e', 'HOME_FROM_SHELL', '--memory', '64m', '--cpus', '0.5', '--pids', '64', '--json'], {
        HOME_FROM_SHELL: 'from the shell',
      });
      const made = JSON.parse(ok(r)) as Record<string, unknown>;
      const inspect = await client.call<Record<string, unknown> & { config: { environment: Record<string, string>; resources: Record<string, number> } }>(`${D}/web1/inspect`);
      // inspect's `replicas` also lists each replica; the dict's says how many are wanted and run.
      const { list: _each, ...counts } = inspect.replicas as Record<string, unknown>;
      expect(settled(made)).toEqual(settled({ ...Object.fromEntries(Object.keys(made).map((k) => [k, inspect[k]])), replicas: counts }));
      expect(inspect.config.environment).toMatchObject({ FROM_FILE: 'file value with spaces', OVERRIDDEN: 'flag', QUOTED: '"kept as typed"', EMPTY: '', HOME_FROM_SHELL: 'from the shell' });
      expect(inspect.config.resources).toMatchObject({ memory: 64 * 1024 * 1024, cpus: 0.5, pids: 64 });
      expect(ok(await berthCli(['create', 'bb', 'web2']))).toBe(`created web2 (running, on the fabric as ${D}.web2)\n`);
    });

    it('ps and ls: aligned columns for people, D/list exactly with --json', async () => {
      const json = JSON.parse(ok(await berthCli(['ps', '--json']))) as Record<string, unknown>[];
      const list = await client.call<Record<string, unknown>[]>(`${D}/list`);
      expect(json.map(settled)).toEqual(list.map(settled));
      for (const cmd of ['ps', 'ls']) {
        const out = ok(await berthCli([cmd]));
        expect(out).not.toMatch(/[{}"]|\x1b\[/);
        const [header, ...rows] = out.trimEnd().split('\n');
        expect(header).toMatch(/^NAME +IMAGE +STATE +STATUS +CREATED +ID$/);
        expect(rows).toHaveLength(2);
        for (const row of rows) {
          for (const col of ['IMAGE', 'STATE', 'STATUS', 'CREATED', 'ID']) expect(row[header!.indexOf(col) - 1]).toBe(' ');
          expect(row.slice(header!.indexOf('STATE'))).toMatch(/^running /);
          expect(row.slice(header!.indexOf('CREATED'))).toMatch(/^(just now|\d+ seconds? ago)/);
        }
        expect(rows.map((r) => r.split(/ +/)[0])).toEqual(['web1', 'web2']);
      }
    });

    it('images: sizes in MB for people, D/images exactly with --json', async () => {
      const json = JSON.parse(ok(await berthCli(['images', '--json'])));
      expect(json).toEqual(await client.call(`${D}/images`));
      const out = ok(await berthCli(['images']));
      expect(out).toMatch(/^NAME +ID +SIZE +CREATED +SOURCE\nbb +[0-9a-f]{12} +\d+\.\d MB +.+ ago +-\n$/);
    });

    it('logs (with --tail), inspect and top agree with D/N/logs, D/N/inspect and D/N/top', async () => {
      await waitFor('web1 to print', async () => (await client.call<string>(`${D}/web1/logs`)).includes('hello'));
      const logs = await client.call<string>(`${D}/web1/logs`, [1]);
      expect(ok(await berthCli(['logs', 'web1', '--tail', '1']))).toBe(logs.endsWith('\n') ? logs : `${logs}\n`);
      expect(JSON.parse(ok(await berthCli(['logs', 'web1', '--tail', '1', '--json'])))).toBe(logs);
      for (const args of [['inspect', 'web1'], ['inspect', 'web1', '--json']]) {
        // Not a terminal: JSON is the default.
        const got = JSON.parse(ok(await berthCli(args))) as Record<string, unknown>;
        expect(settled(got)).toEqual(settled(await client.call(`${D}/web1/inspect`)));
      }
      const top = JSON.parse(ok(await berthCli(['top', 'web1', '--json']))) as Record<string, unknown>;
      const direct = await client.call<Record<string, unknown>>(`${D}/web1/top`);
      expect(Object.keys(top).sort()).toEqual(Object.keys(direct).sort());
      expect(top.memoryLimit).toBe(direct.memoryLimit);
      const human = ok(await berthCli(['top', 'web1']));
      expect(human).toMatch(/^CPU \d+\.\d %   memory \d+\.\d MB \/ 67\.1 MB   pids \d+\n\n/);
      expect(human).toMatch(/^UID +PID +PPID .*CMD$/m);
      expect(human).not.toContain('{');
    });

    it('a reader that leaves early (berth logs NAME | head) is no error', async () => {
      await makeImage(D, 'chatty', { cmd: ['/bin/sh', '-c', 'seq 1 30000; trap "exit 0" TERM; while true; do sleep 1; done'] });
      await client.call(`${D}/create`, ['chatty', 'chatty']);
      await waitFor('30000 lines', async () => (await client.call<string>(`${D}/chatty/logs`, [1])).startsWith('30000'));
      // More than a pipe holds (64 KiB): the write fails with EPIPE once head has gone.
      const { stdout, stderr } = await run('bash', ['-o', 'pipefail', '-c', `node -- ${BERTH_MAIN} logs chatty --tail 30000 | head -c 2`], {
        env: { ...process.env, BERTH_ROUTER: url, BERTH_DOMAIN: D },
      });
      expect([stdout, stderr]).toEqual(['1\n', '']);
      await client.call(`${D}/remove`, ['chatty']);
      await client.call(`${D}/removeImage`, ['chatty']);
    });

    it('stop, start, restart several names: one line each; an unknown name fails alone with exit 1', async () => {
      const stop = await berthCli(['stop', 'web1', 'nosuch', 'web2']);
      expect(stop.code).toBe(1);
      expect(stop.stdout).toMatch(/^stopped web1 \(Exited \(\d+\) .*\)\nstopped web2 \(Exited/);
      expect(stop.stderr).toBe(`berth: no container "nosuch" in domain ${D} (wamp.error.no_such_procedure)\n`);
      expect((await containersOf(D)).map((c) => c.state)).toEqual(['exited', 'exited']);
      const start = await berthCli(['start', 'web1', 'web2', '--json']);
      const dicts = ok(start).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(dicts.map((c) => [c.name, c.state])).toEqual([['web1', 'running'], ['web2', 'running']]);
      expect(ok(await berthCli(['restart', 'web2']))).toMatch(/^restarted web2 \(Up .*\)\n$/);
      const again = JSON.parse(ok(await berthCli(['restart', 'web1', '--json']))) as Record<string, unknown>;
      expect(settled(again)).toEqual(settled((await client.call<Record<string, unknown>[]>(`${D}/list`)).find((c) => c.name === 'web1')!));
    });

    it('errors berth answers: one line with the message and the URI, exit 1', async () => {
      const cases: [string[], string][] = [
        [['logs', 'nosuch'], `berth: no container "nosuch" in domain ${D} (wamp.error.no_such_procedure)`],
        [['inspect', 'nosuch'], `berth: no container "nosuch" in domain ${D} (wamp.error.no_such_procedure)`],
        [['top', 'nosuch'], `berth: no container "nosuch" in domain ${D} (wamp.error.no_such_procedure)`],
        [['create', 'bb', 'web1'], `berth: a container "web1" already exists in domain ${D} (berth.error.already_exists)`],
        [['create', 'nosuchimage', 'x'], `berth: no image "nosuchimage" in domain ${D} (berth.error.not_found)`],
        [['rm', 'nosuch'], `berth: no container "nosuch" in domain ${D} (berth.error.not_found)`],
        [['cancel', 'nosuch'], `berth: no build of "nosuch" is running or queued in domain ${D} (berth.error.not_found)`],
      ];
      for (const [args, line] of cases) {
        const r = await berthCli(args);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(`${line}\n`);
      }
      const bad = await berthCli(['create', 'bb', 'x', '-e', '1BAD=x']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^berth: .*1BAD.* \(wamp\.error\.invalid_argument\)\n$/);
      const inUse = await berthCli(['rmi', 'bb']);
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toMatch(/^berth: image "bb" is used by 2 container\(s\): (web1, web2|web2, web1); remove them first \(berth\.error\.in_use\)\n$/);
      expect((await containersOf(D)).length).toBe(2);
    });

    it('call: any procedure with JSON-parsed arguments and --kw; JSON by default when not a terminal', async () => {
      expect(JSON.parse(ok(await berthCli(['call', `${D}/list`]))).map(settled)).toEqual((await client.call<Record<string, unknown>[]>(`${D}/list`)).map(settled));
      expect(JSON.parse(ok(await berthCli(['call', `${D}/web1/logs`, '1'])))).toBe(await client.call(`${D}/web1/logs`, [1]));
      expect(JSON.parse(ok(await berthCli(['call', `${D}/web1/logs`, '--kw', 'tail=1', '--json'])))).toBe(await client.call(`${D}/web1/logs`, [], { tail: 1 }));
      const made = JSON.parse(ok(await berthCli(['call', `${D}/create`, 'bb', 'web3', '--kw', 'environment={"MODE":"prod","N":"1"}'])));
      expect(made).toMatchObject({ name: 'web3', state: 'running' });
      expect((await client.call<{ config: { environment: Record<string, string> } }>(`${D}/web3/inspect`)).config.environment).toMatchObject({ MODE: 'prod', N: '1' });
      // "web3" is not JSON: it goes as the string; 42 is JSON: it goes as a number, which berth refuses as a name.
      expect(JSON.parse(ok(await berthCli(['call', `${D}/remove`, 'web3'])))).toEqual({ name: 'web3', removed: true });
      const typed = await berthCli(['call', `${D}/remove`, '42']);
      expect(typed.code).toBe(1);
      expect(typed.stderr).toMatch(/\(wamp\.error\.invalid_argument\)\n$/);
      const none = await berthCli(['call', 'no.such.procedure']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/^berth: .* \(wamp\.error\.no_such_procedure\)\n$/);
    });

    it('rm and rmi: one line per name, --json the results', async () => {
      const made = await makeImage(D, 'spare');
      expect(made).toMatch(/^sha256:/);
      expect(ok(await berthCli(['rm', 'web2']))).toBe('removed web2\n');
      expect(JSON.parse(ok(await berthCli(['rm', 'web1', '--json'])))).toEqual({ name: 'web1', removed: true });
      expect(await containersOf(D)).toEqual([]);
      expect(JSON.parse(ok(await berthCli(['rmi', 'spare', '--json'])))).toEqual({ name: 'spare', removed: true });
      const r = await berthCli(['rmi', 'nosuch', 'bb']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('removed image bb\n');
      expect(r.stderr).toBe(`berth: no image "nosuch" in domain ${D} (berth.error.not_found)\n`);
      expect(await client.call(`${D}/images`)).toEqual([]);
      await makeImage(D, 'bb');
    });
  });

  describe('builds', () => {
    it('build prints each line as it arrives: the first one is out while the slow Setup step still runs', async () => {
      await using p = spawnCli(['build', 'streamed', git.url('slowstream')]);
      const t0 = Date.now();
      await waitFor(() => `the first Setup line (stdout: ${p.stdout})`, () => /^first-line-marker$/m.test(p.stdout), 60_000);
      const seen = Date.now() - t0;
      expect(p.child.exitCode).toBeNull(); // the build (8 s of sleep after the marker) is still running
      expect(await p.exited).toBe(0);
      expect(Date.now() - t0 - seen).toBeGreaterThan(3_000);
      const lines = p.stdout.trimEnd().split('\n');
      expect(lines.at(-1)).toMatch(/^built image streamed in \d+\.\d s$/);
      expect(lines.some((l) => l.startsWith('checked out '))).toBe(true);
      // Lines, never a JSON result (the engine's LABEL steps of berth's labels show JSON values inside lines).
      expect(lines.filter((l) => /^[[{]/.test(l))).toEqual([]);
      expect(p.stderr).toBe('');
      expect(await tagsOf(D)).toContain(`berth/${D}:streamed`);
    });

    it('build --json: stdout is the result (the lines), the live lines went to stderr', async () => {
      const r = await berthCli(['build', 'app', git.url('busybox-app'), '--json'], {}, 120_000);
      expect(r.code).toBe(0);
      const lines = JSON.parse(r.stdout) as string[];
      expect(lines.some((l) => l.includes('setup step two'))).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toEqual(lines);
    });

    it('update (--containers) streams and prints the result; --json is D/updateImage\'s dict', async () => {
      ok(await berthCli(['create', 'app', 'appc']));
      // A new commit: the same one again would be an identical rebuild (the same image, nothing to replace: releases).
      git.commit('busybox-app', { 'second.txt': 'a second commit\n' });
      const r = await berthCli(['update', 'app', '--containers'], {}, 120_000);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toContain('replaced container appc with one on the new image');
      expect(lines.at(-1)).toMatch(/^updated image app to [0-9a-f]{12}; replaced appc in \d+\.\d s$/);
      const json = await berthCli(['update', 'app', '--json'], {}, 120_000);
      expect(json.code).toBe(0);
      const result = JSON.parse(json.stdout) as { name: string; image: { id: string }; containers: string[]; lines: string[] };
      expect(Object.keys(result).sort()).toEqual(['containers', 'image', 'lines', 'name']);
      expect(result).toMatchObject({ name: 'app', containers: [] });
      // D/images gives the engine's creation time in whole seconds, the image dict of an update its full precision.
      const listed = (await client.call<{ name: string; id: string }[]>(`${D}/images`)).find((i) => i.name === 'app');
      expect({ ...result.image, created: undefined }).toEqual({ ...listed, created: undefined });
      ok(await berthCli(['rm', 'appc']));
    });

    it('cancel NAME cancels a running build (both output modes); the build command reports canceled', async () => {
      const before = await danglingOf(D);
      await using p = spawnCli(['build', 'tocancel', git.url('slowcancel')]);
      await using q = spawnCli(['build', 'tocancel2', git.url('slowcancel'), '--json']);
      await waitFor(() => `the markers (stdout: ${p.stdout} stderr: ${q.stderr})`, () => /^cancel-marker$/m.test(p.stdout) && /^cancel-marker$/m.test(q.stderr), 60_000);
      expect(ok(await berthCli(['cancel', 'tocancel']))).toBe('canceled the build of tocancel\n');
      expect(JSON.parse(ok(await berthCli(['cancel', 'tocancel2', '--json'])))).toEqual({ name: 'tocancel2', canceled: true });
      for (const [cli, name] of [[p, 'tocancel'], [q, 'tocancel2']] as const) {
        expect(await cli.exited).toBe(1);
        expect(cli.stdout).not.toContain('built image');
        expect(cli.stderr).toMatch(new RegExp(`(^|\\n)berth: the build of "${name}" was canceled \\(berth\\.error\\.canceled\\)\\n$`));
      }
      await expectNoTrace('tocancel', before);
      await expectNoTrace('tocancel2', before);
    });

    it('Ctrl-C (SIGINT) during build calls D/cancelBuild, exits 130 once canceled, and leaves nothing behind', async () => {
      const before = await danglingOf(D);
      await using p = spawnCli(['build', 'interrupted', git.url('slowcancel')]);
      await waitFor(() => `the marker (stdout: ${p.stdout})`, () => /^cancel-marker$/m.test(p.stdout), 60_000);
      const t0 = Date.now();
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(130);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(p.stderr).toMatch(/^canceling the build of interrupted .*\ncanceled the build of interrupted after \d+\.\d s\n$/);
      await expectNoTrace('interrupted', before);
    });

    it('Ctrl-C during update: the same, and the image it had stays as it was', async () => {
      ok(await berthCli(['build', 'upd', git.url('slowupdate')], {}, 120_000));
      const before = (await client.call<{ name: string; id: string }[]>(`${D}/images`)).find((i) => i.name === 'upd')!;
      const danglingBefore = await danglingOf(D);
      // A new commit, so that the engine cannot take the Setup step from its cache: the update runs it again.
      git.commit('slowupdate', { 'changed.txt': 'next\n' });
      await using p = spawnCli(['update', 'upd']);
      await waitFor(() => `the marker (stdout: ${p.stdout})`, () => /^update-marker$/m.test(p.stdout), 60_000);
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(130);
      expect(p.stderr).toMatch(/canceled the build of upd after/);
      expect(await tagsOf(D)).toContain(`berth/${D}:upd`);
      expect((await client.call<{ name: string; id: string }[]>(`${D}/images`)).find((i) => i.name === 'upd')!.id).toBe(before.id);
      await expectNoTrace(undefined, danglingBefore);
    });
  });
});
