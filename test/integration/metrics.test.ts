import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, makeImage, testDomain } from '../helpers/docker.js';
import { freePort } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const run = promisify(execFile);

interface Family {
  name: string;
  type: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** Prometheus's own Python client (Debian's python3-prometheus-client) parses the text: an independent reader of the format. */
const PARSER = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "help": f.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]})
print(json.dumps(out))
`;

async function parse(text: string): Promise<Family[]> {
  const child = run('/usr/bin/python3', ['-c', PARSER], { timeout: 20_000, maxBuffer: 16 * 1024 * 1024 });
  child.child.stdin!.end(text);
  return JSON.parse((await child).stdout) as Family[];
}

function sample(families: Family[], name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}

const TOKEN = 'metrics-test-token-7f3a9c2e51';

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return fetch(url, { headers, method, signal: AbortSignal.timeout(10_000) });
}

describe('GET /metrics on the embedded router\'s listener', { timeout: 180_000 }, () => {
  const D = testDomain('metr');
  const dir = mkdtempSync(join(tmpdir(), 'berth-metrics-'));
  let berth: BerthProcess;
  let client: WampClient;
  let base: string;

  beforeAll(async () => {
    await makeImage(D, 'bb');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = join(dir, 'berth.yaml');
    writeFileSync(config, `metrics:\n  enabled: true\n  token: ${TOKEN}\n`);
    berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D, '--config', config]);
    client = await WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    await client.call(`${D}/create`, ['bb', 'm1']);
    await client.call(`${D}/list`);
    expect((await client.callError(`${D}/remove`, ['nosuchcontainer'])).error).toBe('berth.error.not_found');
    await client.call(`${D}/m1/inspect`);
  });
  afterAll(async () => {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers with the token: every family has HELP and TYPE, and the counts are what the test did', async () => {
    const res = await get(`${base}/metrics`, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const families = await parse(text);
    expect(families.length).toBeGreaterThan(15);
    for (const f of families) {
      expect(f.type, f.name).not.toBe('unknown');
      expect(f.help, f.name).not.toBe('');
      expect(f.name, f.name).toMatch(/^berth_/);
    }
    expect(sample(families, 'berth_calls_total', { procedure: 'create', outcome: 'ok' })).toBe(1);
    expect(sample(families, 'berth_calls_total', { procedure: 'list', outcome: 'ok' })).toBe(1);
    expect(sample(families, 'berth_calls_total', { procedure: 'remove', outcome: 'berth.error.not_found' })).toBe(1);
    expect(sample(families, 'berth_calls_total', { procedure: 'container/inspect', outcome: 'ok' })).toBe(1);
    expect(sample(families, 'berth_call_duration_seconds_count', { procedure: 'create' })).toBe(1);
    expect(sample(families, 'berth_container_up', { name: 'm1' })).toBe(1);
    expect(sample(families, 'berth_container_restarts', { name: 'm1' })).toBe(0);
    expect(sample(families, 'berth_container_health', { name: 'm1', status: 'none' })).toBe(1);
    expect(sample(families, 'berth_container_health', { name: 'm1', status: 'healthy' })).toBe(0);
    expect(sample(families, 'berth_router_sessions')).toBeGreaterThanOrEqual(1);
    expect(sample(families, 'berth_router_messages_total', { direction: 'in' })).toBeGreaterThanOrEqual(5);
    expect(sample(families, 'berth_router_bytes_total', { direction: 'out' })).toBeGreaterThan(100);
    expect(sample(families, 'berth_router_queued_bytes')).toBeGreaterThanOrEqual(0);
    expect(sample(families, 'berth_engine_request_duration_seconds_count', { operation: 'createContainer' })).toBe(1);
    expect(sample(families, 'berth_limit_refusals_total', { limit: 'connections' })).toBe(0);
    expect(sample(families, 'berth_builds_total')).toBeUndefined(); // no build ran: no outcome series yet
    expect(families.some((f) => f.name === 'berth_process_cpu_seconds')).toBe(true);
    // What a caller sent is never a label value: the missing container's name appears nowhere.
    expect(text).not.toContain('nosuchcontainer');
  });

  it('answers HEAD like GET without a body, and refuses other methods', async () => {
    const head = await get(`${base}/metrics`, { authorization: `Bearer ${TOKEN}` }, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get(`${base}/metrics`, { authorization: `Bearer ${TOKEN}` }, 'POST')).status).toBe(405);
  });

  it('answers 401 with WWW-Authenticate: Bearer without the token or with a wrong one', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }]) {
      const res = await get(`${base}/metrics`, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      expect(await res.text()).not.toContain('berth_');
    }
  });

  it('still serves the dashboard beside it', async () => {
    expect((await get(`${base}/config.json`)).status).toBe(200);
  });

  it('never writes the token to its log', async () => {
    await berth.stop();
    expect(berth.stdout + berth.stderr).not.toContain(TOKEN);
  });
});

describe('GET /metrics when metrics are off', { timeout: 120_000 }, () => {
  const D = testDomain('metr');
  let berth: BerthProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D]);
  });
  afterAll(async () => {
    await berth?.stop();
    await cleanDomain(D);
  });

  it('answers 404, as for any unknown path, token or not', async () => {
    expect((await get(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    expect((await get(`http://127.0.0.1:${port}/metrics`, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
  });
});

describe('GET /metrics on --http, with the dashboard off', { timeout: 120_000 }, () => {
  const D = testDomain('metr');
  const dir = mkdtempSync(join(tmpdir(), 'berth-metrics-http-'));
  let berth: BerthProcess;
  let listen: number;
  let http: number;

  beforeAll(async () => {
    [listen, http] = [await freePort(), await freePort()];
    const config = join(dir, 'berth.yaml');
    writeFileSync(config, `dashboard: false\nmetrics:\n  enabled: true\n  token: ${TOKEN}\n`);
    berth = await BerthProcess.start(['--listen', `127.0.0.1:${listen}`, '--http', `127.0.0.1:${http}`, '--domain', D, '--config', config]);
  });
  afterAll(async () => {
    await berth?.stop();
    await cleanDomain(D);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /metrics there alone (every other path 404), not on --listen', async () => {
    const res = await get(`http://127.0.0.1:${http}/metrics`, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    const families = await parse(await res.text());
    expect(sample(families, 'berth_router_sessions')).toBeGreaterThanOrEqual(0);
    expect((await get(`http://127.0.0.1:${http}/`)).status).toBe(404);
    expect((await get(`http://127.0.0.1:${listen}/metrics`, { authorization: `Bearer ${TOKEN}` })).status).toBe(426);
  });
});
