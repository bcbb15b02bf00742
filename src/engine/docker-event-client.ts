import type Dockerode from 'dockerode';
import type { DockerRequests } from './docker-requests.js';
import type { EngineEvent, EventClient, EventSubscription } from './engine.js';
import { domainFilter } from './labels.js';

/** An event is a few hundred bytes; a "line" longer than this is not one. */
const MAX_EVENT_LINE = 64 * 1024;
/** Actions that do not change what berth shows about a container. */
const IGNORED_ACTIONS = /^(exec_|top$|attach$|resize$|archive-path$|extract-to-dir$|export$|commit$|copy$)/;

/** The engine's event stream: the EventClient seam over dockerode. */
export class DockerEventClient implements EventClient {
  constructor(
    private readonly docker: Dockerode,
    private readonly r: DockerRequests,
  ) {}

  async watchContainers(
    domain: string,
    onEvent: (e: EngineEvent) => void,
    onEnd: (err?: Error) => void,
    onMalformed: (line: string) => void = () => undefined,
  ): Promise<EventSubscription> {
    const stream = (await this.r.request('watch events', () =>
      this.docker.getEvents({ filters: { type: ['container'], label: [domainFilter(domain)] } }),
    )) as NodeJS.ReadableStream & { destroy(): void };
    let rest = '';
    let ended = false;
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      // An event is a few hundred bytes; a "line" that never ends is not one, and is not kept.
      if (rest.length > MAX_EVENT_LINE) {
        onMalformed(rest.slice(0, 200));
        rest = '';
      }
      for (const line of lines) {
        if (!line.trim()) continue;
        const event = parseEvent(line);
        if (!event) onMalformed(line.slice(0, 200));
        else if (!IGNORED_ACTIONS.test(event.action)) onEvent(event);
      }
    });
    stream.on('error', (err: Error) => end(err));
    stream.on('end', () => end());
    stream.on('close', () => end());
    return {
      close() {
        ended = true;
        stream.destroy();
      },
    };
  }
}

/** One line of the engine's event stream, or undefined when it is not a container event berth understands. */
function parseEvent(line: string): EngineEvent | undefined {
  let e: unknown;
  try {
    e = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { Action: action, Actor: actor, timeNano, time } = (e ?? {}) as { Action?: unknown; Actor?: { ID?: unknown } | null; timeNano?: unknown; time?: unknown };
  const id = actor && typeof actor === 'object' ? actor.ID : undefined;
  if (typeof action !== 'string' || typeof id !== 'string' || id === '') return undefined;
  const ms = typeof timeNano === 'number' ? timeNano / 1e6 : typeof time === 'number' ? time * 1000 : NaN;
  return Number.isFinite(ms) && ms > 0 ? { id, action, time: new Date(ms).toISOString() } : { id, action };
}
