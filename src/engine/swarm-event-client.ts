import type Dockerode from 'dockerode';
import type { DockerRequests } from './docker-requests.js';
import type { EngineEvent, EventClient, EventSubscription } from './engine.js';
import type { SwarmTask } from './swarm-api.js';
import { listServicesAndTasks } from './swarm-listing.js';
import { currentTask } from './to-service-record.js';

/** What one look at a service saw: its spec version, replicas and current task. */
interface Seen {
  readonly version: number;
  readonly replicas: number;
  readonly task: string | undefined;
  readonly running: boolean;
}

/**
 * The swarm's changes to this domain's services as container events. Docker has no task events, and a
 * manager's service events do not say when a task starts or dies, so the manager is asked every `pollMs` for the
 * domain's services and their tasks, and the differences are told in the words of container events: `create`,
 * `destroy`, `start` (a task runs: a start, a restart, or a task rescheduled to another node), `die` (the running task
 * ended), `stop` (after `die`, when it was scaled to 0) and `update` (any other change of the spec). A failed look ends
 * the subscription (`onEnd`), as a broken event stream does.
 */
export class SwarmEventClient implements EventClient {
  constructor(
    private readonly docker: Dockerode,
    private readonly r: DockerRequests,
    private readonly pollMs: number,
  ) {}

  private readonly watchers = new Set<() => Promise<void>>();

  async watchContainers(domain: string, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void): Promise<EventSubscription> {
    let seen = await this.look(domain);
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let queued: Promise<void> | undefined;
    const look = async () => {
      let now: Map<string, Seen>;
      try {
        now = await this.look(domain);
      } catch (err) {
        if (!closed) onEnd(err as Error);
        closed = true;
        return;
      }
      if (closed) return;
      const time = new Date().toISOString();
      for (const e of differences(seen, now)) onEvent({ ...e, time });
      seen = now;
    };
    // One look at a time; one asked for during a look runs right after it (that look may have read the state before
    // the change it is asked for), and every caller asking meanwhile shares it.
    const tick = (): Promise<void> => {
      if (closed) return Promise.resolve();
      if (running) return (queued ??= running.then(() => ((queued = undefined), tick())));
      clearTimeout(timer);
      const current = look().finally(() => {
        running = undefined;
        if (!closed && !queued) timer = setTimeout(() => void tick(), this.pollMs);
      });
      running = current;
      return current;
    };
    this.watchers.add(tick);
    timer = setTimeout(() => void tick(), this.pollMs);
    return {
      close: () => {
        closed = true;
        clearTimeout(timer);
        this.watchers.delete(tick);
      },
    };
  }

  /**
   * Look now (after berth itself changed a service): a stop followed at once by a remove would otherwise fall between
   * two looks, and its `die`/`stop` would never be told. Resolves once the look is done.
   */
  async poke(): Promise<void> {
    await Promise.all([...this.watchers].map((tick) => tick()));
  }

  private async look(domain: string): Promise<Map<string, Seen>> {
    const { services, tasks } = await listServicesAndTasks(this.docker, this.r, domain);
    const byService = new Map<string, SwarmTask[]>();
    for (const t of tasks) byService.set(t.ServiceID, [...(byService.get(t.ServiceID) ?? []), t]);
    return new Map(
      services.map((s) => {
        const task = currentTask(byService.get(s.ID) ?? []);
        return [s.ID, { version: s.Version.Index, replicas: s.Spec.Mode.Replicated?.Replicas ?? 0, task: task?.ID, running: task?.Status.State === 'running' }];
      }),
    );
  }
}

/** The container events that take `before` to `after`, per service, in the order they happened. */
export function differences(before: ReadonlyMap<string, Seen>, after: ReadonlyMap<string, Seen>): { id: string; action: string }[] {
  const out: { id: string; action: string }[] = [];
  for (const [id, was] of before) {
    if (after.has(id)) continue;
    if (was.running) out.push({ id, action: 'die' });
    out.push({ id, action: 'destroy' });
  }
  for (const [id, is] of after) {
    const was = before.get(id);
    if (!was) {
      out.push({ id, action: 'create' });
      if (is.running) out.push({ id, action: 'start' });
      continue;
    }
    const taskChanged = was.task !== is.task;
    if (was.running && (!is.running || taskChanged)) out.push({ id, action: 'die' });
    if (was.running && !is.running && is.replicas === 0) out.push({ id, action: 'stop' });
    if (is.running && (!was.running || taskChanged)) out.push({ id, action: 'start' });
    else if (!was.running && !is.running && taskChanged && is.replicas > 0) out.push({ id, action: 'restart' });
    if (was.version !== is.version && !out.some((e) => e.id === id)) out.push({ id, action: 'update' });
  }
  return out;
}
