import { describe, expect, it } from 'vitest';
import { containerEvent } from '../../../src/appliance/events-topic.js';
import type { ContainerRecord } from '../../../src/engine/engine.js';

const record = (over: Partial<ContainerRecord> = {}): ContainerRecord =>
  ({
    id: 'abc',
    engineName: 'd.web',
    name: 'web',
    domain: 'd',
    image: 'app',
    imageId: 'sha256:1',
    state: 'running',
    created: '2026-11-29T00:00:00Z',
    startedAt: '2026-11-29T00:00:01Z',
    finishedAt: null,
    exitCode: null,
    restarting: false,
    oomKilled: false,
    health: null,
    labels: { 'berth.owner': 'alice' },
    env: [],
    cmd: null,
    entrypoint: null,
    workingDir: '/',
    user: '',
    resources: {} as ContainerRecord['resources'],
    ...over,
  }) as ContainerRecord;
const now = () => new Date('2026-11-29T12:00:00Z');

describe('containerEvent: engine actions as D/events names them', () => {
  it('maps create/start/die/stop/restart/destroy, with the engine\'s time and the dict after', () => {
    const time = '2026-11-29T10:00:00.000Z';
    for (const [action, event] of [['create', 'created'], ['start', 'started'], ['stop', 'stopped'], ['restart', 'restarting']]) {
      expect(containerEvent({ event: { id: 'abc', action: action!, time }, before: record(), after: record() }, now)).toMatchObject({ event, name: 'web', time, container: { name: 'web', owner: 'alice' } });
    }
    expect(containerEvent({ event: { id: 'abc', action: 'die' }, before: record(), after: record({ state: 'exited', exitCode: 137, oomKilled: true }) }, now)).toEqual(
      expect.objectContaining({ event: 'died', exitCode: 137, oomKilled: true, time: '2026-11-29T12:00:00.000Z' }),
    );
    const removed = containerEvent({ event: { id: 'abc', action: 'destroy' }, before: record(), after: undefined }, now);
    expect(removed).toMatchObject({ event: 'removed', name: 'web' });
    expect(removed).not.toHaveProperty('container');
  });

  it('says nothing for actions nobody needs or containers out of view; a rename into view is a creation', () => {
    expect(containerEvent({ event: { id: 'abc', action: 'kill' }, before: record(), after: record() })).toBeUndefined();
    expect(containerEvent({ event: { id: 'abc', action: 'start' }, before: undefined, after: undefined })).toBeUndefined();
    expect(containerEvent({ event: { id: 'abc', action: 'rename' }, before: record(), after: record() })).toBeUndefined();
    expect(containerEvent({ event: { id: 'abc', action: 'rename' }, before: undefined, after: record() })).toMatchObject({ event: 'created', container: { state: 'running' } });
  });
});

describe('containerEvent of a replica beyond the first', () => {
  it('says which replica, and describes the container as D/list does (also for removed: a scale down)', () => {
    const first = record();
    const third = record({ id: 'r3', engineName: 'd.web._3', labels: { 'berth.owner': 'alice', 'berth.replica': '3' } });
    const removed = containerEvent({ event: { id: 'r3', action: 'destroy' }, before: third, after: undefined }, now, [first]);
    expect(removed).toMatchObject({ event: 'removed', name: 'web', replica: 3, container: { id: 'abc', replicas: { wanted: 1, running: 1 } } });
    const started = containerEvent({ event: { id: 'r3', action: 'start' }, before: third, after: third }, now, [first, third]);
    expect(started).toMatchObject({ event: 'started', replica: 3, container: { id: 'abc', replicas: { wanted: 2, running: 2 } } });
    // Replica 1 (or a container made before replicas) is told as before, without `replica`.
    expect(containerEvent({ event: { id: 'abc', action: 'start' }, before: first, after: first }, now, [first, third])).not.toHaveProperty('replica');
  });
});
