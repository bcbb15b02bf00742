import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTags } from '../helpers/build-helpers.js';
import { BUSYBOX_IMAGE, cleanDomain, testDomain } from '../helpers/docker.js';
import { GitServer } from '../helpers/git-server.js';
import { nexusSkip, ON_NEXUS, ROUTER_KIND } from '../helpers/test-router.js';
import { waitFor } from '../helpers/wait-for.js';
import { startTenantBerth, USERS, type TenantBerth } from '../helpers/tenant-berth.js';
import { WampClient } from '../helpers/wamp-client.js';

/**
 * The logs topic `D/<name>/logs`. While the topic has a subscriber berth follows the container's output and publishes each
 * line within 1 s, to the owner and admins only; with none it holds no engine stream (told by its debug lines
 * "following logs" / "stopped following logs"); it goes on across a restart without telling a line twice.
 */
const D = testDomain('logs');
const dir = mkdtempSync(join(tmpdir(), 'berth-logs-'));
// A line on stdout and one on stderr every 200 ms; TERM ends it at once.
const RUNS = `Base: busybox\nCommand: 'trap "exit 0" TERM; i=0; while true; do i=$((i+1)); echo "out $i"; echo "err $i" >&2; sleep 0.2; done'\n`;
type Line = { stream: 'stdout' | 'stderr'; line: string; time: string; at: number };
type Who = 'alice' | 'bob' | 'root';

let git: GitServer;
let tenant: TenantBerth;
const clients: Record<Who, WampClient> = {} as never;
const seen: Record<Who, Line[]> = { alice: [], bob: [], root: [] };
const subs: Partial<Record<Who, autobahn.ISubscription>> = {};
const topic = `${D}/w1/logs`;

/** berth's debug lines about following w1's logs, in order. */
const follows = () => tenant.berth.lines.filter((l) => l.name === 'w1' && (l.msg === 'following logs' || l.msg === 'stopped following logs'));
const isFollowing = () => follows().at(-1)?.msg === 'following logs';

async function subscribe(who: Who): Promise<void> {
  subs[who] = await clients[who].session.subscribe(topic, (args?: unknown[]) => void seen[who].push({ ...(args![0] as Omit<Line, 'at'>), at: Date.now() }));
}

describe(`D/<name>/logs (${ROUTER_KIND})`, { timeout: 300_000 }, () => {
  beforeAll(async () => {
    git = await GitServer.start();
    git.addRepo('app', { 'Run.yaml': RUNS });
    const common = { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } };
    tenant = await startTenantBerth(ROUTER_KIND, D, dir, common);
    for (const who of USERS) clients[who] = await tenant.connect(who);
    await clients.alice.call(`${D}/build`, ['app', git.url('app')]);
    await clients.alice.call(`${D}/create`, ['app', 'w1']);
  });

  afterAll(async () => {
    for (const c of Object.values(clients)) await c?.close();
    await tenant?.[Symbol.asyncDispose]();
    await cleanDomain(D);
    await removeTags(D);
    await git?.[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no subscriber: berth holds no engine stream for the container', async () => {
    await new Promise((r) => setTimeout(r, 1_000));
    expect(follows()).toEqual([]);
  });

  it('the owner subscribes: lines of both streams reach it within 1 s, with the engine time', async () => {
    const from = Date.now();
    await subscribe('alice');
    await waitFor('lines at alice', () => seen.alice.length >= 10, 15_000);
    expect(seen.alice[0]!.at - from, 'first line after subscribing').toBeLessThan(2_000);
    expect(isFollowing()).toBe(true);
    expect(seen.alice.some((l) => l.stream === 'stdout' && /^out \d+$/.test(l.line))).toBe(true);
    expect(seen.alice.some((l) => l.stream === 'stderr' && /^err \d+$/.test(l.line))).toBe(true);
    const late = seen.alice.map((l) => l.at - Date.parse(l.time)).sort((a, b) => a - b);
    expect(late[Math.floor(late.length * 0.9)], `delays ${late.join(',')}`).toBeLessThan(1_000);
  });

  it.skipIf(ON_NEXUS)(nexusSkip("another user's subscription is refused; an admin's is allowed and gets the lines", 'tickets'), async () => {
    const refused = await clients.bob.session.subscribe(topic, () => undefined).then(() => 'accepted', (e: autobahn.Error) => e.error);
    expect(refused).toBe('wamp.error.not_authorized');
    const pattern = await clients.bob.session.subscribe(`${D}/`, () => undefined, { match: 'prefix' }).then(() => 'accepted', (e: autobahn.Error) => e.error);
    expect(pattern).toBe('wamp.error.not_authorized');
    await subscribe('root');
    await waitFor('lines at root', () => seen.root.length >= 3, 15_000);
    expect(seen.bob).toEqual([]);
    // Two subscribers, still one engine stream.
    expect(follows().filter((l) => l.msg === 'following logs')).toHaveLength(1);
  });

  it('a restart: lines keep coming from the new process, none told twice', async () => {
    // Counted from before the call: the new process's first lines may reach alice before the call's answer does.
    const before = seen.alice.length;
    const outs = (from: number) => seen.alice.slice(from).flatMap((l) => (l.stream === 'stdout' ? [Number(l.line.split(' ')[1])] : []));
    expect(Math.max(...outs(0)), 'the old counter is past 3').toBeGreaterThan(3);
    await clients.alice.call(`${D}/w1/restart`);
    // The counter starts again at 1 in the restarted process.
    await waitFor('lines after the restart', () => outs(before).includes(3), 30_000);
    // None of the new process's lines is missed: its counter is told from 1 on, in order.
    const fresh = outs(before);
    const restartAt = fresh.indexOf(1);
    expect(fresh.slice(restartAt, fresh.indexOf(3) + 1)).toEqual([1, 2, 3]);
    // The engine ended the stream at the stop; berth followed again at the start.
    expect(follows().filter((l) => l.msg === 'following logs').length).toBeGreaterThanOrEqual(2);
    const keys = seen.alice.map((l) => `${l.stream} ${l.time} ${l.line}`);
    expect(new Set(keys).size, 'a line told twice').toBe(keys.length);
    expect(isFollowing()).toBe(true);
  });

  // Starts from the admin's subscription that the test before made.
  it.skipIf(ON_NEXUS)(nexusSkip('the last subscriber gone: berth stops following within 5 s and publishes no more', 'tickets'), async () => {
    await clients.root.session.unsubscribe(subs.root!);
    await new Promise((r) => setTimeout(r, 500));
    expect(isFollowing(), 'one subscriber is left').toBe(true);
    const left = Date.now();
    await clients.alice.session.unsubscribe(subs.alice!);
    await waitFor('berth to stop following', () => !isFollowing(), 5_000, 50);
    expect(Date.now() - left).toBeLessThan(5_000);
    expect(follows().at(-1)).toMatchObject({ msg: 'stopped following logs', reason: 'no subscriber' });
    const told = seen.alice.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(seen.alice.length, 'lines after unsubscribing').toBe(told);
    // A subscriber that leaves with its session counts too: a new one follows again, its session closing stops it.
    const count = follows().length;
    await subscribe('root');
    await waitFor('following again', () => follows().length > count && isFollowing(), 10_000);
    await clients.root.close();
    await waitFor('berth to stop following after the session left', () => !isFollowing(), 5_000, 50);
  });
});
