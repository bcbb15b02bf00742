import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { LogsTopic } from '../../../src/appliance/logs-topic.js';
import type { IndexChange } from '../../../src/engine/container-index.js';
import type { ContainerRecord, LogLine, LogStream } from '../../../src/engine/engine.js';
import { LABELS } from '../../../src/engine/labels.js';
import { createLogger } from '../../../src/log.js';
import type { EventHandler } from '../../../src/wamp/subscriptions.js';
import type { PublishOptions, WampSession } from '../../../src/wamp/wamp-session.js';
import { waitFor } from '../../helpers/wait-for.js';

const D = 'berth';
const record = (name: string, state = 'running', owner = 'alice'): ContainerRecord =>
  ({ id: `id-${name}-${state}`, name, state, labels: { [LABELS.owner]: owner } }) as unknown as ContainerRecord;

/** A followed stream the test drives: lines in, end as when the container stops. */
class FakeStream implements LogStream {
  closed = false;
  private settle!: (err: Error | undefined) => void;
  readonly ended = new Promise<Error | undefined>((r) => (this.settle = r));
  constructor(
    readonly id: string,
    readonly sinceSeconds: number,
    private readonly onLine: (l: LogLine) => void,
  ) {}
  line(line: string, time: string, stream: 'stdout' | 'stderr' = 'stdout') {
    if (!this.closed) this.onLine({ stream, line, time });
  }
  end() {
    this.settle(undefined);
  }
  close() {
    this.closed = true;
    this.settle(undefined);
  }
}

class FakeIndex extends EventEmitter<{ change: [IndexChange] }> {
  readonly records = new Map<string, ContainerRecord>();
  getByName(name: string) {
    return this.records.get(name);
  }
  getAll() {
    return [...this.records.values()];
  }
  set(r: ContainerRecord, action?: string) {
    this.records.set(r.name, r);
    if (action) this.emit('change', { event: { id: r.id, action }, before: undefined, after: r });
  }
}

class FakeMetaSession {
  readonly handlers = new Map<string, EventHandler>();
  readonly joined: (() => void)[] = [];
  readonly published: { topic: string; args: unknown[]; options?: PublishOptions }[] = [];
  /** What the router's meta API answers. */
  subscriptions = new Map<number, { id: number; uri: string; match: string }>();
  async subscribe(topic: string, handler: EventHandler) {
    this.handlers.set(topic, handler);
  }
  onJoined(l: () => void) {
    this.joined.push(l);
  }
  async call(uri: string, args: unknown[] = []) {
    if (uri === 'wamp.subscription.match') {
      const ids = [...this.subscriptions.values()].filter((s) => s.uri === args[0]).map((s) => s.id);
      return ids.length ? ids : null;
    }
    if (uri === 'wamp.subscription.get') return this.subscriptions.get(args[0] as number);
    throw new Error(`unexpected call ${uri}`);
  }
  async publish(topic: string, args: unknown[], _k?: unknown, options?: PublishOptions) {
    this.published.push({ topic, args, options });
  }
  create(id: number, uri: string, match = 'exact') {
    this.subscriptions.set(id, { id, uri, match });
    this.handlers.get('wamp.subscription.on_create')!([1, { id, uri, match, created: 'now' }], {});
  }
  delete(id: number) {
    this.subscriptions.delete(id);
    this.handlers.get('wamp.subscription.on_delete')!([null, id], {});
  }
}

function world(maxLineBytes = 1024) {
  const index = new FakeIndex();
  const session = new FakeMetaSession();
  const streams: FakeStream[] = [];
  const engine = {
    followLogs: async (id: string, o: { sinceSeconds: number }, onLine: (l: LogLine) => void) => {
      const s = new FakeStream(id, o.sinceSeconds, onLine);
      streams.push(s);
      return s;
    },
  };
  const topic = new LogsTopic({
    domain: D,
    index: index as never,
    engine,
    session: session as unknown as WampSession,
    tenancy: { callers: 'owner', adminRoles: ['admin'] },
    maxLineBytes,
    log: createLogger('silent'),
  });
  topic.start();
  const open = () => streams.filter((s) => !s.closed);
  return { index, session, streams, open, topic };
}

const later = (ms: number) => new Date(Date.now() + ms).toISOString();
let current: ReturnType<typeof world> | undefined;
afterEach(() => current?.topic.stop());

describe('LogsTopic (D/<name>/logs follows a container only while someone listens)', () => {
  it('no subscriber: no engine stream; the first subscriber opens one, lines go to the owner and admins only', async () => {
    const w = (current = world());
    w.index.set(record('web'));
    w.index.set(record('other'));
    expect(w.streams).toHaveLength(0);
    w.session.create(11, `${D}/web/logs`);
    await waitFor('a stream', () => w.open().length === 1, 2_000, 5);
    expect(w.open()[0]!.id).toBe('id-web-running');
    w.open()[0]!.line('hello', later(100));
    await waitFor('published', () => w.session.published.length > 0, 2_000, 5);
    expect(w.session.published.map((p) => [p.topic, p.args, p.options])).toEqual([
      [`${D}/web/logs`, [{ stream: 'stdout', line: 'hello', time: expect.any(String) }], { eligible_authid: ['alice'] }],
      [`${D}/web/logs`, [{ stream: 'stdout', line: 'hello', time: expect.any(String) }], { eligible_authrole: ['admin'], exclude_authid: ['alice'] }],
    ]);
  });

  it('a subscription whose match policy is empty (nexus says exact so) is an exact one', async () => {
    const w = (current = world());
    w.index.set(record('web'));
    w.session.create(11, `${D}/web/logs`, '');
    await waitFor('a stream', () => w.open().length === 1, 2_000, 5);
  });

  it('the last subscriber gone: the stream is closed at once; a subscription to another topic opens nothing', async () => {
    const w = (current = world());
    w.index.set(record('web'));
    w.session.create(1, `${D}/web/status`);
    w.session.create(2, 'com.example.web.logs');
    w.session.create(3, `${D}/web/logs`);
    await waitFor('a stream', () => w.open().length === 1, 2_000, 5);
    expect(w.streams).toHaveLength(1);
    w.session.delete(3);
    await waitFor('the stream closed', () => w.open().length === 0, 2_000, 5);
    expect(w.topic.following()).toEqual([]);
  });

  it('a forged on_delete (a peer may publish on wamp.* on nexus) for a subscription the router still has changes nothing', async () => {
    const w = (current = world());
    w.index.set(record('web'));
    w.session.create(3, `${D}/web/logs`);
    await waitFor('a stream', () => w.open().length === 1, 2_000, 5);
    w.session.handlers.get('wamp.subscription.on_delete')!([null, 3], {});
    await new Promise((r) => setTimeout(r, 30));
    expect(w.open()).toHaveLength(1);
    expect(w.topic.following()).toEqual(['web']);
    w.session.delete(3);
    await waitFor('the stream closed', () => w.open().length === 0, 2_000, 5);
  });

  it('a restart: the engine ends the stream at the stop; the start follows again from the last line, nothing told twice', async () => {
    const w = (current = world());
    const began = Math.floor(Date.now() / 1000);
    w.index.set(record('web'));
    w.session.create(5, `${D}/web/logs`);
    await waitFor('a stream', () => w.open().length === 1, 2_000, 5);
    const first = w.open()[0]!;
    const t1 = later(1_000);
    first.line('one', t1);
    w.index.set(record('web', 'exited'), 'die');
    first.end();
    w.index.set(record('web'), 'start');
    await waitFor('a second stream', () => w.open().length === 1 && w.open()[0] !== first, 2_000, 5);
    const second = w.open()[0]!;
    // From the earlier of the two streams' last lines: stderr told none yet, so the moment following began.
    expect(second.sinceSeconds).toBeGreaterThanOrEqual(began);
    expect(second.sinceSeconds).toBeLessThanOrEqual(Math.floor(Date.parse(t1) / 1000));
    second.line('one', t1); // the engine sends again what it has since that whole second
    second.line('two', later(2_000));
    await waitFor('two', () => w.session.published.some((p) => (p.args[0] as LogLine).line === 'two'), 2_000, 5);
    const told = w.session.published.filter((p) => p.options?.eligible_authid).map((p) => (p.args[0] as LogLine).line);
    expect(told).toEqual(['one', 'two']);
  });

  it('stdout and stderr are stamped apart: a line of one stream stamped before a line of the other already told is still told', async () => {
    // The engine stamps each stream's lines as it reads them, and writes them to its log in the order it gets them: an
    // out line can come after an err line stamped a moment later (seen in the full suite: 'out 2' was lost).
    const w = (current = world());
    w.index.set(record('web'));
    w.session.create(5, `${D}/web/logs`);
    await waitFor('a stream', () => w.open().length === 1, 2_000, 5);
    const s = w.open()[0]!;
    const [t1, t2, t3] = [later(1_000), later(1_001), later(1_002)];
    s.line('out 1', t1, 'stdout');
    s.line('err 2', t3, 'stderr');
    s.line('out 2', t2, 'stdout');
    s.line('out 2', t2, 'stdout'); // told already (a re-follow): not again
    s.line('err 1', t1, 'stderr'); // older than its own stream's last line: told already
    s.line('out 3', later(1_003), 'stdout');
    await waitFor('out 3', () => w.session.published.some((p) => (p.args[0] as LogLine).line === 'out 3'), 2_000, 5);
    const told = w.session.published.filter((p) => p.options?.eligible_authid).map((p) => (p.args[0] as LogLine).line);
    expect(told).toEqual(['out 1', 'err 2', 'out 2', 'out 3']);
  });

  it('a subscriber before the container exists: following starts when it starts; lines from before following began are not told', async () => {
    const w = (current = world());
    w.session.create(8, `${D}/late/logs`);
    expect(w.streams).toHaveLength(0);
    w.index.set(record('late'), 'start');
    await waitFor('a stream', () => w.open().length === 1, 2_000, 5);
    w.open()[0]!.line('old', new Date(Date.now() - 60_000).toISOString());
    w.open()[0]!.line('new', later(500));
    await waitFor('new', () => w.session.published.length > 0, 2_000, 5);
    expect(w.session.published.map((p) => (p.args[0] as LogLine).line)).toEqual(['new', 'new']);
  });

  it('each join asks the router who listens now (subscriptions made and gone while berth was away)', async () => {
    const w = (current = world());
    w.index.set(record('a'));
    w.index.set(record('b'));
    w.session.create(1, `${D}/a/logs`);
    await waitFor('a followed', () => w.topic.following().includes('a'), 2_000, 5);
    // While berth was away: a's subscriber left, one for b came.
    w.session.subscriptions.delete(1);
    w.session.subscriptions.set(2, { id: 2, uri: `${D}/b/logs`, match: 'exact' });
    for (const l of w.session.joined) l();
    await waitFor('b followed, a not', () => w.topic.following().join() === 'b', 2_000, 5);
  });

  it('an admin\'s prefix subscription follows every container; it going follows none', async () => {
    const w = (current = world());
    w.index.set(record('a'));
    w.index.set(record('b', 'running', 'bob'));
    w.session.create(9, `${D}/`, 'prefix');
    await waitFor('both followed', () => w.topic.following().sort().join() === 'a,b', 2_000, 5);
    w.session.delete(9);
    await waitFor('none followed', () => w.topic.following().length === 0, 2_000, 5);
    expect(w.open()).toHaveLength(0);
  });

  it('a pattern made before its container exists follows it once it starts', async () => {
    const w = (current = world());
    w.session.create(4, `${D}/we`, 'prefix');
    w.index.set(record('web'), 'start');
    await waitFor('web followed', () => w.topic.following().join() === 'web', 2_000, 5);
  });
});
