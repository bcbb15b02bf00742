import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddedRouter } from '../../../src/router/embedded-router.js';
import type { Call } from '../../../src/wamp/call.js';
import type { WampSession } from '../../../src/wamp/wamp-session.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { WampClient } from '../../helpers/wamp-client.js';
import { callWithProgress, connect, startRouter, startSession, type SessionKind } from './session-fixture.js';

/**
 * A call's `signal` (exec: an exec must not outlive its caller): aborted when nobody waits for the answer any more,
 * and what tells berth that a caller left on either router (the embedded router interrupts an in-process berth, and
 * publishes `wamp.session.on_leave` as Crossbar.io does).
 */
describe.each<SessionKind>(['local', 'autobahn'])('the call signal (%s session)', (kind) => {
  let router: EmbeddedRouter;
  let session: WampSession;
  let client: WampClient;

  beforeEach(async () => {
    router = await startRouter();
    ({ session } = await startSession(kind, router));
    client = await connect(router);
  });

  afterEach(async () => {
    await client?.close();
    await session?.stop();
    await router?.stop();
  });

  it('is aborted when a progressive result is refused as too large', async () => {
    let seen: Call | undefined;
    await session.register('berth/w/exec', async (call) => {
      seen = call;
      call.progress?.('x'.repeat(1_100_000));
      await new Promise((r) => setTimeout(r, 50));
      return null;
    });
    expect((await callWithProgress(client, 'berth/w/exec')).error?.error).toBe('berth.error.too_large');
    expect(seen?.signal?.aborted).toBe(true);
  });

  it('hears the caller leave: the interrupt (in-process berth) or wamp.session.on_leave [session] (any berth)', async () => {
    const left: unknown[][] = [];
    await session.subscribe('wamp.session.on_leave', (args) => void left.push(args));
    let seen: Call | undefined;
    await session.register('berth/w/exec', (call) => {
      seen = call;
      return new Promise((resolve) => setTimeout(resolve, 5_000));
    });
    const leaver = await connect(router);
    const id = leaver.session.id;
    leaver.session.call('berth/w/exec').then(() => undefined, () => undefined);
    await waitFor('the call to arrive', () => seen !== undefined, 5_000, 10);
    expect(seen!.signal!.aborted).toBe(false);
    await leaver.close();
    await waitFor('on_leave', () => left.some((a) => a[0] === id), 5_000, 10);
    // Only an in-process berth is interrupted: autobahn-js does not announce call canceling as a callee.
    if (kind === 'local') await waitFor('the signal', () => seen!.signal!.aborted, 5_000, 10);
    else expect(seen!.signal!.aborted).toBe(false);
  });
});
