import { describe, expect, it } from 'vitest';
import { isConcreteUri, isPatternUri, matches } from '../../../src/router/uri.js';

describe('loose URI rules (as Crossbar.io)', () => {
  it('accepts berth-style URIs with slashes and dotted realms-like names', () => {
    for (const uri of ['berth/web1/start', 'xs.demo.berth/build', 'com.example.add2', 'a']) expect(isConcreteUri(uri)).toBe(true);
  });
  it('refuses empty components, whitespace and #', () => {
    for (const uri of ['', 'a..b', '.a', 'a.', 'a b', 'a.#']) expect(isConcreteUri(uri)).toBe(false);
  });
  it('lets prefix patterns end with a dot and wildcard patterns have empty components', () => {
    expect(isPatternUri('com.example.', 'prefix')).toBe(true);
    expect(isPatternUri('com..example', 'prefix')).toBe(false);
    expect(isPatternUri('com..get', 'wildcard')).toBe(true);
    expect(isPatternUri('com.example.', 'exact')).toBe(false);
  });
});

describe('matching', () => {
  it('prefix is a plain string prefix, as in Crossbar.io', () => {
    expect(matches('com.example', 'prefix', 'com.example2.x')).toBe(true);
    expect(matches('com.example.', 'prefix', 'com.example2.x')).toBe(false);
  });
  it('wildcard matches one component per empty slot and needs the same length', () => {
    expect(matches('com..get', 'wildcard', 'com.users.get')).toBe(true);
    expect(matches('com..get', 'wildcard', 'com.users.list.get')).toBe(false);
    expect(matches('com..get', 'wildcard', 'org.users.get')).toBe(false);
  });
});
