import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { configSchema, OPTIONS } from '../../src/config.js';

/** docs/configuration.md: the reference of every option of `berth serve`. */
const DOC = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType> };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under defaults, optionals and transforms. */
function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const def = defOf(s);
    if (def.innerType && ['default', 'prefault', 'optional', 'nullable'].includes(def.type)) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
}

/** Every file key as a dotted path: objects are walked, records (user tables, bases, nodes) are one key. */
function fileKeys(s: z.ZodType, prefix = ''): string[] {
  const def = defOf(unwrap(s));
  if (def.type !== 'object' || !def.shape) return [prefix];
  const keys = Object.entries(def.shape).flatMap(([k, v]) => fileKeys(v, prefix ? `${prefix}.${k}` : k));
  return prefix ? [prefix, ...keys] : keys;
}

/** The text of the `### …` section whose heading names `key` in backticks (e.g. "### `sandbox`"). */
function section(key: string): string {
  const at = DOC.search(new RegExp(`\\n### [^\\n]*\`${key}\``));
  if (at === -1) return '';
  const rest = DOC.slice(at + 1);
  const end = rest.slice(4).search(/\n##/);
  return end === -1 ? rest : rest.slice(0, end + 4);
}

/** The table row of `key` (a value object such as `registryAuth` lists its fields there: `{username, password}`). */
function row(key: string): string {
  const leaf = key.split('.').at(-1)!;
  return DOC.split('\n').find((l) => l.startsWith(`| \`${key}\` |`) || l.startsWith(`| \`${leaf}\` |`)) ?? '';
}

describe('docs/configuration.md', () => {
  const keys = fileKeys(configSchema as unknown as z.ZodType);

  it('finds the config keys it checks (the schema walk works)', () => {
    expect(keys).toEqual(expect.arrayContaining(['router', 'sandbox.memory', 'build.keepReleases', 'embeddedRouter.maxConnectionsPerAddress', 'swarm.probeImage', 'quotas.builds']));
  });

  it('documents every flag and its environment variable', () => {
    for (const { flag, env } of Object.values(OPTIONS)) {
      expect(DOC, flag).toContain(`\`--${flag}`);
      expect(DOC, env).toContain(`\`${env}\``);
    }
    expect(DOC).toContain('`--config FILE`');
  });

  it('documents every config file key', () => {
    for (const path of keys) {
      const parts = path.split('.');
      const leaf = parts.at(-1)!;
      const parent = parts.slice(0, -1).join('.');
      const documented =
        DOC.includes(`\`${path}\``) || DOC.includes(`\`${path}.`) ||
        (parent !== '' && (section(parent).includes(`\`${leaf}\``) || section(parent).includes(`\n  ${leaf}:`) || row(parent).includes(leaf)));
      expect(documented, `config key ${path}`).toBe(true);
    }
  });
});
