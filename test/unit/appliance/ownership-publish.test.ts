import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait-for.js';
import { connect, startRouter, startSession, type SessionKind } from '../wamp/session-fixture.js';

// Ownership: build events reach only the build's owner and admin roles. berth narrows each publish with the router's
// subscriber whitelisting; both session kinds must hand those options to the router.
describe.each<SessionKind>(['local', 'autobahn'])('publish options on the %s session', (kind) => {
  it('eligible_authid / eligible_authrole / exclude_authid decide who receives an event', async () => {
    await using router = await startRouter();
    const { session } = await startSession(kind, router);
    await using client = await connect(router); // authid: random, authrole: anonymous
    const events: unknown[] = [];
    await client.session.subscribe('berth/build/app', (args) => void events.push(args?.[0]));
    await session.publish('berth/build/app', ['to alice'], {}, { eligible_authid: ['alice'] });
    await session.publish('berth/build/app', ['to admins'], {}, { eligible_authrole: ['admin'] });
    await session.publish('berth/build/app', ['to anonymous, excluded'], {}, { eligible_authrole: ['anonymous'], exclude_authrole: ['anonymous'] });
    await session.publish('berth/build/app', ['to anonymous'], {}, { eligible_authrole: ['anonymous', 'admin'] });
    await session.publish('berth/build/app', ['to everyone']);
    await waitFor('two events', () => events.length >= 2, 5_000, 10);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual(['to anonymous', 'to everyone']);
    await session.stop();
  });
});
