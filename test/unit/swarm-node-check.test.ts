import { describe, expect, it } from 'vitest';
import type { SwarmNode } from '../../src/engine/swarm-api.js';
import { readProbe, swarmPorts } from '../../src/engine/swarm-node-check.js';

const STATUS = (nnp: 0 | 1) => `Name:\tcat\nUmask:\t0022\nState:\tR (running)\nNoNewPrivs:\t${nnp}\nSeccomp:\t2\n`;

describe('the start check of a swarm node', () => {
  it("the swarm's ports: every node's gossip port and each manager's API port, once each, no unspecified address", () => {
    const nodes: SwarmNode[] = [
      { ID: 'm', Status: { State: 'ready', Addr: '10.0.0.10' }, ManagerStatus: { Addr: '10.0.0.10:2377' } },
      { ID: 'w1', Status: { State: 'ready', Addr: '10.0.0.11' } },
      { ID: 'w2', Status: { State: 'down', Addr: '10.0.0.11' } },
      { ID: 'w3', Status: { State: 'ready', Addr: '0.0.0.0' } },
      { ID: 'm6', Status: { State: 'ready', Addr: 'fd00::1' }, ManagerStatus: { Addr: '[fd00::1]:4000' } },
    ];
    expect(swarmPorts(nodes)).toEqual([
      ['10.0.0.10', 7946],
      ['10.0.0.10', 2377],
      ['10.0.0.11', 7946],
      ['fd00::1', 7946],
      ['fd00::1', 4000],
    ]);
  });

  it('a node that enforces no-new-privileges and whose tasks reach no swarm port: no problem', () => {
    expect(readProbe(STATUS(1), true)).toEqual([]);
    expect(readProbe(STATUS(1), false)).toEqual([]);
  });

  it('no-new-privileges missing or unreadable', () => {
    expect(readProbe(STATUS(0), false)).toEqual([expect.stringMatching(/^its daemon does not enforce no-new-privileges/)]);
    expect(readProbe('cat: can\'t open', false)).toEqual(['the check could not read NoNewPrivs from /proc/self/status']);
  });

  it('open ports are named, sorted, in one problem that says what to do; ignored when the ports check is off', () => {
    const out = `${STATUS(1)}berth-open 10.0.0.11:7946\nberth-open 10.0.0.10:2377\n`;
    const [problem, ...rest] = readProbe(out, true);
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^its tasks reach the swarm's own ports \(10\.0\.0\.10:2377, 10\.0\.0\.11:7946\)/);
    expect(problem).toContain('docker_gwbridge');
    expect(problem).toContain('swarm.checkPorts: false');
    expect(readProbe(out, false)).toEqual([]);
  });

  it('an image without nc cannot check the ports: said so, with no-new-privileges still read', () => {
    expect(readProbe(`${STATUS(0)}berth-no-nc\n`, true)).toEqual([
      expect.stringMatching(/no-new-privileges/),
      "swarm.probeImage has no busybox nc to check the swarm's ports with (use a busybox image)",
    ]);
  });
});
