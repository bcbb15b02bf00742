import type Dockerode from 'dockerode';
import { isBerthError } from '../errors.js';
import type { DockerRequests } from './docker-requests.js';
import { domainFilter } from './labels.js';
import type { SwarmService, SwarmTask } from './swarm-api.js';

const TRIES = 3;

/**
 * The domain's services and their tasks, as one consistent look. The manager has no call for both: the tasks are asked
 * for by service, and a service removed between the two requests makes the second one fail with 404 ("service … not
 * found"), so the look is taken again (a few times; then the error stands).
 */
export async function listServicesAndTasks(docker: Dockerode, r: DockerRequests, domain: string): Promise<{ services: SwarmService[]; tasks: SwarmTask[] }> {
  for (let attempt = 1; ; attempt++) {
    const services = (await r.request('list services', (abortSignal) =>
      docker.listServices({ filters: { label: [domainFilter(domain)] }, abortSignal } as {}),
    )) as unknown as SwarmService[];
    if (services.length === 0) return { services, tasks: [] };
    try {
      const tasks = (await r.request('list tasks', (abortSignal) => docker.listTasks({ filters: { service: services.map((s) => s.ID) }, abortSignal }))) as SwarmTask[];
      return { services, tasks };
    } catch (err) {
      if (attempt >= TRIES || !isBerthError(err, 'not_found')) throw err;
    }
  }
}
