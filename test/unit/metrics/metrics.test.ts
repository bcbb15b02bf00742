import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../../../src/engine/container-record.js';
import { createMetrics, NO_METRICS } from '../../../src/metrics/metrics.js';
import { RouterStats } from '../../../src/router/router-stats.js';

const record = (name: string, state: string, health: string | null, restartCount?: number, engineName = `d.${name}`) =>
  ({ name, engineName, state, health, restartCount }) as unknown as ContainerRecord;

/** The value of the line `name{labels} value` in the exposition text, or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createMetrics', () => {
  it('is a no-op when disabled (nothing collected, no registry)', async () => {
    const m = createMetrics({ enabled: false }, 'd');
    expect(m).toBe(NO_METRICS);
    m.callAnswered('d/create', 'ok', 0.1);
    expect(await m.scrape()).toBe('');
  });

  it('counts calls per procedure and outcome; names from callers never become labels', async () => {
    const m = createMetrics({ enabled: true }, 'd');
    m.knowProcedures(['create', 'remove']);
    m.callAnswered('d/create', 'ok', 0.2);
    m.callAnswered('d/remove', 'berth.error.not_found', 0.01);
    m.callAnswered('d/made-up-name/start', 'ok', 0.01);
    m.callAnswered('d/made-up-name/made-up-op', 'com.made.up', 0.01);
    const text = await m.scrape();
    expect(value(text, 'berth_calls_total{procedure="create",outcome="ok"}')).toBe(1);
    expect(value(text, 'berth_calls_total{procedure="remove",outcome="berth.error.not_found"}')).toBe(1);
    expect(value(text, 'berth_calls_total{procedure="container/start",outcome="ok"}')).toBe(1);
    expect(value(text, 'berth_calls_total{procedure="other",outcome="other"}')).toBe(1);
    expect(value(text, 'berth_call_duration_seconds_count{procedure="create"}')).toBe(1);
    expect(text).not.toContain('made-up');
  });

  it('gives per-container series only for the index\'s containers, and drops them when a container goes', async () => {
    const m = createMetrics({ enabled: true }, 'd');
    let containers = [record('web', 'running', 'healthy', 2), record('job', 'exited', null, 0)];
    m.watchContainers(() => containers);
    let text = await m.scrape();
    expect(value(text, 'berth_container_up{name="web"}')).toBe(1);
    expect(value(text, 'berth_container_up{name="job"}')).toBe(0);
    expect(value(text, 'berth_container_restarts{name="web"}')).toBe(2);
    expect(value(text, 'berth_container_health{name="web",status="healthy"}')).toBe(1);
    expect(value(text, 'berth_container_health{name="web",status="unhealthy"}')).toBe(0);
    expect(value(text, 'berth_container_health{name="job",status="none"}')).toBe(1);
    containers = [record('job', 'exited', null, 0)];
    text = await m.scrape();
    expect(text).not.toContain('name="web"');
  });

  it('counts a container being replaced once, as the one that serves under its name', async () => {
    const m = createMetrics({ enabled: true }, 'd');
    m.watchContainers(() => [record('web', 'created', null, 0, 'd.web-replacement-1'), record('web', 'running', null, 5), record('web', 'exited', null, 0, 'd.web-replacement-2')]);
    const text = await m.scrape();
    expect(value(text, 'berth_container_up{name="web"}')).toBe(1);
    expect(value(text, 'berth_container_restarts{name="web"}')).toBe(5);
    expect(text.split('\n').filter((l) => l.startsWith('berth_container_up{'))).toHaveLength(1);
  });

  it('reads the router\'s plain counters at scrape time, and counts refusals by limit', async () => {
    const m = createMetrics({ enabled: true }, 'd');
    const stats = new RouterStats();
    m.watchRouter(() => ({ stats, sessions: 3, queuedBytes: 42 }));
    stats.messagesIn += 10;
    stats.bytesOut += 1234;
    stats.refusals.connections += 2;
    m.callAnswered('d/create', 'berth.error.quota_exceeded', 0.01);
    m.callAnswered('d/list', 'berth.error.too_large', 0.01);
    const text = await m.scrape();
    expect(value(text, 'berth_router_messages_total{direction="in"}')).toBe(10);
    expect(value(text, 'berth_router_bytes_total{direction="out"}')).toBe(1234);
    expect(value(text, 'berth_router_sessions')).toBe(3);
    expect(value(text, 'berth_router_queued_bytes')).toBe(42);
    expect(value(text, 'berth_limit_refusals_total{limit="connections"}')).toBe(2);
    expect(value(text, 'berth_limit_refusals_total{limit="quota"}')).toBe(1);
    expect(value(text, 'berth_limit_refusals_total{limit="max_result_bytes"}')).toBe(1);
    stats.messagesIn += 5;
    expect(value(await m.scrape(), 'berth_router_messages_total{direction="in"}')).toBe(15);
  });

  it('records builds and engine requests with bounded labels', async () => {
    const m = createMetrics({ enabled: true }, 'd');
    m.buildFinished('ok', 12);
    m.buildFinished('berth.error.clone_failed', 1);
    m.engineRequest('fetchContainer', 0.003);
    m.engineRequest('GET /containers/abc/json', 0.003);
    const text = await m.scrape();
    expect(value(text, 'berth_builds_total{outcome="ok"}')).toBe(1);
    expect(value(text, 'berth_builds_total{outcome="berth.error.clone_failed"}')).toBe(1);
    expect(value(text, 'berth_build_duration_seconds_count')).toBe(2);
    expect(value(text, 'berth_engine_request_duration_seconds_count{operation="fetchContainer"}')).toBe(1);
    expect(value(text, 'berth_engine_request_duration_seconds_count{operation="other"}')).toBe(1);
  });

  it('gives every metric HELP and TYPE and the berth_ prefix (process metrics included)', async () => {
    const text = await createMetrics({ enabled: true }, 'd').scrape();
    const names = new Set(text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]));
    const helped = new Set(text.split('\n').filter((l) => l.startsWith('# HELP ')).map((l) => l.split(' ')[2]));
    expect(names.size).toBeGreaterThan(15);
    expect(helped).toEqual(names);
    for (const n of names) expect(n).toMatch(/^berth_/);
    expect(names).toContain('berth_process_cpu_seconds_total');
  });
});
