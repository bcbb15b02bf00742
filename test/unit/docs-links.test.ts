import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Files other work writes, linked before they exist: checked once they do. */
const AWAITED = new Set<string>();

const markdown = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdown(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
const FILES = ['README.md', ...markdown('docs')];

/** Text outside fenced code blocks (a `](` in code is not a link). */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchors of a file's headings: lowercased, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of prose(readFileSync(join(ROOT, file), 'utf8')).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

describe('links in the README and docs/', () => {
  it('finds the documents', () => expect(FILES).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/configuration.md'])));

  it('point at files that exist and at headings they have', () => {
    const broken: string[] = [];
    for (const file of FILES) {
      for (const [, target] of prose(readFileSync(join(ROOT, file), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // http:, https:, mailto:
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const to = path === '' ? file : relative(ROOT, join(ROOT, dirname(file), path));
        if (to.startsWith('..')) continue; // outside the repository (the Exis API document beside the checkout)
        if (!existsSync(join(ROOT, to))) {
          if (!AWAITED.has(to)) broken.push(`${file}: ${target} (no ${to})`);
          continue;
        }
        if (anchor !== undefined && (statSync(join(ROOT, to)).isDirectory() || !anchors(to).has(anchor))) broken.push(`${file}: ${target} (no heading #${anchor} in ${to})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
