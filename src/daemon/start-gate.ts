import type { Handler } from '../wamp/call.js';
import type { WampSession } from '../wamp/wamp-session.js';

/** How long a call that arrives while berth starts waits for the start; then its handler runs (and checks the engine itself). */
const HOLD_MS = 30_000;

/**
 * berth joins its router while it still starts (recovering, reading the engine's containers), so that the router takes
 * the registrations while the engine is read instead of after it: on Crossbar.io the thousands of REGISTERs of a berth
 * with many containers are most of a restart. Start-up still looks as it did from outside:
 * - a call that arrives meanwhile waits until the start is done (`open`), so no call is answered from a half-read
 *   engine or before what a killed berth left is cleaned up;
 * - the join is reported only once every procedure wanted by then is registered (`settle`).
 * `session` is berth's session as the appliance and the tenancy procedures use it: the same, with gated handlers.
 */
export class StartGate {
  readonly session: WampSession;
  /** Every procedure wanted, with its gated handler: what `settle` checks on the router. */
  private readonly wanted = new Map<string, Handler>();
  private readonly opened: Promise<void>;
  private markOpen!: () => void;
  private isOpen = false;

  constructor(private readonly inner: WampSession) {
    this.opened = new Promise((resolve) => (this.markOpen = resolve));
    const register = (uri: string, handler: Handler) => {
      const gated = this.gated(handler);
      this.wanted.set(uri, gated);
      return inner.register(uri, gated);
    };
    const unregister = (uri: string) => {
      this.wanted.delete(uri);
      return inner.unregister(uri);
    };
    this.session = {
      start: () => inner.start(),
      stop: () => inner.stop(),
      register,
      unregister,
      publish: (...a) => inner.publish(...a),
      subscribe: (...a) => inner.subscribe(...a),
      call: (...a) => inner.call(...a),
      onJoined: (listener) => inner.onJoined(listener),
    };
  }

  get open(): boolean {
    return this.isOpen;
  }

  /** The start is done: held calls go on, new ones are answered at once. */
  release(): void {
    this.isOpen = true;
    this.markOpen();
  }

  /**
   * Once every wanted procedure is registered on the joined session (the session's own bookkeeping: one already held is
   * not registered again, one still in flight is awaited): how many are. A refusal was logged where it happened.
   */
  async settle(): Promise<number> {
    const results = await Promise.allSettled([...this.wanted].map(([uri, handler]) => this.inner.register(uri, handler)));
    return results.filter((r) => r.status === 'fulfilled').length;
  }

  private gated(handler: Handler): Handler {
    return async (call) => {
      if (!this.isOpen) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.opened, new Promise((resolve) => (timer = setTimeout(resolve, HOLD_MS)))]);
        clearTimeout(timer);
      }
      return handler(call);
    };
  }
}
