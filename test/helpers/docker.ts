import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The busybox base that scripts/test-setup.sh builds (FROM scratch + Debian's busybox-static). */
export const BUSYBOX_IMAGE = 'berth-test/busybox:latest';

/** Probe real engine state through the Docker CLI, independently of berth's own engine code. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

export async function containersOf(domain: string): Promise<{ id: string; name: string; state: string; labels: Record<string, string> }[]> {
  const out = await docker('ps', '-a', '--filter', `label=berth.domain=${domain}`, '--format', '{{json .}}');
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { ID: string; Names: string; State: string; Labels: string })
    .map((c) => ({ id: c.ID, name: c.Names, state: c.State, labels: Object.fromEntries(c.Labels.split(',').filter(Boolean).map((kv) => kv.split('=', 2) as [string, string])) }));
}

export async function imagesOf(domain: string): Promise<string[]> {
  const out = await docker('images', '-q', '--no-trunc', '--filter', `label=berth.domain=${domain}`);
  return [...new Set(out.split('\n').filter(Boolean))];
}

/**
 * A test image that berth manages: the busybox base plus berth's two labels, built locally (no registry).
 * `cmd` replaces the default command (a shell loop that exits on SIGTERM).
 */
export async function makeImage(domain: string, name: string, options: { cmd?: string[]; tag?: string; labels?: Record<string, string> } = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-img-'));
  try {
    // The labels last, in one step: an untagged image labelled with the domain and no release is a partial build to
    // berth's leftover sweep, which removed the CMD step's parent mid-build ("unknown parent image ID") when the labels
    // came first. Now only the final image carries them, and it is tagged as soon as it is made.
    const lines = [`FROM ${BUSYBOX_IMAGE}`];
    if (options.cmd) lines.push(`CMD ${JSON.stringify(options.cmd)}`);
    const labels = { 'berth.domain': domain, 'berth.name': name, ...options.labels };
    lines.push(`LABEL ${Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ')}`);
    writeFileSync(join(dir, 'Dockerfile'), `${lines.join('\n')}\n`);
    const tag = options.tag ?? `berth-test-${domain}/${name.toLowerCase()}:latest`;
    await docker('build', '-q', '-t', tag, dir);
    return (await docker('image', 'inspect', '-f', '{{.Id}}', tag)).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Remove every container, image, volume and network labelled with this domain (build step images: berth.build=<domain>). */
export async function cleanDomain(domain: string): Promise<void> {
  const ids = (await containersOf(domain)).map((c) => c.id);
  if (ids.length) await docker('rm', '-f', ...ids);
  const steps = (await docker('ps', '-aq', '--filter', `label=berth.build=${domain}`)).split('\n').filter(Boolean);
  if (steps.length) await docker('rm', '-f', ...steps);
  const images = await imagesOf(domain);
  if (images.length) await docker('rmi', '-f', ...images).catch(() => undefined);
  // Untagged step images a canceled or failed build left (berth sweeps them itself, but a test may stop it first).
  const stepImages = (await docker('images', '-q', '--no-trunc', '--filter', 'dangling=true', '--filter', `label=berth.build=${domain}`)).split('\n').filter(Boolean);
  if (stepImages.length) await docker('rmi', '-f', ...new Set(stepImages)).catch(() => undefined);
  // Named volumes (Run.yaml Volumes): berth keeps them when a container goes, a test's cleanup does not.
  const volumes = (await docker('volume', 'ls', '-q', '--filter', `label=berth.domain=${domain}`)).split('\n').filter(Boolean);
  if (volumes.length) await docker('volume', 'rm', '-f', ...volumes).catch(() => undefined);
  const networks = (await docker('network', 'ls', '-q', '--filter', `label=berth.domain=${domain}`)).split('\n').filter(Boolean);
  if (networks.length) await docker('network', 'rm', ...networks);
}

export function testDomain(prefix = 't'): string {
  return `${prefix}${Math.random().toString(36).slice(2, 8)}`;
}

/** The host's address on the engine's default bridge: where a test router listens so that containers reach it. */
export async function bridgeGateway(): Promise<string> {
  const ipam = JSON.parse(await docker('network', 'inspect', 'bridge', '-f', '{{json .IPAM.Config}}')) as { Gateway?: string; Subnet?: string }[];
  const gateway = ipam.find((c) => c.Gateway)?.Gateway;
  if (gateway) return gateway;
  const subnet = ipam.find((c) => c.Subnet && !c.Subnet.includes(':'))!.Subnet!;
  const [a, b, c, d] = subnet.split('/')[0]!.split('.').map(Number);
  return `${a}.${b}.${c}.${d! + 1}`;
}
