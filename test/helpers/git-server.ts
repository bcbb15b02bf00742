import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';
export const FIXTURE_REPOS = fileURLToPath(new URL('../fixtures/repos/', import.meta.url));

/** A file of a fixture repository: text or bytes, or a symbolic link to `symlink`. */
export type RepoFile = string | Buffer | { symlink: string };

/** How long a /flood/ answer goes on at most (the test's clone timeout stops it much earlier). */
const FLOOD_MAX_MS = 90_000;

/**
 * Git repositories served over smart HTTP on 127.0.0.1 by `git http-backend` run as CGI (dumb HTTP cannot do shallow
 * clones). Paths under /slow/ answer nothing, ever (a host that hangs). Paths under /flood/ serve the repository's refs,
 * but answer the fetch with a packfile section of `\r`-terminated progress messages and never a newline or a byte of
 * pack, for as long as the client reads (a hostile server). Fetching by commit id is allowed.
 */
export class GitServer implements AsyncDisposable {
  private readonly root = mkdtempSync(join(tmpdir(), 'berth-test-git-'));
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  port = 0;
  /** HTTP requests received so far (a refused URL must cause none). */
  requests = 0;
  /** Bytes of progress sent by /flood/ answers so far. */
  floodBytes = 0;

  static async start(): Promise<GitServer> {
    const s = new GitServer();
    await s.listen();
    return s;
  }

  /** `http://127.0.0.1:<port>/<name>.git` */
  url(name: string): string {
    return `http://127.0.0.1:${this.port}/${name}.git`;
  }

  /** A repository from a directory under test/fixtures/repos/. Returns the commit id of its only commit. */
  addFixture(name: string, fixture = name, extra: { branches?: Record<string, Record<string, RepoFile>>; tags?: string[] } = {}): string {
    const work = join(this.root, 'work', name);
    cpSync(join(FIXTURE_REPOS, fixture), work, { recursive: true });
    return this.publish(name, work, extra);
  }

  /** A repository made of these files, with optional extra branches (each one commit on top of the main branch) and tags. */
  addRepo(name: string, files: Record<string, RepoFile>, extra: { branches?: Record<string, Record<string, RepoFile>>; tags?: string[] } = {}): string {
    const work = join(this.root, 'work', name);
    mkdirSync(work, { recursive: true });
    writeFiles(work, files);
    return this.publish(name, work, extra);
  }

  private publish(name: string, work: string, extra: { branches?: Record<string, Record<string, RepoFile>>; tags?: string[] }): string {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=berth-test', '-c', 'user.email=test@berth.invalid', '-c', 'init.defaultBranch=main', ...args], {
        cwd: work,
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'fixture');
    const main = git('rev-parse', 'HEAD');
    for (const tag of extra.tags ?? []) git('tag', tag);
    for (const [branch, files] of Object.entries(extra.branches ?? {})) {
      git('checkout', '-q', '-b', branch, 'main');
      writeFiles(work, files);
      git('add', '-A');
      git('commit', '-q', '-m', branch);
      git('checkout', '-q', 'main');
    }
    const bare = join(this.root, 'repos', `${name}.git`);
    execFileSync('git', ['clone', '-q', '--bare', work, bare]);
    execFileSync('git', ['-C', bare, 'config', 'uploadpack.allowReachableSHA1InWant', 'true']);
    execFileSync('git', ['-C', bare, 'config', 'http.receivepack', 'false']);
    return main;
  }

  private listen(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests++;
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname.startsWith('/slow/')) return; // never answers
      if (url.pathname.startsWith('/flood/')) return void this.flood(req, res, url);
      this.backend(req, res, url);
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        resolve();
      }),
    );
  }

  /** Refs and ls-refs from the real repository; the fetch itself gets progress with `\r` forever. */
  private async flood(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const real = new URL(url.pathname.slice('/flood'.length) + url.search, url);
    if (req.method !== 'POST') return this.backend(req, res, real);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body = Buffer.concat(chunks);
    if (String(req.headers['content-encoding'] ?? '').includes('gzip')) body = gunzipSync(body);
    if (!body.includes('command=fetch')) return this.backend(req, res, real, body);
    res.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-result', 'Cache-Control': 'no-cache' });
    res.write(pkt('packfile\n'));
    const started = Date.now();
    let n = 0;
    const batch = () => {
      const parts: Buffer[] = [];
      for (let i = 0; i < 512; i++) parts.push(pkt(`\x02Counting objects: ${n++ % 100}% (${n}/4294967295)\r`));
      return Buffer.concat(parts);
    };
    while (!res.destroyed && Date.now() - started < FLOOD_MAX_MS) {
      const b = batch();
      this.floodBytes += b.length;
      if (res.write(b)) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
    res.destroy();
  }

  private backend(req: IncomingMessage, res: ServerResponse, url: URL, body?: Buffer): void {
    {
      const child = spawn(HTTP_BACKEND, [], {
        env: {
          GIT_PROJECT_ROOT: join(this.root, 'repos'),
          GIT_HTTP_EXPORT_ALL: '1',
          PATH_INFO: decodeURIComponent(url.pathname),
          QUERY_STRING: url.search.slice(1),
          REQUEST_METHOD: req.method ?? 'GET',
          CONTENT_TYPE: req.headers['content-type'] ?? '',
          HTTP_CONTENT_ENCODING: body ? '' : String(req.headers['content-encoding'] ?? ''),
          GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
          REMOTE_ADDR: '127.0.0.1',
          PATH: process.env.PATH ?? '/usr/bin:/bin',
        },
      });
      if (body) child.stdin.end(body);
      else req.pipe(child.stdin);
      child.stdin.on('error', () => undefined);
      let head = Buffer.alloc(0);
      let headerDone = false;
      child.stdout.on('data', (chunk: Buffer) => {
        if (headerDone) return void res.write(chunk);
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        headerDone = true;
        let status = 200;
        for (const line of head.subarray(0, end).toString().split('\r\n')) {
          const i = line.indexOf(':');
          const k = line.slice(0, i).trim();
          const v = line.slice(i + 1).trim();
          if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
          else res.setHeader(k, v);
        }
        res.writeHead(status);
        res.write(head.subarray(end + 4));
      });
      child.on('close', () => {
        if (!headerDone) res.writeHead(500);
        res.end();
      });
      child.on('error', () => res.destroy());
    }
  }

  /** A new commit on the main branch of an existing repository (these files written over it); returns its id. */
  commit(name: string, files: Record<string, RepoFile>): string {
    const work = join(this.root, 'work', name);
    writeFiles(work, files);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=berth-test', '-c', 'user.email=test@berth.invalid', ...args], { cwd: work, encoding: 'utf8' }).trim();
    git('add', '-A');
    git('commit', '-q', '-m', 'next');
    git('push', '-q', join(this.root, 'repos', `${name}.git`), 'main');
    return git('rev-parse', 'HEAD');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A git pkt-line: four hex digits of length (including themselves), then the payload. */
function pkt(payload: string): Buffer {
  const data = Buffer.from(payload, 'binary');
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0')), data]);
}

function writeFiles(dir: string, files: Record<string, RepoFile>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    rmSync(full, { force: true });
    if (typeof content === 'object' && !Buffer.isBuffer(content)) symlinkSync(content.symlink, full);
    else writeFileSync(full, content);
  }
}
