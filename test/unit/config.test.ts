import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config.js';
import { containerRouterUrl } from '../../src/container-router-url.js';

const R = 'ws://127.0.0.1:8080/ws';

describe('resolveConfig', () => {
  it('has the documented defaults and freezes the result', () => {
    const c = resolveConfig({ router: R }, {});
    expect(c).toMatchObject({ router: R, realm: 'realm1', domain: 'berth', logLevel: 'info' });
    expect(c.authid).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('layers file < environment < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'router: ws://file/ws\nrealm: fromfile\ndomain: fromfile\n');
    const c = resolveConfig({ domain: 'fromflag' }, { BERTH_REALM: 'fromenv', BERTH_DOMAIN: 'fromenv' }, file);
    expect(c).toMatchObject({ router: 'ws://file/ws', realm: 'fromenv', domain: 'fromflag' });
  });

  it.each([
    [{ router: 'http://x' }, /--router/],
    [{ router: R, domain: 'UPPER' }, /--domain/],
    [{ router: R, domain: 'a..b' }, /--domain/],
    [{ router: R, ticket: 't' }, /--authid .* required with a ticket/],
    [{ listen: '8080' }, /--listen/],
    [{ listen: '127.0.0.1:99999' }, /--listen/],
    [{ http: '8081' }, /--http \(BERTH_HTTP\)/],
    [{ http: '127.0.0.1:70000' }, /--http/],
    [{ publicRouterUrl: 'http://x/ws' }, /--public-router-url \(BERTH_PUBLIC_ROUTER_URL\)/],
  ])('names the bad option %#', (flags, message) => {
    expect(() => resolveConfig(flags, {})).toThrow(ConfigError);
    expect(() => resolveConfig(flags, {})).toThrow(message);
  });

  it('the dashboard: on by default, --http and --public-router-url from flags or environment', () => {
    expect(resolveConfig({}, {})).toMatchObject({ dashboard: true });
    expect(resolveConfig({}, {}).http).toBeUndefined();
    expect(resolveConfig({ http: '[::1]:8081' }, { BERTH_PUBLIC_ROUTER_URL: 'wss://fabric.example/ws' })).toMatchObject({ http: '[::1]:8081', publicRouterUrl: 'wss://fabric.example/ws' });
  });

  it('logs.maxLineBytes: 16384 by default, bounded, no unknown keys (the logs topic)', () => {
    expect(resolveConfig({ router: R }, {}).logs).toEqual({ maxLineBytes: 16_384 });
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = (text: string) => {
      const f = join(dir, `l${Math.random()}.yaml`);
      writeFileSync(f, text);
      return f;
    };
    expect(resolveConfig({}, {}, file('logs:\n  maxLineBytes: 1024\n')).logs.maxLineBytes).toBe(1024);
    expect(() => resolveConfig({}, {}, file('logs:\n  maxLineBytes: 10\n'))).toThrow(/logs\.maxLineBytes/);
    expect(() => resolveConfig({}, {}, file('logs:\n  maxLines: 10\n'))).toThrow(ConfigError);
  });

  it('tenancy: defaults, and users that would pass for a container or for every anonymous caller are refused', () => {
    const c = resolveConfig({ router: R }, {});
    expect(c).toMatchObject({ callers: 'owner', adminRoles: ['admin'], quotas: { containers: 50, builds: 2, replicas: 8 }, maxReplicas: 8, containers: { callAppliance: false } });
    expect(c.embeddedRouter).toMatchObject({ anonymous: true, tickets: {}, wampcra: {} });
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = (users: string) => {
      const f = join(dir, `c${Math.random()}.yaml`);
      writeFileSync(f, `embeddedRouter:\n  tickets:\n${users}`);
      return f;
    };
    expect(resolveConfig({}, {}, file('    alice: { secret: s, role: user }\n')).embeddedRouter.tickets).toEqual({ alice: { secret: 's', role: 'user' } });
    expect(() => resolveConfig({}, {}, file('    berth.web1: { secret: s, role: user }\n'))).toThrow(/containers' authids/);
    expect(() => resolveConfig({}, {}, file('    anonymous: { secret: s, role: user }\n'))).toThrow(/anonymous/);
    expect(() => resolveConfig({}, {}, file('    eve: { secret: s, role: container }\n'))).toThrow(/berth's own roles/);
    expect(() => resolveConfig({}, {}, file('    eve: { secret: s, role: berth }\n'))).toThrow(/berth's own roles/);
    // A bad user never echoes the users' secrets.
    expect(() => resolveConfig({}, {}, file('    alice: { secret: topsecret, role: user }\n    eve: { secret: s, role: berth }\n'))).not.toThrow(/topsecret/);
  });

  it('engine swarm: needs a registry, a container router URL that is not loopback, and swarm.probeImage', () => {
    expect(resolveConfig({}, {})).toMatchObject({ engine: 'docker', swarm: { nodes: {}, pollMs: 1000, startTimeoutSeconds: 120 } });
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 's.yaml');
    writeFileSync(file, 'swarm:\n  probeImage: 10.0.0.1:5000/busybox:1\n  nodes:\n    n1: unix:///run/n1.sock\n');
    const ok = { engine: 'swarm', registry: '10.0.0.1:5000', containerRouterUrl: 'ws://10.0.0.1:8080/ws' };
    expect(resolveConfig(ok, {}, file)).toMatchObject({ engine: 'swarm', registry: '10.0.0.1:5000', swarm: { nodes: { n1: 'unix:///run/n1.sock' } } });
    expect(() => resolveConfig({ engine: 'swarms' }, {})).toThrow(/--engine \(BERTH_ENGINE\)/);
    expect(() => resolveConfig({ ...ok, registry: undefined }, {}, file)).toThrow(/--registry .*required with --engine swarm/);
    expect(() => resolveConfig({ ...ok, containerRouterUrl: undefined }, {}, file)).toThrow(/--container-router-url .*required with --engine swarm/);
    expect(() => resolveConfig({ ...ok, containerRouterUrl: 'ws://127.0.0.1:8080/ws' }, {}, file)).toThrow(/not a loopback address/);
    expect(() => resolveConfig(ok, {})).toThrow(/swarm\.probeImage/);
    writeFileSync(file, 'swarm:\n  probeImage: x\n  nodes:\n    n1: tcp://10.0.0.2:2375\n');
    expect(() => resolveConfig(ok, {}, file)).toThrow(/swarm\.nodes.*unix:\/\/\/path or https/);
  });

  it('never echoes a ticket in an error', () => {
    expect(() => resolveConfig({ router: R, ticket: 's3cr3t' }, {})).toThrow(/--authid/);
    expect(() => resolveConfig({ router: R, ticket: 's3cr3t' }, {})).not.toThrow(/s3cr3t/);
    expect(() => resolveConfig({ router: R, authid: 'a' }, { BERTH_TICKET: 'x'.repeat(0) })).not.toThrow();
  });
});

describe('containerRouterUrl', () => {
  it('rewrites loopback hosts to the bridge alias', () => {
    expect(containerRouterUrl('ws://127.0.0.1:8080/ws')).toBe('ws://host.docker.internal:8080/ws');
    expect(containerRouterUrl('ws://localhost:9/ws')).toBe('ws://host.docker.internal:9/ws');
    expect(containerRouterUrl('wss://[::1]:9/ws')).toBe('wss://host.docker.internal:9/ws');
    expect(containerRouterUrl('wss://router.example:443/ws')).toBe('wss://router.example/ws');
  });
});
