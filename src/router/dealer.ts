import type { Logger } from '../log.js';
import type { Authorize } from './authorize.js';
import { authorized } from './authorized.js';
import { nextId, randomId, type Peer } from './peer.js';
import { Registry, type Entry } from './registry.js';
import { isReservedUri } from './uri.js';
import type { RouterLimits } from './router-config.js';
import { LIMIT_EXCEEDED, PAYLOAD_SIZE_EXCEEDED } from './router-errors.js';
import { MSG, withPayload, type ClientMessageOf } from './wamp-message.js';

export type InvokePolicy = 'single' | 'first' | 'last' | 'roundrobin' | 'random';

export interface Registration extends Entry {
  readonly invoke: InvokePolicy;
  readonly callees: Peer[];
  next: number;
}

interface Invocation {
  readonly id: number;
  readonly caller: Peer;
  readonly request: number;
  readonly callee: Peer;
  timer: NodeJS.Timeout | undefined;
  /** Set once the caller has been (or, in `kill` mode, will be) answered with `wamp.error.canceled`. */
  canceled: boolean;
  /** `kill` mode: the caller's error waits for the callee's answer to the INTERRUPT. */
  errorOnCalleeAnswer: boolean;
}

/** A procedure the router answers itself (the WAMP meta API). */
export type MetaProcedure = (peer: Peer, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>) => unknown;

export class MetaError extends Error {
  constructor(readonly uri: string, message: string) {
    super(message);
  }
}

const CANCELED = 'wamp.error.canceled';

type DealerLimits = Pick<RouterLimits, 'callTimeoutMs' | 'maxMessageBytes' | 'maxRegistrationsPerSession' | 'maxPendingCallsPerSession'>;

/** Routes calls to callees and their answers back; owns every pending invocation, so none outlives its peers. */
export class Dealer {
  readonly registrations = new Registry<Registration>();
  private readonly byPeer = new Map<Peer, Set<Registration>>();
  private readonly invocations = new Map<number, Invocation>();
  private readonly byCall = new Map<Peer, Map<number, Invocation>>();
  private readonly byCallee = new Map<Peer, Set<Invocation>>();

  constructor(
    private readonly authorize: Authorize,
    private readonly meta: ReadonlyMap<string, MetaProcedure>,
    private readonly limits: DealerLimits,
    private readonly log: Logger,
  ) {}

  register(peer: Peer, msg: ClientMessageOf<'register'>): void | Promise<void> {
    const { request, procedure } = msg;
    const match = msg.options.match ?? 'exact';
    const invoke = msg.options.invoke ?? 'single';
    if (isReservedUri(procedure)) return this.error(peer, MSG.REGISTER, request, 'wamp.error.invalid_uri', `register for restricted procedure URI '${procedure}')`);
    return authorized(this.authorize, peer, 'register', procedure, request, () => {
      const held = this.byPeer.get(peer)?.size ?? 0;
      if (!peer.host && held >= this.limits.maxRegistrationsPerSession) {
        return this.limitError(peer, MSG.REGISTER, request, 'maxRegistrationsPerSession', this.limits.maxRegistrationsPerSession, `session already holds ${held} registrations`);
      }
      let reg = this.registrations.get(procedure, match);
      if (reg) {
        if (reg.invoke === 'single') return this.error(peer, MSG.REGISTER, request, 'wamp.error.procedure_already_exists', `register for already registered procedure '${procedure}'`);
        if (reg.invoke !== invoke) {
          return this.error(peer, MSG.REGISTER, request, 'wamp.error.procedure_exists_with_different_invocation_policy',
            `register for already registered procedure '${procedure}' with conflicting invocation policy (has ${reg.invoke} and ${invoke} was requested)`);
        }
        if (reg.callees.includes(peer)) return this.error(peer, MSG.REGISTER, request, 'wamp.error.procedure_already_exists', `register for already registered procedure '${procedure}'`);
      } else {
        reg = { id: randomId(), uri: procedure, match, invoke, created: new Date().toISOString(), callees: [], next: 0 };
        this.registrations.add(reg);
      }
      reg.callees.push(peer);
      let mine = this.byPeer.get(peer);
      if (!mine) this.byPeer.set(peer, (mine = new Set()));
      mine.add(reg);
      this.log.debug({ session: peer.info.id, procedure, match, registration: reg.id }, 'registered');
      peer.send([MSG.REGISTERED, request, reg.id]);
    }, false, match);
  }

  unregister(peer: Peer, msg: ClientMessageOf<'unregister'>): void {
    const reg = this.registrations.getById(msg.registration);
    if (!reg || !this.byPeer.get(peer)?.has(reg)) return this.error(peer, MSG.UNREGISTER, msg.request, 'wamp.error.no_such_registration');
    this.drop(peer, reg);
    peer.send([MSG.UNREGISTERED, msg.request]);
  }

  call(peer: Peer, msg: ClientMessageOf<'call'>): void | Promise<void> {
    const { request, procedure } = msg;
    return authorized(this.authorize, peer, 'call', procedure, request, (auth) => {
      const meta = this.meta.get(procedure);
      if (meta) return this.callMeta(peer, msg, meta);
      const reg = this.registrations.best(procedure);
      const callee = reg && pick(reg);
      if (!reg || !callee) return this.error(peer, MSG.CALL, request, 'wamp.error.no_such_procedure', `no callee registered for procedure <${procedure}>`);
      const pending = this.byCall.get(peer)?.size ?? 0;
      if (!peer.host && pending >= this.limits.maxPendingCallsPerSession) {
        return this.limitError(peer, MSG.CALL, request, 'maxPendingCallsPerSession', this.limits.maxPendingCallsPerSession, `session already has ${pending} calls pending`);
      }
      const inv: Invocation = { id: nextId(), caller: peer, request, callee, timer: undefined, canceled: false, errorOnCalleeAnswer: false };
      this.track(inv);
      const details: Record<string, unknown> = {};
      if (auth.disclose) Object.assign(details, { caller: peer.info.id, caller_authid: peer.info.authid, caller_authrole: peer.info.authrole });
      if (reg.match !== 'exact') details.procedure = procedure;
      if (msg.options.receive_progress) details.receive_progress = true;
      // `timeout` is in seconds, as Crossbar.io's dealer (`call_later(timeout)`) and Autobahn clients have it; the callee
      // gets it as the caller sent it.
      const timeout = msg.options.timeout;
      if (timeout !== undefined && timeout > 0) details.timeout = timeout;
      const ms = timeout !== undefined && timeout > 0 ? timeout * 1000 : this.limits.callTimeoutMs;
      if (ms > 0) inv.timer = setTimeout(() => this.timeOut(inv), Math.min(ms, MAX_TIMER_MS));
      if (callee.send(withPayload([MSG.INVOCATION, inv.id, reg.id, details], msg.args, msg.kwargs)) === false) {
        this.untrack(inv);
        this.error(peer, MSG.CALL, request, PAYLOAD_SIZE_EXCEEDED, `the invocation of '${procedure}' is larger than the callee accepts (${this.limits.maxMessageBytes} bytes)`);
      }
    });
  }

  /** CANCEL, with the modes of the WAMP spec; a callee that cannot be interrupted is treated as `skip`, as Crossbar.io does. */
  cancel(peer: Peer, msg: ClientMessageOf<'cancel'>): void {
    const inv = this.byCall.get(peer)?.get(msg.request);
    if (!inv || inv.canceled) return;
    inv.canceled = true;
    const mode = inv.callee.calleeCanCancel ? msg.options.mode : 'skip';
    if (mode !== 'skip') inv.callee.send([MSG.INTERRUPT, inv.id, mode ? { mode } : {}]);
    if (mode === 'kill') inv.errorOnCalleeAnswer = true;
    else peer.send([MSG.ERROR, MSG.CALL, inv.request, {}, CANCELED]);
  }

  yield(peer: Peer, msg: ClientMessageOf<'yield'>): void {
    const inv = this.invocations.get(msg.request);
    if (!inv || inv.callee !== peer) return; // late answers to finished or foreign invocations are dropped, as in Crossbar.io
    const progress = msg.options.progress === true;
    if (inv.canceled) {
      if (inv.errorOnCalleeAnswer) inv.caller.send([MSG.ERROR, MSG.CALL, inv.request, {}, CANCELED]);
      return this.untrack(inv);
    }
    if (inv.caller.send(withPayload([MSG.RESULT, inv.request, progress ? { progress: true } : {}], msg.args, msg.kwargs)) === false) return this.tooLarge(inv, 'result', progress);
    if (!progress) this.untrack(inv);
  }

  /** A callee's ERROR goes to the caller unchanged: URI, args and kwargs. */
  invocationError(peer: Peer, msg: ClientMessageOf<'error'>): void {
    const inv = this.invocations.get(msg.request);
    if (!inv || inv.callee !== peer) return;
    if (!inv.canceled) {
      if (inv.caller.send(withPayload([MSG.ERROR, MSG.CALL, inv.request, {}, msg.error], msg.args, msg.kwargs)) === false) return this.tooLarge(inv, 'error', false);
    } else if (inv.errorOnCalleeAnswer) inv.caller.send([MSG.ERROR, MSG.CALL, inv.request, {}, CANCELED]);
    this.untrack(inv);
  }

  /** The session left: answer every call pending on it at once, interrupt what it was waiting for, drop its registrations. */
  detach(peer: Peer): void {
    for (const inv of [...(this.byCall.get(peer)?.values() ?? [])]) {
      if (!inv.canceled && inv.callee !== peer && inv.callee.calleeCanCancel) inv.callee.send([MSG.INTERRUPT, inv.id, { mode: 'killnowait' }]);
      this.untrack(inv);
    }
    for (const inv of [...(this.byCallee.get(peer) ?? [])]) {
      // Crossbar.io's answer, so callers cannot tell the routers apart; after a cancel the caller has (or gets) its error already.
      if (!inv.canceled) inv.caller.send([MSG.ERROR, MSG.CALL, inv.request, {}, CANCELED, ['callee disconnected from in-flight request']]);
      else if (inv.errorOnCalleeAnswer) inv.caller.send([MSG.ERROR, MSG.CALL, inv.request, {}, CANCELED]);
      this.untrack(inv);
    }
    for (const reg of [...(this.byPeer.get(peer) ?? [])]) this.drop(peer, reg);
    this.byPeer.delete(peer);
  }

  /** Callees of a registration, for the meta API. */
  calleesOf(reg: Registration): readonly Peer[] {
    return reg.callees;
  }

  registrationsOf(peer: Peer): Registration[] {
    return [...(this.byPeer.get(peer) ?? [])];
  }

  private callMeta(peer: Peer, msg: ClientMessageOf<'call'>, meta: MetaProcedure): void {
    try {
      const value = meta(peer, msg.args ?? [], msg.kwargs ?? {});
      if (peer.send([MSG.RESULT, msg.request, {}, [value ?? null]]) === false) {
        this.error(peer, MSG.CALL, msg.request, PAYLOAD_SIZE_EXCEEDED, `the result of '${msg.procedure}' is larger than this session accepts (${this.limits.maxMessageBytes} bytes)`);
      }
    } catch (err) {
      if (err instanceof MetaError) return this.error(peer, MSG.CALL, msg.request, err.uri, err.message);
      this.log.error({ err, procedure: msg.procedure }, 'meta procedure failed');
      this.error(peer, MSG.CALL, msg.request, 'wamp.error.runtime_error', 'internal error');
    }
  }

  /** Crossbar.io's call timeout: the caller gets `canceled`, the callee an INTERRUPT it need not answer. */
  private timeOut(inv: Invocation): void {
    inv.timer = undefined;
    if (!this.invocations.has(inv.id)) return;
    if (!inv.canceled) inv.caller.send([MSG.ERROR, MSG.CALL, inv.request, {}, CANCELED, ['timeout reached']]);
    if (inv.callee.calleeCanCancel) inv.callee.send([MSG.INTERRUPT, inv.id, { mode: 'killnowait' }]);
    this.untrack(inv);
  }

  /**
   * A callee's answer is larger than the caller accepts: the caller gets a clear error instead of a frame that would
   * close its session, and the callee, if it can, an INTERRUPT for the rest of a progressive call.
   */
  private tooLarge(inv: Invocation, what: 'result' | 'error', stillRunning: boolean): void {
    this.log.warn({ caller: inv.caller.info.id, callee: inv.callee.info.id, limit: this.limits.maxMessageBytes }, `call ${what} larger than the caller accepts; answering payload_size_exceeded`);
    this.error(inv.caller, MSG.CALL, inv.request, PAYLOAD_SIZE_EXCEEDED, `the callee's ${what} is larger than this session accepts (${this.limits.maxMessageBytes} bytes)`);
    if (stillRunning && inv.callee.calleeCanCancel) inv.callee.send([MSG.INTERRUPT, inv.id, { mode: 'killnowait' }]);
    this.untrack(inv);
  }

  private limitError(peer: Peer, type: number, request: number, key: string, limit: number, detail: string): void {
    this.log.warn({ session: peer.info.id, limit: key, max: limit }, 'per-session limit reached');
    peer.send([MSG.ERROR, type, request, {}, LIMIT_EXCEEDED, [`${detail}: limits.${key} is ${limit}`], { limit: key, max: limit }]);
  }

  private drop(peer: Peer, reg: Registration): void {
    const i = reg.callees.indexOf(peer);
    if (i >= 0) reg.callees.splice(i, 1);
    this.byPeer.get(peer)?.delete(reg);
    if (reg.callees.length === 0) this.registrations.remove(reg);
  }

  private track(inv: Invocation): void {
    this.invocations.set(inv.id, inv);
    let calls = this.byCall.get(inv.caller);
    if (!calls) this.byCall.set(inv.caller, (calls = new Map()));
    calls.set(inv.request, inv);
    let invs = this.byCallee.get(inv.callee);
    if (!invs) this.byCallee.set(inv.callee, (invs = new Set()));
    invs.add(inv);
  }

  private untrack(inv: Invocation): void {
    clearTimeout(inv.timer);
    this.invocations.delete(inv.id);
    const calls = this.byCall.get(inv.caller);
    if (calls?.get(inv.request) === inv) calls.delete(inv.request);
    if (calls?.size === 0) this.byCall.delete(inv.caller);
    const invs = this.byCallee.get(inv.callee);
    invs?.delete(inv);
    if (invs?.size === 0) this.byCallee.delete(inv.callee);
  }

  private error(peer: Peer, type: number, request: number, uri: string, message?: string): void {
    peer.send(message === undefined ? [MSG.ERROR, type, request, {}, uri] : [MSG.ERROR, type, request, {}, uri, [message]]);
  }
}

// setTimeout's longest delay (about 24.8 days); longer timeouts would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

function pick(reg: Registration): Peer | undefined {
  const n = reg.callees.length;
  if (n === 0) return undefined;
  switch (reg.invoke) {
    case 'last':
      return reg.callees[n - 1];
    case 'roundrobin':
      return reg.callees[reg.next++ % n];
    case 'random':
      return reg.callees[Math.floor(Math.random() * n)];
    default:
      return reg.callees[0];
  }
}
