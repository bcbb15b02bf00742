import { describe, expect, it } from 'vitest';
import { ExecOutput, headBytes } from '../../../src/appliance/exec-output.js';

describe('ExecOutput (an exec\'s collected text, capped)', () => {
  it('keeps everything under the cap', () => {
    const o = new ExecOutput(10);
    o.add(Buffer.from('abc'));
    o.add(Buffer.from('def'));
    expect(o.text()).toBe('abcdef');
    expect(o.truncated).toBe(false);
  });

  it('cuts exactly at the cap and says so; nothing after it is kept', () => {
    const o = new ExecOutput(5);
    o.add(Buffer.from('abc'));
    o.add(Buffer.from('defgh'));
    o.add(Buffer.from('more'));
    expect(o.text()).toBe('abcde');
    expect(o.truncated).toBe(true);
  });

  it('exactly the cap is not truncated; one byte more is', () => {
    const o = new ExecOutput(3);
    o.add(Buffer.from('abc'));
    expect(o.truncated).toBe(false);
    o.add(Buffer.from('d'));
    expect(o.truncated).toBe(true);
    expect(o.text()).toBe('abc');
  });

  it('drops a character the cap cut in half', () => {
    const o = new ExecOutput(4);
    o.add(Buffer.from('abcé')); // é is two bytes
    expect(o.text()).toBe('abc');
    expect(o.truncated).toBe(true);
  });

  it('joins a character split across chunks', () => {
    const o = new ExecOutput(100);
    const e = Buffer.from('é');
    o.add(Buffer.concat([Buffer.from('a'), e.subarray(0, 1)]));
    o.add(e.subarray(1));
    expect(o.text()).toBe('aé');
  });
});

describe('headBytes', () => {
  it('keeps at most the bytes asked, never half a character', () => {
    expect(headBytes('abc', 5)).toBe('abc');
    expect(headBytes('abcé', 4)).toBe('abc');
    expect(headBytes('€€', 4)).toBe('€');
    expect(headBytes('abc', 0)).toBe('');
  });
});
