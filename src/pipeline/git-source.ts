import { mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { BerthError } from '../errors.js';
import type { BuildUrl } from './build-url.js';
import { watchDirSize } from './dir-size.js';
import { LineSplitter } from './line-splitter.js';

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
}

/**
 * Fetch one commit of one ref, shallow, and check it out: `git init` + `git fetch --depth 1 --no-tags -- <url> <ref>` +
 * checkout. Fetching works the same for a branch, a tag and a full commit id (servers that allow fetching by id).
 * Only http(s) is allowed (GIT_ALLOW_PROTOCOL), no prompts, no redirects, no submodules, no user or system config; the
 * process is killed when the directory passes `maxBytes`, at `timeoutMs`, or when `signal` aborts (cancel).
 */
export async function fetchSource(o: FetchSourceOptions): Promise<{ commit: string }> {
  const abort = new AbortController();
  let why: BerthError | undefined;
  const stopWith = (err: BerthError) => {
    why ??= err;
    abort.abort(err);
  };
  // The caller's reason (canceled, or the whole build's time limit) is what the clone fails with.
  const onCancel = () => stopWith(o.signal.reason instanceof BerthError ? o.signal.reason : new BerthError('canceled', 'the build was canceled'));
  if (o.signal.aborted) onCancel();
  o.signal.addEventListener('abort', onCancel, { once: true });
  const timer = setTimeout(
    () => stopWith(new BerthError('clone_failed', `the clone did not finish within ${Math.round(o.timeoutMs / 1000)} s (build.cloneTimeout)`)),
    o.timeoutMs,
  );
  const watch = watchDirSize(o.dir, o.maxBytes, (bytes) =>
    stopWith(new BerthError('clone_failed', `the repository is larger than ${o.maxBytes} bytes (build.maxRepoBytes): ${bytes} bytes so far`)),
  );
  const stderrTail: string[] = [];
  const git = gitFor(o, abort.signal, (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    o.onLine(line);
  });
  const url = o.url;
  try {
    await mkdir(join(o.dir), { recursive: true });
    await git.init(['--quiet']);
    o.onLine(`fetching ${url.ref ?? 'the default branch'} of ${url.cloneUrl}`);
    await git.raw(['fetch', '--depth', '1', '--no-tags', '--no-recurse-submodules', '--progress', '--', url.cloneUrl, url.ref ?? 'HEAD']);
    await git.raw(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', 'FETCH_HEAD']);
    const commit = (await git.revparse(['HEAD'])).trim();
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

function gitFor(o: FetchSourceOptions, signal: AbortSignal, onLine: (line: string) => void): SimpleGit {
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
  const git = simpleGit({
    baseDir: o.dir,
    abort: signal,
    config,
    // Only these GIT_* variables are set by berth; simple-git drops every other GIT_* variable from the environment.
    allowEnvironment: ['GIT_ALLOW_PROTOCOL', 'GIT_TERMINAL_PROMPT', 'GIT_CONFIG_NOSYSTEM', 'GIT_PROTOCOL_FROM_USER'],
  });
  git.env({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: o.home,
    XDG_CONFIG_HOME: o.home,
    LANG: 'C',
    LC_ALL: 'C',
    // protocol.allow=never + protocol.<scheme>.allow=always for the URL's own scheme only.
    GIT_ALLOW_PROTOCOL: url.protocol,
    GIT_PROTOCOL_FROM_USER: '0',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
  });
  git.outputHandler((_command, _stdout, stderr) => {
    const lines = new LineSplitter(onLine);
    stderr.on('data', (b: Buffer) => lines.push(b));
    stderr.on('end', () => lines.flush());
  });
  return git;
}
