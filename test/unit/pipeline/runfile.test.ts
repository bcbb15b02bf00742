import { describe, expect, it } from 'vitest';
import { missingBase, resolveBase } from '../../../src/pipeline/bases.js';
import { DEFAULT_BASES } from '../../../src/pipeline/build-config.js';
import { commandArgv, generateDockerfile } from '../../../src/pipeline/dockerfile.js';
import { parseRunfile } from '../../../src/pipeline/runfile.js';
import { BerthError } from '../../../src/errors.js';

function failure(fn: () => unknown): BerthError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BerthError) return err;
    throw err;
  }
  throw new Error('did not fail');
}

describe('parseRunfile', () => {
  it('reads Base, Command, Setup and Env', () => {
    expect(parseRunfile('Base: exis-python\nCommand: python -m app\n')).toEqual({ Base: 'exis-python', Command: 'python -m app', Setup: [], Env: {}, Volumes: [] });
    expect(parseRunfile('Base: b\nCommand: [node, main.js]\nSetup:\n  - npm ci\nEnv:\n  PORT: 8080\n  DEBUG: true\n  NAME: x\n')).toEqual({
      Base: 'b', Command: ['node', 'main.js'], Setup: ['npm ci'], Env: { PORT: '8080', DEBUG: 'true', NAME: 'x' }, Volumes: [],
    });
  });

  it.each([
    ['', /mapping/],
    ['- a\n- b\n', /mapping/],
    ['Base: [x\n', /not valid YAML/],
    ['Command: x\n', /Base is required/],
    ['Base: x\n', /Command is required/],
    ['base: x\nCommand: y\n', /unknown key "base"/],
    ['Base: x\nCommand: y\nExtra: 1\n', /unknown key "Extra"/],
    ['Base: x\nCommand: 42\n', /Command/],
    ['Base: x\nCommand: []\n', /Command/],
    ['Base: x\nCommand: "a\\nb"\n', /Command/],
    ['Base: x\nCommand: [a, "b\\nc"]\n', /Command/],
    ['Base: "x\\nRUN y"\nCommand: y\n', /Base/],
    ['Base: "x y"\nCommand: y\n', /Base/],
    ['Base: 3\nCommand: y\n', /Base/],
    ['Base: x\nCommand: y\nSetup: echo\n', /Setup/],
    ['Base: x\nCommand: y\nSetup: ["a\\u0000b"]\n', /Setup/],
    ['Base: x\nCommand: y\nEnv: [a]\n', /Env/],
    ['Base: x\nCommand: y\nEnv:\n  "1BAD": v\n', /Env/],
    ['Base: x\nCommand: y\nEnv:\n  WS_URL: v\n', /WS_URL/],
    ['Base: x\nCommand: y\nEnv:\n  A: {b: c}\n', /Env/],
    ['a: &a [1]\nBase: x\nCommand: *a\n', /alias/i],
    ['Base: !!js/function "function(){}"\nCommand: y\n', /not valid YAML/],
    ['Base: x\nCommand: y\nBase: z\n', /not valid YAML/],
    [`Base: x\nCommand: y\n#${'x'.repeat(70_000)}\n`, /larger than/],
  ])('refuses %j as invalid_runfile', (text, message) => {
    const err = failure(() => parseRunfile(text));
    expect(err.code).toBe('invalid_runfile');
    expect(err.message).toMatch(message);
  });

  it('refuses a billion-laughs alias bomb quickly', () => {
    const bomb = ['a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
    const t0 = Date.now();
    expect(failure(() => parseRunfile(bomb)).code).toBe('invalid_runfile');
    expect(Date.now() - t0).toBeLessThan(500);
  });
});

describe('generateDockerfile', () => {
  it('writes every line itself, with JSON exec forms', () => {
    const text = generateDockerfile('berth/exis-python:1', { Command: 'python -m app', Setup: ['pip install -r requirements.txt', 'echo "$HOME" \\\nRUN evil'] }, 'xs.demo');
    expect(text.split('\n')).toEqual([
      'FROM berth/exis-python:1',
      'LABEL berth.build="xs.demo"',
      'WORKDIR /app',
      'COPY ["app/","/app/"]',
      'RUN ["/bin/sh","-c","pip install -r requirements.txt"]',
      'RUN ["/bin/sh","-c","echo \\"$HOME\\" \\\\\\nRUN evil"]',
      'CMD ["/bin/sh","-c","python -m app"]',
      '',
    ]);
  });

  it('keeps a list Command as exec form and never adds an instruction from input', () => {
    const text = generateDockerfile('b', { Command: ['node', 'x"]\nRUN evil'], Setup: [] }, 'd');
    expect(text.trim().split('\n')).toHaveLength(5);
    expect(JSON.parse(text.trim().split('\n')[4]!.slice(4))).toEqual(['node', 'x"]\nRUN evil']);
    expect(commandArgv('a b')).toEqual(['/bin/sh', '-c', 'a b']);
  });

  it('refuses a base reference with whitespace or quotes', () => {
    expect(() => generateDockerfile('a b', { Command: 'x', Setup: [] }, 'd')).toThrow();
    expect(() => generateDockerfile('a\nRUN x', { Command: 'x', Setup: [] }, 'd')).toThrow();
    expect(() => generateDockerfile('a', { Command: 'x', Setup: [] }, 'd"\nRUN x')).toThrow();
  });
});

describe('resolveBase', () => {
  it('maps exact catalog keys only, and image references only when allowed', () => {
    expect(resolveBase('exis-python', DEFAULT_BASES, false)).toBe('berth/exis-python:1');
    expect(resolveBase('exis-python:r2', { ...DEFAULT_BASES, 'exis-python:r2': 'berth/exis-python:r2' }, false)).toBe('berth/exis-python:r2');
    // A tag on a catalog name is not a wildcard: it named an image nobody put on the engine (and was pulled).
    expect(failure(() => resolveBase('exis-python:r2', DEFAULT_BASES, false)).message).toMatch(/unknown Base "exis-python:r2"/);
    expect(failure(() => resolveBase('exis-python:latest', DEFAULT_BASES, false)).code).toBe('invalid_runfile');
    // With allowAnyBase it is an image reference like any other (and must be on the engine: berth never pulls).
    expect(resolveBase('exis-python:r2', DEFAULT_BASES, true)).toBe('exis-python:r2');
    expect(failure(() => resolveBase('debian:12', DEFAULT_BASES, false)).code).toBe('invalid_runfile');
    expect(resolveBase('debian:12', DEFAULT_BASES, true)).toBe('debian:12');
    expect(resolveBase('registry.example.com:5000/team/img:1', DEFAULT_BASES, true)).toBe('registry.example.com:5000/team/img:1');
    expect(failure(() => resolveBase('Bad..Ref', DEFAULT_BASES, true)).code).toBe('invalid_runfile');
  });

  it('looks up own keys only: constructor, __proto__, toString are unknown bases', () => {
    for (const base of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const err = failure(() => resolveBase(base, DEFAULT_BASES, false));
      expect({ base, code: err.code, message: err.message }).toMatchObject({ base, code: 'invalid_runfile', message: expect.stringContaining(`unknown Base "${base}"`) });
    }
  });

  it('a missing base says how to build it, and that berth never pulls', () => {
    const err = missingBase('exis-nodejs', 'berth/exis-nodejs:1');
    expect(err.code).toBe('invalid_runfile');
    expect(err.message).toMatch(/docker\/bases\/build-offline\.sh exis-nodejs/);
    expect(err.message).toMatch(/never pulls/);
  });
});

describe('Run.yaml Volumes and Healthcheck', () => {
  const base = 'Base: b\nCommand: x\n';
  it('reads them, with the health check durations in milliseconds and their defaults', () => {
    expect(parseRunfile(`${base}Volumes: [/data, /app/db]\nHealthcheck: {Command: [wget, -q], Interval: 1m30s, StartPeriod: 0}`)).toMatchObject({
      Volumes: ['/data', '/app/db'],
      Healthcheck: { Command: ['wget', '-q'], Interval: 90_000, Timeout: 3_000, Retries: 3, StartPeriod: 0 },
    });
    expect(parseRunfile(base)).toMatchObject({ Volumes: [] });
    expect(parseRunfile(base).Healthcheck).toBeUndefined();
  });

  it.each([
    ['data', /"data" is not an absolute path/],
    ['/', /"\/" cannot be a volume/],
    ['/proc', /under \/proc|is \/proc/],
    ['/sys/fs', /under \/sys/],
    ['/dev/shm', /under \/dev/],
    ['/tmp/x', /under \/tmp/],
    ['/app', /app's own directory/],
    ['/a/../etc', /"\.\." component|"\." or "\.\." component/],
    ['/a/./b', /"\." or "\.\." component/],
    ['/data/', /empty component/],
    ['//data', /empty component/],
    ['/da ta', /may contain only/],
  ])('refuses the volume path %j', (path, message) => {
    expect(() => parseRunfile(`${base}Volumes: [${JSON.stringify(path)}]`)).toThrow(message);
  });

  it('refuses duplicates, nested paths, more than 8 and a non-list', () => {
    expect(() => parseRunfile(`${base}Volumes: [/data, /data]`)).toThrow(/listed twice/);
    expect(() => parseRunfile(`${base}Volumes: [/data, /data/x]`)).toThrow(/inside "\/data"/);
    expect(() => parseRunfile(`${base}Volumes: [${Array.from({ length: 9 }, (_, i) => `/v${i}`).join(', ')}]`)).toThrow(/at most 8/);
    expect(() => parseRunfile(`${base}Volumes: /data`)).toThrow(/Volumes must be a list/);
  });

  it('refuses a shell-string or empty health command, bad durations and unknown keys', () => {
    expect(() => parseRunfile(`${base}Healthcheck: {Command: wget -q}`)).toThrow(/Healthcheck.Command must be a list/);
    expect(() => parseRunfile(`${base}Healthcheck: {Command: []}`)).toThrow(/Healthcheck.Command must not be empty/);
    expect(() => parseRunfile(`${base}Healthcheck: {Interval: 5s}`)).toThrow(/Healthcheck.Command is required/);
    expect(() => parseRunfile(`${base}Healthcheck: {Command: [x], Interval: 10 s}`)).toThrow(/Interval must be a duration/);
    expect(() => parseRunfile(`${base}Healthcheck: {Command: [x], Timeout: 0s}`)).toThrow(/Timeout must be between/);
    expect(() => parseRunfile(`${base}Healthcheck: {Command: [x], Retries: 0}`)).toThrow(/Retries must be at least 1/);
    expect(() => parseRunfile(`${base}Healthcheck: {Command: [x], Test: [y]}`)).toThrow(/Healthcheck/);
  });
});
