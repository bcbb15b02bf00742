import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installGlobal, packBerth, type BerthPackage } from '../helpers/berth-package.js';
import { cleanDomain, containersOf, makeImage, testDomain } from '../helpers/docker.js';
import { freePort, waitFor } from '../helpers/wait-for.js';

/**
 * berth as a user installs it: `npm pack`, `npm install --global` of the tarball into a temporary prefix (production
 * dependencies only, as npm installs a package), then the installed `berth serve` and `berth ps`, the dashboard it
 * serves, the base recipe it ships and the systemd unit it ships, checked by systemd-analyze against the installed program.
 */
const run = promisify(execFile);
const D = testDomain('inst');
let dir: string;
let pkg: BerthPackage;
let prefix: string;
/** The installed package: <prefix>/lib/node_modules/berth. */
let installed: string;
let bin: string;
/** PATH with this Node first: the installed bin's shebang is `/usr/bin/env -S node --`. */
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}` };

/** Bare module names a JavaScript file imports or requires (node: builtins left out). */
function bareImports(source: string): string[] {
  const names = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|createRequire\([^)]*\)\(\s*)['"]([^'"./][^'"]*)['"]/g)].map((m) => m[1]!);
  return names.filter((n) => !n.startsWith('node:')).map((n) => (n.startsWith('@') ? n.split('/').slice(0, 2).join('/') : n.split('/')[0]!));
}

function jsFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js') && !f.startsWith('web/'))
    .map((f) => join(root, f));
}

/** The installed `berth serve`, its JSON lines collected. */
class InstalledBerth {
  stdout = '';
  stderr = '';
  readonly exit: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (b: Buffer) => (this.stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    child.on('error', () => undefined);
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }
  lines(): { msg?: string; [k: string]: unknown }[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string });
  }
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const code = await this.exit;
    clearTimeout(timer);
    return code;
  }
}

const cli = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run(bin, args, { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
};

describe('the npm package, installed with npm install --global', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-inst-'));
    pkg = await packBerth(dir);
    prefix = join(dir, 'prefix');
    await installGlobal(pkg.tgz, prefix);
    installed = join(prefix, 'lib', 'node_modules', 'berth');
    bin = join(prefix, 'bin', 'berth');
  });

  afterAll(async () => {
    try {
      await cleanDomain(D);
      await run('docker', ['rmi', '-f', `berth-test-${D}/bb:latest`]).catch(() => undefined);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships the program, the dashboard, the base recipe, berth image recipe and deploy files, and no sources', async () => {
    const { stdout } = await run('tar', ['-tzf', pkg.tgz]);
    const files = stdout.split('\n').filter(Boolean);
    for (const f of [
      'package/dist/main.js',
      'package/dist/web/index.html',
      'package/docker/bases/build-offline.sh',
      'package/docker/berth/build.sh',
      'package/deploy/berth.service',
      'package/deploy/compose.yaml',
      'package/Run.yaml.example',
    ])
      expect(files).toContain(f);
    expect(files.some((f) => f.startsWith('package/dist/web/assets/') && f.endsWith('.js')), 'the dashboard script').toBe(true);
    expect(files.filter((f) => /^package\/(src|test|web|bench|scripts|node_modules|\.ci)\//.test(f) || f.includes('/screenshots/'))).toEqual([]);
    expect(statSync(bin).isFile()).toBe(true);
  });

  it('imports only its own dependencies, never a devDependency, and all of them are installed', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const used = new Set(jsFiles(join(installed, 'dist')).flatMap((f) => bareImports(readFileSync(f, 'utf8'))));
    expect(used.size).toBeGreaterThan(3);
    expect([...used].filter((n) => !(n in manifest.dependencies)), 'imported but not a dependency').toEqual([]);
    // npm installed the production dependencies only, and every one of them.
    expect(Object.keys(manifest.dependencies).filter((n) => !existsSync(join(installed, 'node_modules', n, 'package.json')))).toEqual([]);
    expect(existsSync(join(installed, 'node_modules', 'vitest')), 'a devDependency got installed').toBe(false);
  });

  it('berth serve runs, serves its dashboard, and berth ps, create and rm work against it', async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/ws`;
    const berth = new InstalledBerth(spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--domain', D, '--log-level', 'debug'], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      await waitFor(
        () => `the installed berth to join (stdout: ${berth.stdout.slice(-600)} stderr: ${berth.stderr.slice(-600)})`,
        () => {
          if (berth.child.exitCode !== null) throw new Error(`berth exited ${berth.child.exitCode}: ${berth.stderr}`);
          return berth.lines().some((l) => l.msg === 'joined the router');
        },
        30_000,
      );
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const script = /src="([^"]+\.js)"/.exec(html)?.[1];
      expect(script, html).toBeDefined();
      const asset = await fetch(new URL(script!, `http://127.0.0.1:${port}/`));
      expect(asset.status).toBe(200);
      expect(await asset.text()).toContain('autobahn');

      const empty = await cli('ps', '--router', url, '--domain', D);
      expect(empty.stderr).toBe('');
      expect(empty.code).toBe(0);
      expect(empty.stdout.split('\n')[0]).toMatch(/^NAME\s+IMAGE\s+STATE/);

      await makeImage(D, 'bb');
      const created = await cli('create', 'bb', 'c1', '--router', url, '--domain', D);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const listed = await cli('ps', '--router', url, '--domain', D);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/^c1\s+bb\s+running/m);
      expect((await containersOf(D)).map((c) => c.state)).toEqual(['running']);
      const removed = await cli('rm', 'c1', '--router', url, '--domain', D);
      expect(removed.code, removed.stderr).toBe(0);
      expect(await containersOf(D)).toEqual([]);
    } finally {
      expect(await berth.stop()).toBe(0);
    }
    expect(berth.stderr).toBe('');
  });

  it('the base recipe runs from the installed package (a base that exists is kept)', async () => {
    const script = join(installed, 'docker', 'bases', 'build-offline.sh');
    expect(statSync(script).mode & 0o111, 'executable').not.toBe(0);
    const { stdout } = await run(script, ['exis-python'], { env, timeout: 30_000 });
    expect(stdout).toContain('berth/exis-python:1 is there');
    // exis-nodejs copies autobahn-js out of the package's node_modules: a production dependency, so it is there.
    expect(existsSync(join(installed, 'node_modules', 'autobahn', 'package.json'))).toBe(true);
  });

  it('the shipped systemd unit passes systemd-analyze verify against the installed berth, hardened', async () => {
    const unit = readFileSync(join(installed, 'deploy', 'berth.service'), 'utf8');
    for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'User=berth', 'SupplementaryGroups=docker'])
      expect(unit.split('\n')).toContain(line);
    expect(unit, 'state-free: no state, cache or log directory').not.toMatch(/^(StateDirectory|CacheDirectory|LogsDirectory|ReadWritePaths)=/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/berth serve /m);
    // The unit names where `npm install --global` puts the program; here it is the temporary prefix.
    const units = mkdtempSync(join(dir, 'units-'));
    const path = join(units, 'berth.service');
    writeFileSync(path, unit.replaceAll('/usr/local/bin/berth', bin));
    // verify exits 0 even on an unknown key: it only warns, so any line on stderr fails the test.
    const verify = await run('systemd-analyze', ['verify', path], { timeout: 30_000 }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect(verify.stderr).toBe('');
    const security = await run('systemd-analyze', ['security', '--offline=yes', '--threshold=20', path], { timeout: 30_000 }).catch(
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect('code' in security ? security.code : 0, security.stdout.split('\n').slice(-3).join('\n')).toBe(0);
    expect(security.stdout).toMatch(/Overall exposure level for berth\.service: [01]\.\d/);
  });
});

