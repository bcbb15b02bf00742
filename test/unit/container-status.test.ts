import { describe, expect, it } from 'vitest';
import { containerStatus, humanDuration } from '../../src/appliance/container-status.js';
import type { ContainerRecord } from '../../src/engine/engine.js';

const base = { state: 'running', startedAt: null, finishedAt: null, exitCode: null, health: null } as unknown as ContainerRecord;
const at = (t: number) => new Date(t).toISOString();
const NOW = Date.parse('2026-01-01T12:00:00Z');

describe('humanDuration (as go-units formats it)', () => {
  it.each([
    [500, 'Less than a second'],
    [1_000, '1 second'],
    [59_000, '59 seconds'],
    [60_000, 'About a minute'],
    [5 * 60_000, '5 minutes'],
    [3_600_000, 'About an hour'],
    [5 * 3_600_000, '5 hours'],
    [3 * 86_400_000, '3 days'],
    [20 * 86_400_000, '2 weeks'],
    [90 * 86_400_000, '3 months'],
    [800 * 86_400_000, '2 years'],
  ])('%d ms → %s', (ms, text) => expect(humanDuration(ms)).toBe(text));
});

describe('containerStatus', () => {
  it('matches the engine for each state', () => {
    expect(containerStatus({ ...base, startedAt: at(NOW - 120_000) }, NOW)).toBe('Up 2 minutes');
    expect(containerStatus({ ...base, state: 'running', health: 'healthy', startedAt: at(NOW - 5_000) }, NOW)).toBe('Up 5 seconds (healthy)');
    expect(containerStatus({ ...base, state: 'exited', exitCode: 137, startedAt: at(NOW - 9e6), finishedAt: at(NOW - 3_600_000) }, NOW)).toBe('Exited (137) About an hour ago');
    expect(containerStatus({ ...base, state: 'created' }, NOW)).toBe('Created');
    expect(containerStatus({ ...base, state: 'paused', startedAt: at(NOW - 1_000) }, NOW)).toBe('Up 1 second (Paused)');
    expect(containerStatus({ ...base, state: 'restarting', exitCode: 1, finishedAt: at(NOW - 2_000) }, NOW)).toBe('Restarting (1) 2 seconds ago');
    expect(containerStatus({ ...base, state: 'dead' }, NOW)).toBe('Dead');
  });
});
