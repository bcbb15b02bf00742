import { describe, expect, it } from 'vitest';
import { labelInstruction, labelledDockerfile } from '../../../src/pipeline/label-instruction.js';

describe('labelInstruction: the image labels as one LABEL instruction', () => {
  it('is one line, every key and value double-quoted, sorted by key', () => {
    expect(labelInstruction({ 'berth.name': 'app', 'berth.build': '', 'berth.command': '["/bin/sh","-c","echo hi"]' })).toBe(
      'LABEL "berth.build"="" "berth.command"="[\\"/bin/sh\\",\\"-c\\",\\"echo hi\\"]" "berth.name"="app"',
    );
  });

  it('escapes the three characters the builder unquotes in double quotes: backslash, double quote and $', () => {
    expect(labelInstruction({ k: 'a\\b"c$d${HOME}\'e' })).toBe('LABEL "k"="a\\\\b\\"c\\$d\\${HOME}\'e"');
  });

  it('ends in a quote even when a value ends in a backslash (no line continuation)', () => {
    expect(labelInstruction({ k: 'x\\' }).endsWith('\\\\"')).toBe(true);
  });

  it('refuses what no Dockerfile line can hold: line breaks, other control characters, lone surrogates', () => {
    for (const bad of ['a\nRUN evil', 'a\rb', 'a\u0000b', 'tab\there', 'del\u007f', 'lone \ud800']) {
      expect(() => labelInstruction({ k: bad }), JSON.stringify(bad)).toThrow(/refusing label/);
    }
  });

  it('keeps any other text as it is, non-ASCII and astral characters included', () => {
    expect(labelInstruction({ k: "ünï € 😀 ' #" })).toBe('LABEL "k"="ünï € 😀 \' #"');
  });

  it('refuses keys that are not plain label keys', () => {
    for (const bad of ['', 'a=b', 'a b', 'a"b', '$x', 'a\nb', '-a']) {
      expect(() => labelInstruction({ [bad]: 'v' }), JSON.stringify(bad)).toThrow(/refusing label key/);
    }
  });

  it('is appended after every other instruction', () => {
    const text = labelledDockerfile('FROM x\nCMD ["y"]\n', { b: '2', a: '1' });
    expect(text).toBe('FROM x\nCMD ["y"]\nLABEL "a"="1" "b"="2"\n');
  });
});
