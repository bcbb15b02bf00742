import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/errors.js';

describe('the error registry', () => {
  const api = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

  it('has unique URIs in the berth.error.* or wamp.error.* namespaces', () => {
    const uris = Object.values(ERRORS).map((e) => e.uri);
    expect(new Set(uris).size).toBe(uris.length);
    for (const uri of uris) expect(uri).toMatch(/^(berth|wamp)\.error\.[a-z_]+$/);
  });

  it('documents every URI in the API reference (docs/api.md, its errors table)', () => {
    const table = api.slice(api.indexOf('\n## Errors'), api.indexOf('\n## Examples'));
    for (const { uri } of Object.values(ERRORS)) expect(table, uri).toContain(`| \`${uri}\``);
  });
});
