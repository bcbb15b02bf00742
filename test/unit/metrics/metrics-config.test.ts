import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../../src/config.js';
import { startDashboard } from '../../../src/daemon/start-dashboard.js';
import { createLogger } from '../../../src/log.js';
import { createMetrics } from '../../../src/metrics/metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-metrics-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fromFile(yaml: string, flags: Record<string, string> = {}) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return resolveConfig(flags, {}, file);
}

describe('config metrics', () => {
  it('is off by default', () => {
    expect(resolveConfig({}, {}).metrics).toEqual({ enabled: false });
  });

  it('needs a token of at least 16 characters when enabled, and says so without echoing it', () => {
    expect(() => fromFile('metrics: {enabled: true}\n')).toThrow(ConfigError);
    expect(() => fromFile('metrics: {enabled: true}\n')).toThrow('invalid option config key metrics.token: is required with metrics.enabled');
    let message = '';
    try {
      fromFile('metrics: {enabled: true, token: short-secret}\n');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('metrics.token: must be at least 16 characters');
    expect(message).not.toContain('short-secret');
    expect(() => fromFile('metrics: {enabled: true, token: "has a space in it 123"}\n')).toThrow('printable ASCII');
    expect(() => fromFile('metrics: {enabled: true, token: x, what: 1}\n')).toThrow(ConfigError);
    expect(fromFile('metrics: {enabled: true, token: 0123456789abcdef}\n').metrics).toEqual({ enabled: true, token: '0123456789abcdef' });
  });

  it('never logs the token (redacted wherever a token field appears)', () => {
    let out = '';
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => ((out += chunk.toString()), cb()) });
    const log = createLogger('info', sink);
    log.info({ metrics: { enabled: true, token: '0123456789abcdef' } }, 'config');
    expect(out).not.toContain('0123456789abcdef');
  });

  it('warns once at start when enabled with an external router and no --http (nothing serves /metrics)', async () => {
    const config = fromFile('metrics: {enabled: true, token: 0123456789abcdef}\n', { router: 'ws://127.0.0.1:9/ws' });
    let out = '';
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => ((out += chunk.toString()), cb()) });
    const served = await startDashboard(config, undefined, config.router!, createLogger('info', sink), createMetrics(config.metrics, config.domain));
    expect(served).toBeUndefined();
    const warns = out.split('\n').filter((l) => l.includes('"level":40'));
    expect(warns).toHaveLength(1);
    expect(warns[0]).toContain('metrics are enabled but nothing serves GET /metrics');
  });
});
