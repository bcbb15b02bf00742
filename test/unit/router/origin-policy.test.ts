import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { embeddedRouterSchema } from '../../../src/tenancy/tenancy-config.js';
import { normalOrigin, originPolicy } from '../../../src/router/origin-policy.js';

/** Addresses an interface gains while berth runs (this machine's real interfaces stay as they are). */
const added: string[] = [];
vi.mock('node:os', async (original) => {
  const os = await original<typeof import('node:os')>();
  const extra = (address: string) => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: null }) as NetworkInterfaceInfo;
  return { ...os, networkInterfaces: () => ({ ...os.networkInterfaces(), test0: added.map(extra) }) };
});

describe('the WebSocket Origin policy', () => {
  it("allows the dashboard's listener by its literal address and localhost, nothing else derived", () => {
    const allow = originPolicy([{ host: '127.0.0.1', port: 8080 }]);
    for (const o of ['http://127.0.0.1:8080', 'http://localhost:8080', 'HTTP://LOCALHOST:8080', 'https://127.0.0.1:8080']) expect(allow(o), o).toBe(true);
    for (const o of ['http://127.0.0.1:8081', 'http://127.0.0.2:8080', 'http://evil.example.com', 'http://127.0.0.1:8080.evil.example.com', 'null', '', 'file://', 'chrome-extension://abc']) expect(allow(o), o).toBe(false);
  });

  it('adds configured origins exactly (default ports folded) and never everything', () => {
    const allow = originPolicy([], ['https://ops.example.com', 'http://10.0.0.5:80']);
    expect(allow('https://ops.example.com')).toBe(true);
    expect(allow('https://ops.example.com:443')).toBe(true);
    expect(allow('http://10.0.0.5')).toBe(true);
    expect(allow('http://ops.example.com')).toBe(false);
    expect(allow('https://sub.ops.example.com')).toBe(false);
    expect(originPolicy([])('http://127.0.0.1:8080')).toBe(false);
  });

  it('for a wildcard listener, allows the addresses of this machine', () => {
    const allow = originPolicy([{ host: '0.0.0.0', port: 9000 }]);
    expect(allow('http://127.0.0.1:9000')).toBe(true);
    expect(allow('http://localhost:9000')).toBe(true);
    expect(allow('http://203.0.113.9:9000')).toBe(false);
  });

  it('for a wildcard listener, an address an interface gains after start is allowed from then on', () => {
    const allow = originPolicy([{ host: '0.0.0.0', port: 9000 }]);
    expect(allow('http://198.51.100.7:9000')).toBe(false);
    added.push('198.51.100.7');
    expect(allow('http://198.51.100.7:9000')).toBe(true);
    expect(allow('http://198.51.100.7:9001')).toBe(false);
    added.length = 0;
    expect(allow('http://198.51.100.7:9000')).toBe(false);
  });

  it('config: allowedOrigins takes origins only', () => {
    expect(embeddedRouterSchema.parse({}).allowedOrigins).toEqual([]);
    expect(embeddedRouterSchema.parse({ allowedOrigins: ['http://127.0.0.1:3000'] }).allowedOrigins).toEqual(['http://127.0.0.1:3000']);
    for (const bad of ['*', 'http://x/path', 'ws://127.0.0.1:3000', 'example.com', 'http://x?q']) expect(() => embeddedRouterSchema.parse({ allowedOrigins: [bad] }), bad).toThrow(/must be origins/);
    expect(normalOrigin('http://[::1]:8080')).toBe('http://[::1]:8080');
  });
});
