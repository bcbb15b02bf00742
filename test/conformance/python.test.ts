import { afterAll, beforeAll, describe, it } from 'vitest';
import { sameOnAll } from './helpers/compare.js';
import { OnNexus } from './helpers/on-nexus.js';
import { pythonScenario } from './helpers/python-peer.js';
import { Targets } from './helpers/targets.js';

// Autobahn|Python against the three routers: the second, independent client implementation.
describe('Autobahn|Python peers', () => {
  let targets: Targets;
  beforeAll(async () => {
    targets = await Targets.start();
  });
  afterAll(async () => {
    await targets?.[Symbol.asyncDispose]();
  });
  /** The scenario on every router it runs on, in one Python interpreter. */
  const python = (scenario: string, onNexus = OnNexus.same) => pythonScenario(onNexus.runsOn(targets.all), scenario);

  const rpc = {
    sum: { ok: 5 },
    progress: [3, 2, 1],
    final: { ok: 'liftoff' },
    fail: { error: 'com.example.error.custom', args: ['first', 2, { nested: [true, null] }], kwargs: { reason: 'because', code: 42 } },
    who: { ok: [true, 'anonymous', 'com.example.py.who.am.i'] },
    dup: { error: 'wamp.error.procedure_already_exists' },
    missing: 'wamp.error.no_such_procedure',
  };
  // Autobahn|Python's callee announces call canceling, so nexus sends it progressive results.
  const rpcOnNexus = OnNexus.differs(['disclosure', 'errorArgs'], {
    ...rpc,
    who: { ok: [false, null, 'com.example.py.who.am.i'] },
    dup: { error: 'wamp.error.procedure_already_exists', args: [], kwargs: {} },
  });
  it(rpcOnNexus.title('RPC: call, progressive results, error args+kwargs, prefix match with caller disclosure, duplicate registration'), async () => {
    await sameOnAll(targets, python('rpc', rpcOnNexus), rpc, rpcOnNexus);
  });

  it('CANCEL from Autobahn|Python interrupts the callee and keeps both sessions usable', async () => {
    await sameOnAll(targets, python('cancel'), { callee_interrupted: true, after: { ok: 'fine' } });
  });

  const calleeGone = OnNexus.differs(['calleeGone'], { prompt: true, results: Array(3).fill({ error: 'wamp.error.canceled', args: ['callee gone'], kwargs: {} }) });
  it(calleeGone.title('a callee that goes away fails every pending call at once'), async () => {
    await sameOnAll(targets, python('callee_lost', calleeGone), {
      prompt: true,
      results: Array(3).fill({ error: 'wamp.error.canceled', args: ['callee disconnected from in-flight request'], kwargs: {} }),
    }, calleeGone);
  });

  const pubsubOnNexus = OnNexus.differs(['disclosure'], {
    acknowledged: true,
    own: 0,
    events: [
      { args: [1, 'two'], kwargs: { three: 3 }, topic: 'com.example.py.news', publisher: null },
      { args: [], kwargs: {}, topic: 'com.example.py.other', publisher: null },
    ],
  });
  it(pubsubOnNexus.title('PubSub: prefix subscription, publisher disclosure, exclude_me, acknowledge'), async () => {
    await sameOnAll(targets, python('pubsub', pubsubOnNexus), {
      acknowledged: true,
      own: 0,
      events: [
        { args: [1, 'two'], kwargs: { three: 3 }, topic: 'com.example.py.news', publisher: 'publisher' },
        { args: [], kwargs: {}, topic: 'com.example.py.other', publisher: 'publisher' },
      ],
    }, pubsubOnNexus);
  });

  const users = OnNexus.cannot('auth');
  it(users.title('ticket and WAMP-CRA (plain and salted), with failures'), async () => {
    await sameOnAll(targets, python('auth', users), {
      ticket: { authid: 'berth-test', authrole: 'service', authmethod: 'ticket' },
      ticket_wrong: { refused: 'wamp.error.not_authorized' },
      cra: { authid: 'alice', authrole: 'frontend', authmethod: 'wampcra' },
      cra_salted: { authid: 'bob', authrole: 'frontend', authmethod: 'wampcra' },
      cra_wrong: { refused: 'wamp.error.not_authorized' },
    }, users);
  });
});
