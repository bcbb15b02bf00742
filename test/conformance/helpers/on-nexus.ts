import { expect } from 'vitest';
import type { Target } from './targets.js';

/**
 * Where nexus (the third router, docs/nexus.md) answers a scenario differently from Crossbar.io and the embedded router,
 * by name and why: a nexus limitation or different-but-valid behaviour. A scenario that names one pins nexus's own
 * outcome, so a change in nexus is noticed either way, and its test name says so (`OnNexus.title`).
 */
export const NEXUS_DIFFERS = {
  progress: 'progressive results only reach a callee that announces call canceling (autobahn-js and wampy do not): the caller gets the final result alone',
  disclosure: 'caller/publisher identity only on request (REGISTER disclose_caller, CALL/PUBLISH disclose_me), never by role',
  calleeGone: 'calls pending on a callee that left fail with wamp.error.canceled ["callee gone"]',
  timeoutMs: 'CALL timeout in milliseconds (as the WAMP spec; Crossbar.io reads seconds), answered wamp.error.timeout ["call timeout"], not forwarded to the callee',
  errorArgs: 'its own errors carry no message (procedure_already_exists has args [], Crossbar.io names the procedure)',
  sharedPolicy: 'a different invoke policy on a shared registration is refused with wamp.error.procedure_already_exists',
  lookupNone: 'wamp.registration.lookup / wamp.subscription.lookup answer 0, not null, when nothing matches',
  interruptOptions: 'INTERRUPT options name the mode it applied (killnowait when CANCEL gave none) and the reason wamp.error.canceled',
  wampTopics: 'a session may publish to a wamp.* topic (Crossbar.io: wamp.error.invalid_uri)',
  badFrames: 'a frame that does not decode (not JSON, unknown type, not an array) is logged and dropped: the session stays open',
  binaryOnJson: 'a binary frame on a JSON session is read as JSON',
  looseUris: 'loose URI checking (strict_uri: false) accepts empty components such as com..broken',
  noFrameLimit: "nexusd's WebSocket transport has no message size limit to configure",
  goodbye: 'GOODBYE is answered with wamp.close.goodbye_and_out (the WAMP spec), not wamp.close.normal',
  binaryJson: 'its JSON serializer sends bytes as bare base64 (no "\\0" prefix) and reads "\\0"+base64 as a string',
  authFailed: 'with anonymous authentication only, a join that offers other methods only is refused with wamp.error.authentication_failed (not no_auth_method)',
  anonymousAuthid: 'an anonymous authid is a random hex number, not a Crossbar.io serial (XXXX-XXXX-…)',
  countSubscribers: 'wamp.subscription.count_subscribers is registered as wamp.subscription.count_suscribers (a typo in nexus)',
  onCreateMatch: 'wamp.subscription.on_create says match "" for an exact subscription, not "exact"',
  lastSubscriberLeft: 'when the last subscriber leaves without unsubscribing, only wamp.subscription.on_delete comes, naming that session (Crossbar.io: on_unsubscribe and on_delete, session null)',
  onLeave: 'wamp.session.on_leave has args [session, authid, authrole] (the newer WAMP spec), not [session]',
} as const;

/** What a scenario needs from a router that nexusd cannot do at all: the scenario skips nexus and says so in its name. */
export const NEXUS_CANNOT = {
  auth: 'nexusd has anonymous authentication only (no ticket or WAMP-CRA users in its config)',
  roles: 'nexusd has no per-role permissions (no static authorizer): every anonymous session may do everything',
} as const;

export type NexusDifference = keyof typeof NEXUS_DIFFERS;
export type NexusLack = keyof typeof NEXUS_CANNOT;

/** What nexus must answer for one scenario: Crossbar.io's outcome (the default), its own pinned one, or nothing. */
export class OnNexus {
  private constructor(
    readonly differs: readonly NexusDifference[],
    readonly cannot: readonly NexusLack[],
    private readonly expected?: unknown,
  ) {}

  /** nexus answers exactly as Crossbar.io does. */
  static readonly same = new OnNexus([], []);

  /** nexus answers `expected` (a value it must equal, or a function that checks it), for the reasons named. */
  static differs(reasons: NexusDifference[], expected: unknown): OnNexus {
    return new OnNexus(reasons, [], expected);
  }

  /** The scenario does not run on nexus, for the reasons named. */
  static cannot(...reasons: NexusLack[]): OnNexus {
    return new OnNexus([], reasons);
  }

  /** The routers the scenario runs on: all of them, but nexus when it cannot. */
  runsOn(targets: readonly Target[]): Target[] {
    return targets.filter((t) => t.name !== 'nexus' || this.cannot.length === 0);
  }

  /** The test's name, with what nexus does differently or cannot do, so no difference hides in a passing test. */
  title(name: string): string {
    if (this.cannot.length > 0) return `${name} [skipped on nexus: ${this.cannot.map((k) => NEXUS_CANNOT[k]).join('; ')}]`;
    if (this.differs.length > 0) return `${name} [nexus differs: ${this.differs.map((k) => `${k}: ${NEXUS_DIFFERS[k]}`).join('; ')}]`;
    return name;
  }

  /** Check nexus's outcome against Crossbar.io's; a listed difference that has gone away fails too, so the list stays true. */
  check(nexus: unknown, crossbar: unknown): void {
    if (this.differs.length === 0) {
      expect(nexus, 'nexus differs from Crossbar.io (if meant, name why in NEXUS_DIFFERS)').toEqual(crossbar);
      return;
    }
    if (typeof this.expected === 'function') (this.expected as (o: unknown) => void)(nexus);
    else expect(nexus, `nexus's pinned outcome (${this.differs.join(', ')})`).toEqual(this.expected);
    expect(nexus, `nexus now answers as Crossbar.io: drop ${this.differs.join(', ')} here`).not.toEqual(crossbar);
  }
}
