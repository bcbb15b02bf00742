import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTags } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, docker, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { nexusSkip, ON_NEXUS, ROUTER_KIND } from '../helpers/test-router.js';
import { waitFor } from '../helpers/wait-for.js';
import { startTenantBerth, USERS, type TenantBerth } from '../helpers/tenant-berth.js';
import { WampClient } from '../helpers/wamp-client.js';

/**
 * The events topic `D/events`, one event per change of a managed container or image, from the engine's event stream, to those
 * who may see the item (ownership): Alice's events reach Alice and the admin, never Bob.
 */
const D = testDomain('evt');
const dir = mkdtempSync(join(tmpdir(), 'berth-events-'));
const RUNS = 'Base: busybox\nCommand: trap "exit 0" TERM; while true; do sleep 1; done\n';
type Event = { event: string; name: string; time: string; container?: { name: string; state: string; owner: string }; exitCode?: number | null; oomKilled?: boolean; image?: { name: string } };

let git: GitServer;
let tenant: TenantBerth;
const clients: Record<'alice' | 'bob' | 'root', WampClient> = {} as never;
const seen: Record<'alice' | 'bob' | 'root', Event[]> = { alice: [], bob: [], root: [] };

/** Whether `want` occurs in `events` in this order (other events may come between). */
function inOrder(events: Event[], want: string[]): boolean {
  let i = 0;
  for (const e of events) if (e.event === want[i]) i++;
  return i === want.length;
}

describe(`D/events (${ROUTER_KIND})`, { timeout: 300_000 }, () => {
  beforeAll(async () => {
    git = await GitServer.start();
    git.addRepo('app', { 'Run.yaml': RUNS });
    const common = { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } };
    tenant = await startTenantBerth(ROUTER_KIND, D, dir, common);
    for (const who of USERS) {
      clients[who] = await tenant.connect(who);
      await clients[who].session.subscribe(`${D}/events`, (args?: unknown[]) => void seen[who].push(args![0] as Event));
    }
  });

  afterAll(async () => {
    for (const c of Object.values(clients)) await c?.close();
    await tenant?.[Symbol.asyncDispose]();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a container driven by another client: image-built, created, started, died, stopped, removed, in order, with the dicts', async () => {
    const { alice } = clients;
    await alice.call(`${D}/build`, ['app', git.url('app')]);
    await alice.call(`${D}/create`, ['app', 'w1']);
    await alice.call(`${D}/w1/stop`);
    await alice.call(`${D}/remove`, ['w1']);
    await waitFor('removed at alice', () => seen.alice.some((e) => e.event === 'removed' && e.name === 'w1'), 15_000);
    const mine = seen.alice.filter((e) => e.name === 'w1');
    expect(inOrder(seen.alice, ['image-built', 'created', 'started', 'died', 'stopped', 'removed']), JSON.stringify(seen.alice.map((e) => e.event))).toBe(true);
    expect(seen.alice.find((e) => e.event === 'image-built')).toMatchObject({ name: 'app', image: { name: 'app' } });
    // nexus has no ticket users: alice joins anonymous there, and every anonymous caller is one owner.
    expect(mine.find((e) => e.event === 'created')).toMatchObject({ container: { name: 'w1', owner: ON_NEXUS ? 'anonymous' : 'alice' } });
    expect(mine.find((e) => e.event === 'started')).toMatchObject({ container: { state: 'running' } });
    expect(mine.find((e) => e.event === 'died')).toMatchObject({ exitCode: 0, oomKilled: false });
    expect(mine.find((e) => e.event === 'removed')!.container).toBeUndefined();
    for (const e of mine) expect(Number.isNaN(Date.parse(e.time))).toBe(false);
  });

  it('changes made out-of-band (the Docker CLI) are events too', async () => {
    const { alice } = clients;
    await alice.call(`${D}/create`, ['app', 'w2']);
    const from = seen.alice.length;
    await docker('kill', `${D}.w2`);
    await waitFor('died after docker kill', () => seen.alice.slice(from).find((e) => e.event === 'died' && e.name === 'w2'), 15_000);
    expect(seen.alice.slice(from).find((e) => e.event === 'died')).toMatchObject({ name: 'w2', exitCode: 137 });
    await alice.call(`${D}/remove`, ['w2']);
    await alice.call(`${D}/removeImage`, ['app']);
    await waitFor('image-removed', () => seen.alice.find((e) => e.event === 'image-removed' && e.name === 'app'), 15_000);
  });

  it.skipIf(ON_NEXUS)(nexusSkip('another owner sees none of them; the admin sees them all', 'tickets'), async () => {
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.bob).toEqual([]);
    expect(seen.root.map((e) => [e.event, e.name])).toEqual(seen.alice.map((e) => [e.event, e.name]));
  });
});
