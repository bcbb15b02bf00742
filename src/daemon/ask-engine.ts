import type { Config } from '../config.js';
import { engineAddress, EngineUnreachableError } from '../engine/engine-facts.js';
import type { Engine } from '../engine/engine.js';
import { engineSecurity, type EngineSecurity } from '../engine/engine-security.js';
import { isBerthError } from '../errors.js';
import type { Logger } from '../log.js';
import { within } from '../wamp/within.js';

/** How long berth waits at start for the engine to say what it adds to isolation (stated on every join line). */
export const ENGINE_ANSWER_MS = 10_000;

/** Socket errors that mean nothing answers at that address (as opposed to an engine that is slow or says no). */
const NOBODY_THERE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** What the engine adds to isolation, as the join line states it; `unknown` until the engine has said. */
export interface EngineAnswer {
  current(): EngineSecurity | 'unknown';
  /** berth is stopping: no more asking in the background. Safe to call twice. */
  stop(): void;
}

/**
 * The engine's security options, asked before anything else: an engine that nothing answers for at start means berth
 * cannot work (EngineUnreachableError, unless `waitForEngine`); one that is slow leaves them unknown, asked again in the
 * background, and berth starts.
 */
export async function askEngine(engine: Engine, config: Config, log: Logger): Promise<EngineAnswer> {
  let security: EngineSecurity | undefined;
  const stopped = new AbortController();
  const answer: EngineAnswer = { current: () => security ?? 'unknown', stop: () => stopped.abort() };
  const ask = () => within(engine.fetchSecurityOptions(), ENGINE_ANSWER_MS, "the engine's security options").then((o) => (security = engineSecurity(o)));
  try {
    await ask();
    return answer;
  } catch (err) {
    const code = socketCode(err);
    if (code && NOBODY_THERE.has(code) && !config.waitForEngine) throw new EngineUnreachableError(engineAddress(config.dockerHost), causeMessage(err));
    log.warn({ err: (err as Error).message }, 'cannot ask the engine for its security options yet: calls answer engine_unavailable until it answers');
  }
  void retry(ask, stopped.signal);
  return answer;
}

/** Ask again every few seconds until the engine answers (the join lines after that state its options), or berth stops. */
async function retry(ask: () => Promise<unknown>, stopped: AbortSignal): Promise<void> {
  while (!stopped.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3_000);
      timer.unref();
      stopped.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (stopped.aborted || (await ask().then(() => true, () => false))) return;
  }
}

function socketCode(err: unknown): string | undefined {
  const cause = isBerthError(err) ? (err as Error).cause : err;
  return (cause as { code?: string } | undefined)?.code;
}

function causeMessage(err: unknown): string {
  const cause = (err as Error).cause as Error | undefined;
  return cause?.message ?? (err as Error).message;
}
