import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH_MAIN } from '../helpers/berth-cli.js';
import { BerthProcess } from '../helpers/berth-process.js';
import { buildContainersOf, buildDirs, removeTags, tagsOf, writeConfig } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, makeImage, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { freePort, waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const run = promisify(execFile);

/**
 * The berth command as a person uses it: typed into a shell in a real terminal (tmux, 200×50), the screen read back.
 * What is on it must be readable: aligned columns, state in colour, no JSON; builds stream and Ctrl-C cancels.
 */
const D = testDomain('tty');
/** Made in beforeAll, so that a run that filters out every test here leaves no directory behind. */
let dir: string;
const socket = `berth-test-${D}`;
let berth: BerthProcess;
let client: WampClient;
let git: GitServer;

const tmux = async (...args: string[]) => (await run('tmux', ['-L', socket, ...args])).stdout;
/** The terminal's contents, its scrollback included (-S), wrapped lines joined (-J); with escapes, the colours too (-e). */
const screen = (escapes = false) => tmux('capture-pane', '-p', '-J', '-S', '-5000', '-t', 'cli', ...(escapes ? ['-e'] : []));
const finished = (n: number, text: string) => new RegExp(`^status-${n}=(\\d+)$`, 'm').exec(text);
let commands = 0;

/** Type a command line and wait until it has finished; its exit status and what it printed (from the terminal). */
async function type(line: string, timeoutMs = 60_000): Promise<{ status: number; output: string }> {
  const n = ++commands;
  await tmux('send-keys', '-t', 'cli', '-l', `${line}; echo "status-${n}=$?"`);
  await tmux('send-keys', '-t', 'cli', 'Enter');
  const shown = await waitFor(() => `"${line}" to finish`, async () => {
    const s = await screen();
    return finished(n, s) ? s : undefined;
  }, timeoutMs);
  const lines = shown.split('\n');
  const start = lines.findIndex((l) => l.endsWith(`echo "status-${n}=$?"`));
  const end = lines.findIndex((l) => l.startsWith(`status-${n}=`));
  return { status: Number(finished(n, shown)![1]), output: lines.slice(start + 1, end).join('\n') };
}

/** Column starts of a header row: each word's index. */
const columns = (header: string) => [...header.matchAll(/\S+/g)].map((m) => m.index!);

describe('berth in a real terminal (tmux)', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-cli-tty-'));
    git = await GitServer.start();
    git.addRepo('slow', { 'Run.yaml': 'Base: busybox\nSetup:\n  - echo tty-marker; sleep 6\nCommand: [/bin/true]\n' });
    git.addRepo('slowcancel', { 'Run.yaml': 'Base: busybox\nSetup:\n  - echo tty-cancel-marker; sleep 90\nCommand: [/bin/true]\n' });
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/ws`;
    const config = writeConfig(dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } });
    berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D, '--config', config]);
    client = await WampClient.connect(url);
    await makeImage(D, 'bb');
    await client.call(`${D}/create`, ['bb', 'web1']);
    await client.call(`${D}/create`, ['bb', 'a-longer-name-2']);
    await client.call(`${D}/a-longer-name-2/stop`);
    // `berth` on the PATH is dist/main.js itself, run through its shebang, as npm links the package's bin.
    const bin = join(dir, 'bin');
    await run('mkdir', ['-p', bin]);
    chmodSync(BERTH_MAIN, 0o755);
    symlinkSync(BERTH_MAIN, join(bin, 'berth'));
    const env = [`PATH=${bin}:${process.env.PATH}`, `BERTH_ROUTER=${url}`, `BERTH_DOMAIN=${D}`, 'PS1=$ ', 'TERM=xterm-256color'];
    // Through env(1): tmux gives a new window the PATH of the client that made it, whatever new-session -e says.
    await tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'cli', '-x', '200', '-y', '50', 'env', '-u', 'NO_COLOR', ...env, 'bash', '--norc', '--noprofile');
  });

  afterAll(async () => {
    try {
      await tmux('kill-server').catch(() => undefined);
      await client?.close();
      await berth?.stop();
    } finally {
      await cleanDomain(D);
      await removeTags(D);
      await git?.[Symbol.asyncDispose]();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('berth ps: aligned columns, the state in colour, no JSON; NO_COLOR turns the colour off', async () => {
    const { status, output } = await type('berth ps');
    expect(status).toBe(0);
    expect(output).not.toMatch(/[{}"[\]]/);
    const [header, ...rows] = output.split('\n').filter(Boolean);
    expect(header).toMatch(/^NAME +IMAGE +STATE +STATUS +CREATED +ID$/);
    expect(rows).toHaveLength(2);
    const starts = columns(header!);
    // Every cell starts exactly under its header, after a blank.
    for (const row of rows) for (const s of starts.slice(1)) expect(`${row[s - 1]}${row[s]}`).toMatch(/^ \S$/);
    const cell = (row: string, i: number) => row.slice(starts[i], starts[i + 1]).trim();
    expect([0, 1, 2].map((i) => cell(rows[0]!, i))).toEqual(['a-longer-name-2', 'bb', 'exited']);
    expect([0, 1, 2].map((i) => cell(rows[1]!, i))).toEqual(['web1', 'bb', 'running']);
    expect(cell(rows[0]!, 3)).toMatch(/^Exited \(\d+\) .* ago$/);
    expect(cell(rows[1]!, 3)).toMatch(/^Up /);
    for (const row of rows) expect(cell(row, 4)).toMatch(/^(just now|\d+ \w+ ago)$/);
    for (const row of rows) expect(cell(row, 5)).toMatch(/^[0-9a-f]{12}$/);
    expect(await screen(true)).toMatch(/\x1b\[32mrunning/);
    await tmux('clear-history', '-t', 'cli');
    await type('clear');
    await type('NO_COLOR=1 berth ps');
    expect(await screen(true)).toContain('running');
    expect(await screen(true)).not.toMatch(/\x1b\[3\dm/);
  });

  it('berth images, inspect and top: for people, not JSON', async () => {
    const images = await type('berth images');
    expect(images.status).toBe(0);
    expect(images.output).toMatch(/^NAME +ID +SIZE +CREATED +SOURCE\nbb +[0-9a-f]{12} +\d+\.\d MB +.* ago +-$/);
    const inspect = await type('berth inspect web1');
    expect(inspect.status).toBe(0);
    expect(inspect.output).toMatch(/^name: web1$/m);
    expect(inspect.output).toMatch(/^config:\n {2}environment:\n/m);
    expect(inspect.output).not.toMatch(/^\s*[{[]/m);
    const top = await type('berth top web1');
    expect(top.output).toMatch(/^CPU \d+\.\d %   memory \d+\.\d MB \/ \d+\.\d MB   pids \d+\n\nUID +PID +PPID/);
    const call = await type(`berth call ${D}/web1/logs 1`);
    expect(call.output).toMatch(/^hello from /);
    expect(call.output).not.toContain('"');
  });

  it('berth build: the lines appear as the build runs, then the elapsed time', async () => {
    const n = commands + 1;
    const done = type(`berth build app ${git.url('slow')}`);
    await waitFor('the Setup line on the screen', async () => /^tty-marker$/m.test(await screen()), 60_000);
    expect(finished(n, await screen())).toBeNull(); // still sleeping in the Setup step
    const { status, output } = await done;
    expect(status).toBe(0);
    expect(output).toMatch(/^built image app in \d+\.\d s$/m);
    // Lines, not JSON (the engine's own LABEL step lines show berth's labels, some of which are JSON: not berth's output).
    expect(output.split('\n').filter((l) => !/^(Step \d+\/\d+ : LABEL | ---> )/.test(l)).join('\n')).not.toMatch(/[{}]/);
  });

  it('Ctrl-C in berth build cancels it: exit 130, no tag, no step container, no clone left', async () => {
    const n = commands + 1;
    const done = type(`berth build gone ${git.url('slowcancel')}`);
    await waitFor('the Setup line on the screen', async () => /^tty-cancel-marker$/m.test(await screen()), 60_000);
    await tmux('send-keys', '-t', 'cli', 'C-c');
    const { status, output } = await done;
    expect(n).toBe(commands);
    expect(status).toBe(130);
    // The terminal echoes ^C before it.
    expect(output).toMatch(/canceling the build of gone \(Ctrl-C again to leave at once\)$/m);
    expect(output).toMatch(/^canceled the build of gone after \d+\.\d s$/m);
    expect(await tagsOf(D)).not.toContain(`berth/${D}:gone`);
    expect(buildDirs(berth.child.pid)).toEqual([]);
    await waitFor('the build containers to go', async () => (await buildContainersOf(D)).length === 0, 30_000);
  });
  it('berth logs -f: the lines appear on the screen as the container writes them, plain text; Ctrl-C ends it with 0', async () => {
    await makeImage(D, 'tty-ticker', { cmd: ['/bin/sh', '-c', 'trap "exit 0" TERM; i=0; while true; do i=$((i+1)); echo "tty-tick $i"; sleep 0.3; done'] });
    await client.call(`${D}/create`, ['tty-ticker', 'ticker']);
    // The terminal echoes ^C at the start of the next line: an empty echo puts the status line on a line of its own.
    const done = type('berth logs ticker -f --tail 1; echo');
    // Lines numbered past what the tail could have held: they came live.
    await waitFor('live lines on the screen', async () => /^tty-tick ([89]|\d\d+)$/m.test(await screen()), 30_000);
    await tmux('send-keys', '-t', 'cli', 'C-c');
    const { status, output } = await done;
    expect(status).toBe(0);
    expect(output).not.toMatch(/[{}]/);
    await client.call(`${D}/remove`, ['ticker']);
  });
});
