import { z } from 'zod';
import type { Broker } from './broker.js';
import { MetaError, type Dealer, type MetaProcedure } from './dealer.js';
import type { Peer } from './peer.js';
import type { Entry } from './registry.js';

export interface RealmView {
  readonly sessions: ReadonlyMap<number, Peer>;
  readonly dealer: Dealer;
  readonly broker: Broker;
}

const roles = z.array(z.string()).nullish();
const id = z.number().int();
const match = z.strictObject({ match: z.enum(['exact', 'prefix', 'wildcard']).optional() }).loose().nullish();

/** Parse meta API arguments; a bad argument is the caller's mistake, answered like Crossbar.io does. */
function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new MetaError('wamp.error.invalid_argument', r.error.issues[0]?.message ?? 'invalid argument');
  return r.data;
}

// Like Crossbar.io, registrations in the router's own namespaces are not listed to ordinary sessions.
const visible = (e: Entry) => !e.uri.startsWith('wamp.') && !e.uri.startsWith('crossbar.');
const ids = (entries: Entry[]) => entries.filter(visible).map((e) => e.id);

/** The part of the WAMP meta API that tools need to see what a realm serves. */
export function metaProcedures(realm: RealmView): Map<string, MetaProcedure> {
  const sessions = (filter: string[] | null | undefined) =>
    [...realm.sessions.values()].filter((p) => !filter || filter.includes(p.info.authrole));
  const registration = (raw: unknown) => {
    const reg = realm.dealer.registrations.getById(parse(id, raw));
    if (!reg || !visible(reg)) throw new MetaError('wamp.error.no_such_registration', `no registration with ID ${String(raw)} exists on this dealer`);
    return reg;
  };
  const subscription = (raw: unknown) => {
    const sub = realm.broker.subscriptions.getById(parse(id, raw));
    if (!sub || !visible(sub)) throw new MetaError('wamp.error.no_such_subscription', `no subscription with ID ${String(raw)} exists on this broker`);
    return sub;
  };
  const table: Record<string, MetaProcedure> = {
    'wamp.session.count': (_p, [filter]) => sessions(parse(roles, filter)).length,
    'wamp.session.list': (_p, [filter]) => sessions(parse(roles, filter)).map((p) => p.info.id),
    'wamp.session.get': (_p, [raw]) => {
      const peer = realm.sessions.get(parse(id, raw));
      if (!peer) throw new MetaError('wamp.error.no_such_session', `no session with ID ${String(raw)} exists on this router`);
      const { id: session, realm: r, authid, authrole, authmethod, authextra } = peer.info;
      return { session, realm: r, authid, authrole, authmethod, authprovider: 'static', authextra: authextra ?? {} };
    },
    'wamp.registration.list': (_p, [raw]) => {
      const reg = realm.dealer.registrations;
      if (raw === undefined || raw === null) return { exact: ids(reg.all('exact')), prefix: ids(reg.all('prefix')), wildcard: ids(reg.all('wildcard')) };
      const peer = realm.sessions.get(parse(id, raw));
      if (!peer) throw new MetaError('wamp.error.no_such_session', `no session with ID ${String(raw)} exists on this router`);
      const mine = realm.dealer.registrationsOf(peer);
      return { exact: ids(mine.filter((r) => r.match === 'exact')), prefix: ids(mine.filter((r) => r.match === 'prefix')), wildcard: ids(mine.filter((r) => r.match === 'wildcard')) };
    },
    'wamp.registration.lookup': (_p, [procedure, options]) => {
      const reg = realm.dealer.registrations.get(parse(z.string(), procedure), parse(match, options)?.match ?? 'exact');
      return reg && visible(reg) ? reg.id : null;
    },
    'wamp.registration.match': (_p, [procedure]) => {
      const reg = realm.dealer.registrations.best(parse(z.string(), procedure));
      return reg && visible(reg) ? reg.id : null;
    },
    'wamp.registration.get': (_p, [raw]) => {
      const { id: regId, created, uri, match: m, invoke } = registration(raw);
      return { id: regId, created, uri, match: m, invoke };
    },
    'wamp.registration.list_callees': (_p, [raw]) => realm.dealer.calleesOf(registration(raw)).map((p) => p.info.id),
    'wamp.registration.count_callees': (_p, [raw]) => realm.dealer.calleesOf(registration(raw)).length,
    'wamp.subscription.list': () => {
      const subs = realm.broker.subscriptions;
      return { exact: ids(subs.all('exact')), prefix: ids(subs.all('prefix')), wildcard: ids(subs.all('wildcard')) };
    },
    'wamp.subscription.lookup': (_p, [topic, options]) => {
      const sub = realm.broker.subscriptions.get(parse(z.string(), topic), parse(match, options)?.match ?? 'exact');
      return sub && visible(sub) ? sub.id : null;
    },
    // null rather than [] when none matches, as Crossbar.io answers.
    'wamp.subscription.match': (_p, [topic]) => {
      const found = ids(realm.broker.subscriptions.matching(parse(z.string(), topic)));
      return found.length > 0 ? found : null;
    },
    'wamp.subscription.get': (_p, [raw]) => {
      const { id: subId, created, uri, match: m } = subscription(raw);
      return { id: subId, created, uri, match: m };
    },
    'wamp.subscription.list_subscribers': (_p, [raw]) => [...subscription(raw).subscribers].map((p) => p.info.id),
    'wamp.subscription.count_subscribers': (_p, [raw]) => subscription(raw).subscribers.size,
  };
  return new Map(Object.entries(table));
}
