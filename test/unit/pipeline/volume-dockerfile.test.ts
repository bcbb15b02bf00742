import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { packContext } from '../../../src/pipeline/build-context.js';
import { generateDockerfile } from '../../../src/pipeline/dockerfile.js';
import { parseRunfile } from '../../../src/pipeline/runfile.js';

describe('generateDockerfile with Run.yaml Volumes', () => {
  it('adds one COPY --chown of an empty context directory into each path\'s parent, after Setup and before CMD', () => {
    const text = generateDockerfile('b', { Command: ['x'], Setup: ['make'], Volumes: ['/data', '/app/state', '/var/lib/db'] }, 'd', '65534:65534');
    expect(text.trim().split('\n').slice(3)).toEqual([
      'COPY ["app/","/app/"]',
      'RUN ["/bin/sh","-c","make"]',
      'COPY --chown=65534:65534 ["volumes/0/","/"]',
      'COPY --chown=65534:65534 ["volumes/1/","/app/"]',
      'COPY --chown=65534:65534 ["volumes/2/","/var/lib/"]',
      'CMD ["x"]',
    ]);
  });

  it('adds nothing without Volumes, whatever the owner', () => {
    expect(generateDockerfile('b', { Command: ['x'], Setup: [], Volumes: [] }, 'd')).not.toContain('--chown');
    expect(generateDockerfile('b', { Command: ['x'], Setup: [] }, 'd', 'nobody')).not.toContain('--chown');
  });

  it('never lets a path or the owner add an instruction', () => {
    const run = (Volumes: string[]) => ({ Command: ['x'], Setup: [], Volumes });
    for (const bad of ['/data\nRUN evil', '/data ["x"]', 'data', '/', '/a/../b', '/a/./b', '/a//b', '/a/', '/$HOME', '/"x"']) {
      expect(() => generateDockerfile('b', run([bad]), 'd', '1:1'), bad).toThrow(/volume path/);
    }
    for (const owner of ['', 'a b', '1:1\nRUN evil', '1:1 ["x"]', '$USER', ':1', undefined]) {
      expect(() => generateDockerfile('b', run(['/data']), 'd', owner), String(owner)).toThrow(/volume owner/);
    }
    // And Run.yaml itself refuses them first (invalid_runfile), so these never reach the Dockerfile.
    expect(() => parseRunfile('Base: b\nCommand: x\nVolumes: ["/data\\nRUN evil"]\n')).toThrow(/Volumes/);
  });
});

describe('packContext', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-ctx-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('puts the repository under app/ and one empty directory per volume path beside it', async () => {
    writeFileSync(join(root, 'Run.yaml'), 'x');
    writeFileSync(join(root, '.dockerignore'), '*');
    mkdirSync(join(root, '.git'));
    mkdirSync(join(root, 'volumes'));
    writeFileSync(join(root, 'volumes', 'f'), 'repo file');
    const entries = await list(packContext(root, 'FROM x\n', ['/data', '/app/state']));
    expect(entries.map((e) => `${e.type}:${e.name}`).sort()).toEqual(
      [
        'directory:app',
        'file:app/Run.yaml',
        'directory:app/volumes',
        'file:app/volumes/f',
        'file:.berth.Dockerfile',
        'file:.dockerignore',
        'directory:volumes/0/data',
        'directory:volumes/1/state',
      ].sort(),
    );
  });
});

async function list(stream: NodeJS.ReadableStream): Promise<{ name: string; type: string }[]> {
  const extract = tar.extract();
  const out: { name: string; type: string }[] = [];
  extract.on('entry', (header, body, next) => {
    out.push({ name: header.name.replace(/\/$/, ''), type: header.type ?? 'file' });
    body.on('end', next);
    body.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.pipe(extract);
  });
  return out;
}
