import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, imagesOf } from './docker.js';
import type { WampClient } from './wamp-client.js';

/** berth's build directories under the temp dir (src/pipeline/temp-dirs.ts: berth-build-<pid>-XXXXXX). */
export function buildDirs(pid?: number): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith(pid === undefined ? 'berth-build-' : `berth-build-${pid}-`));
}

/** Tags of `berth/<domain>` on the engine. */
export async function tagsOf(domain: string): Promise<string[]> {
  const out = await docker('images', '--format', '{{.Repository}}:{{.Tag}}', `berth/${domain}`);
  return out.split('\n').filter(Boolean);
}

/** Images labelled with the domain or its builds (berth.build) that have no tag (what a half-done build could leave). */
export async function danglingOf(domain: string): Promise<string[]> {
  const ids = await Promise.all(
    ['berth.domain', 'berth.build'].map((label) => docker('images', '-a', '-q', '--no-trunc', '--filter', 'dangling=true', '--filter', `label=${label}=${domain}`)),
  );
  return [...new Set(ids.join('\n').split('\n').filter(Boolean))];
}

/** Containers (any state) of the domain's builds: the engine's step containers and berth's label commit (berth.build). */
export async function buildContainersOf(domain: string): Promise<string[]> {
  return (await docker('ps', '-a', '-q', '--no-trunc', '--filter', `label=berth.build=${domain}`)).split('\n').filter(Boolean);
}

/** Resident memory of a process in bytes (from /proc). */
export function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

/** Samples a process's RSS every `everyMs` until stopped; `stop()` gives the peak. */
export function watchRss(pid: number, everyMs = 100): { peak(): number; stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      // The process is gone.
    }
  }, everyMs);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/** Containers (any) created from images of the domain, incl. the engine's intermediate build containers. */
export async function containersFromDomainImages(domain: string): Promise<string[]> {
  const images = await imagesOf(domain);
  const out = await Promise.all(images.map((id) => docker('ps', '-a', '-q', '--filter', `ancestor=${id}`)));
  return out.flatMap((o) => o.split('\n').filter(Boolean));
}

/** Every container the engine has right now (intermediate build containers included). */
export async function allContainerIds(): Promise<string[]> {
  return (await docker('ps', '-a', '-q', '--no-trunc')).split('\n').filter(Boolean);
}

/** Write berth's YAML config file (JSON is YAML). */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'berth.yaml');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Remove the `berth/<domain>` tags (and so their images, when nothing else holds them). */
export async function removeTags(domain: string): Promise<void> {
  const tags = await tagsOf(domain);
  if (tags.length) await docker('rmi', '-f', ...tags).catch(() => undefined);
}

/** Subscribe to a build's topic `D/build/<name>`: its lines as they come, and the final event. */
export async function watchBuildTopic(c: WampClient, D: string, name: string) {
  const lines: string[] = [];
  let final: Record<string, unknown> | undefined;
  const sub = await c.session.subscribe(`${D}/build/${name}`, (args: unknown[] = [], kwargs: Record<string, unknown> = {}) => {
    if (typeof args[0] === 'string') lines.push(args[0]);
    else final = kwargs;
  });
  return { lines, final: () => final, close: () => c.session.unsubscribe(sub) };
}
