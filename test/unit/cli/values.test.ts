import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/cli/cli-error.js';
import { resolveConnection } from '../../../src/cli/connection.js';
import { decimal, integer, jsonOrString, keyValue, readEnvFile } from '../../../src/cli/values.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-cli-values-'));

describe('the berth command reads its arguments', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('call arguments: JSON when they parse, else the string as typed', () => {
    expect([1, 'x', '1.5', 'true', 'null', '"7"', '[1,"a"]', '{"k":1}', '{bad', 'web1'].map(String).map(jsonOrString)).toEqual([
      1, 'x', 1.5, true, null, '7', [1, 'a'], { k: 1 }, '{bad', 'web1',
    ]);
  });

  it('K=V: the first = splits; a bare K comes from the environment; no name is a usage error', () => {
    expect(keyValue('A=b=c', '-e')).toEqual(['A', 'b=c']);
    expect(keyValue('A=', '-e')).toEqual(['A', '']);
    expect(keyValue('HOME', '-e', { HOME: '/root' })).toEqual(['HOME', '/root']);
    const unset = (() => {
      try {
        keyValue('NOPE', '-e', {});
      } catch (err) {
        return err;
      }
    })() as CliError;
    expect(unset).toBeInstanceOf(CliError);
    expect(unset.exitCode).toBe(2);
    expect(() => keyValue('=x', '-e')).toThrow(/the name is missing/);
  });

  it('an env file as docker reads it: literal values, comments and blank lines skipped, line numbers in errors', () => {
    const f = join(dir, 'a.env');
    writeFileSync(f, '# comment\n\nA=1\n  B="two words"\r\nC\n');
    expect(readEnvFile(f, { C: 'from shell' })).toEqual([['A', '1'], ['B', '"two words"'], ['C', 'from shell']]);
    writeFileSync(f, 'A=1\n\n=oops\n');
    expect(() => readEnvFile(f, {})).toThrow(/line 3/);
  });

  it('numbers for --tail, --pids and --cpus', () => {
    expect(integer(0)('0')).toBe(0);
    expect(() => integer(1)('0')).toThrow(InvalidArgumentError);
    expect(() => integer(0)('-1')).toThrow(InvalidArgumentError);
    expect(() => integer(0)('1e3')).toThrow(InvalidArgumentError);
    expect(decimal('0.5')).toBe(0.5);
    expect(decimal('.5')).toBe(0.5);
    expect(() => decimal('half')).toThrow(InvalidArgumentError);
  });

  it('the connection: flags over BERTH_* variables over defaults; other daemon variables are not read', () => {
    expect(resolveConnection({}, {})).toEqual({ url: 'ws://127.0.0.1:8080/ws', realm: 'realm1', domain: 'berth' });
    const env = { BERTH_ROUTER: 'ws://r:1/ws', BERTH_REALM: 'r1', BERTH_DOMAIN: 'xs.demo', BERTH_AUTHID: 'me', BERTH_TICKET: 't', BERTH_LOG_LEVEL: 'loud', BERTH_LISTEN: 'nonsense' };
    expect(resolveConnection({}, env)).toEqual({ url: 'ws://r:1/ws', realm: 'r1', domain: 'xs.demo', authid: 'me', ticket: 't' });
    expect(resolveConnection({ domain: 'other', router: 'wss://x/ws' }, env)).toMatchObject({ url: 'wss://x/ws', domain: 'other' });
    expect(() => resolveConnection({ ticket: 't' }, {})).toThrow(/--authid \(BERTH_AUTHID\).*required with a ticket/);
  });
});
