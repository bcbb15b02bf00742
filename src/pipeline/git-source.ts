import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import type { BuildUrl } from './build-url.js';
import { dirSize, watchDirSize } from './dir-size.js';
import type { LineInfo } from './line-splitter.js';
import { runGit } from './run-git.js';

export interface FetchSourceOptions {
  readonly url: BuildUrl;
  /** The address resolveHost checked; the clone is pinned to it. */
  readonly address: string;
  /** An empty directory that receives the checkout (`<dir>/.git` included). */
  readonly dir: string;
  /** A directory for git's HOME, so no user or system configuration applies. */
  readonly home: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly signal: AbortSignal;
  readonly onLine: (line: string) => void;
  /** Bytes cut off overlong lines, as they arrive. */
  readonly onDropped?: (bytes: number) => void;
  /** The git program (tests only). */
  readonly git?: string;
}

/** How often the clone directory is measured while git writes to it. */
const SIZE_POLL_MS = 100;
/** Progress lines (ended by `\r`) are shown at most this often; the ones between are rewrites of the same line. */
const PROGRESS_EVERY_MS = 1_000;

/**
 * Fetch one commit of one ref, shallow, and check it out: `git init` + `git fetch --depth 1 --no-tags -- <url> <ref>` +
 * checkout. Fetching works the same for a branch, a tag and a full commit id (servers that allow fetching by id).
 * Only http(s) is allowed (GIT_ALLOW_PROTOCOL), no prompts, no redirects, no submodules, no user or system config.
 * `maxBytes` bounds the directory: polled while git fetches, checked after the fetch, checked against the size the
 * checkout will have (the tree's blob sizes, before a byte of it is written: a tiny pack can hold a huge file of zeros),
 * polled during the checkout and checked after it. The process is killed at `timeoutMs`, or when `signal` aborts.
 */
export async function fetchSource(o: FetchSourceOptions): Promise<{ commit: string }> {
  const abort = new AbortController();
  let why: BerthError | undefined;
  const stopWith = (err: BerthError) => {
    why ??= err;
    abort.abort(why);
  };
  // The caller's reason (canceled, the whole build's time limit, the output limit) is what the clone fails with.
  const onCancel = () => stopWith(o.signal.reason instanceof BerthError ? o.signal.reason : new BerthError('canceled', 'the build was canceled'));
  if (o.signal.aborted) onCancel();
  o.signal.addEventListener('abort', onCancel, { once: true });
  const timer = setTimeout(
    () => stopWith(new BerthError('clone_failed', `the clone did not finish within ${Math.round(o.timeoutMs / 1000)} s (build.cloneTimeout)`)),
    o.timeoutMs,
  );
  const tooBig = (bytes: number, what = 'the repository is') =>
    new BerthError('clone_failed', `${what} larger than ${o.maxBytes} bytes (build.maxRepoBytes): ${bytes} bytes`, { maxRepoBytes: o.maxBytes, bytes });
  const watch = watchDirSize(o.dir, o.maxBytes, (bytes) => stopWith(tooBig(bytes)), SIZE_POLL_MS);
  const stderrTail: string[] = [];
  let lastProgress = 0;
  const onStderr = (line: string, info: LineInfo) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    if (info.end === 'return') {
      const now = Date.now();
      if (now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
    }
    o.onLine(line);
  };
  const git = (args: string[], onStdout?: (line: string) => void) =>
    runGit({ args: [...gitConfig(o), ...args], cwd: o.dir, env: gitEnv(o), signal: abort.signal, onStderr, onStdout, onDropped: o.onDropped, command: o.git });
  const url = o.url;
  const check = async (what?: string, extra = 0) => {
    const bytes = (await dirSize(o.dir)) + extra;
    if (bytes > o.maxBytes) stopWith(tooBig(bytes, what));
    if (why) throw why;
  };
  try {
    // No template: nothing (sample hooks, info/) is copied that a one-time checkout never uses; a few ms per build.
    await git(['init', '--quiet', '--template=']);
    o.onLine(`fetching ${url.ref ?? 'the default branch'} of ${url.cloneUrl}`);
    await git(['fetch', '--depth', '1', '--no-tags', '--no-recurse-submodules', '--progress', '--', url.cloneUrl, url.ref ?? 'HEAD']);
    await check();
    let checkoutBytes = 0;
    await git(['ls-tree', '-r', '-l', '--full-tree', 'FETCH_HEAD'], (line) => {
      // "<mode> <type> <object> <size, padded>\t<path>"; a submodule's size is "-".
      const size = /^\d+ \w+ [0-9a-f]+ +(\d+)\t/.exec(line)?.[1];
      if (size) checkoutBytes += Number(size);
    });
    await check('the checkout would make the repository', checkoutBytes);
    await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', 'FETCH_HEAD']);
    await check();
    // The detached HEAD holds the commit id itself: read it, rather than start one more git process (a warm rebuild's
    // time is mostly such fixed costs).
    const commit = (await readFile(join(o.dir, '.git', 'HEAD'), 'utf8')).trim();
    if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new Error(`the checked-out HEAD is "${commit.slice(0, 80)}", not a commit id`);
    o.onLine(`checked out ${commit}`);
    return { commit };
  } catch (err) {
    if (why) throw why;
    const detail = stderrTail.filter((l) => /fatal|error|not found|unable|could not|couldn't|failed/i.test(l)).join('; ') || (err as Error).message.split('\n')[0];
    throw new BerthError('clone_failed', `cannot clone ${url.cloneUrl}${url.ref ? ` at ${url.ref}` : ''}: ${detail}`, { url: url.source }, { cause: err });
  } finally {
    clearTimeout(timer);
    watch.stop();
    o.signal.removeEventListener('abort', onCancel);
  }
}

function gitConfig(o: FetchSourceOptions): string[] {
  const { url, address } = o;
  const config = [
    'http.followRedirects=false',
    'submodule.recurse=false',
    'fetch.recurseSubmodules=false',
    'transfer.fsckObjects=true',
    'core.symlinks=true',
    'http.lowSpeedLimit=1',
    'http.lowSpeedTime=60',
  ];
  // Pin the connection to the checked address, so a second DNS answer (rebinding) cannot redirect the clone.
  if (!isIP(url.host)) config.push(`http.curloptResolve=${url.host}:${url.port}:${isIP(address) === 6 ? `[${address}]` : address}`);
  return config.flatMap((c) => ['-c', c]);
}

/** The whole environment git sees: no GIT_* variable, user or system configuration of berth's own environment. */
function gitEnv(o: FetchSourceOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: o.home,
    XDG_CONFIG_HOME: join(o.home, '.config'),
    LANG: 'C',
    LC_ALL: 'C',
    GIT_ALLOW_PROTOCOL: o.url.protocol,
    GIT_PROTOCOL_FROM_USER: '0',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
}
