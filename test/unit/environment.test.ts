import { describe, expect, it } from 'vitest';
import { environmentSchema, toEnvList } from '../../src/container-environment.js';

describe('environment', () => {
  it('accepts variable names with string values', () => {
    expect(environmentSchema.parse({ A: '1', _b2: 'x=y' })).toEqual({ A: '1', _b2: 'x=y' });
    expect(toEnvList({ A: '1', B: 'x=y' })).toEqual(['A=1', 'B=x=y']);
  });
  it.each([
    [{ '1A': 'x' }],
    [{ 'A-B': 'x' }],
    [{ A: 1 }],
    [{ A: 'x\0y' }],
    [{ WS_URL: 'ws://evil' }],
    [{ DOMAIN: 'x' }],
    [{ WAMP_REALM: 'x' }],
    [{ WAMP_AUTHID: 'x' }],
    [{ WAMP_TICKET: 'x' }],
    [{ A: 'x'.repeat(40_000) }],
    [Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`V${i}`, 'x']))],
    [['A=1']],
  ])('refuses %#', (env) => expect(environmentSchema.safeParse(env).success).toBe(false));
});
