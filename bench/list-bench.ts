import { BerthProcess } from '../test/helpers/berth-process.js';
import { cleanDomain, makeImage, testDomain } from '../test/helpers/docker.js';
import { freePort } from '../test/helpers/wait-for.js';
import { WampClient } from '../test/helpers/wamp-client.js';
import { engineGet, listPath } from './engine-http.js';
import { round, summarize, timeEach, type Row } from './stats.js';

const CONTAINERS = 50;
const CALLS = 2_000;


/**
 * list() through a router (answered from berth's index) vs the engine's own list call with the same filter. Without a
 * router URL berth runs zero-config: its own embedded router, which berth's session joins in-process.
 */
export async function listBench(routerUrl: string | undefined, routerName = 'Crossbar.io'): Promise<{ rows: Row[]; json: unknown }> {
  const D = testDomain('benchlist');
  let berth: BerthProcess | undefined;
  let client: WampClient | undefined;
  try {
    await makeImage(D, 'bb');
    const port = routerUrl ? 0 : await freePort();
    const url = routerUrl ?? `ws://127.0.0.1:${port}/ws`;
    const where = routerUrl ? ['--router', routerUrl] : ['--listen', `127.0.0.1:${port}`];
    berth = await BerthProcess.start([...where, '--domain', D, '--log-level', 'info']);
    const c = (client = await WampClient.connect(url));
    for (let i = 0; i < CONTAINERS; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => c.call(`${D}/create`, ['bb', `c${i + j}`])));
    }
    const listed = await c.call<unknown[]>(`${D}/list`);
    const engineListed = (await engineGet(listPath(D))) as unknown[];
    if (listed.length !== CONTAINERS || engineListed.length !== CONTAINERS) throw new Error('setup did not make 50 containers');
    // A do-nothing procedure on the same router: the floor any WAMP call pays.
    await c.session.register(`bench.${D}/echo`, () => null);
    // A callee that answers the very same 50-container list without any work: what the router costs for that payload.
    await c.session.register(`bench.${D}/same-payload`, () => listed);
    await timeEach(200, () => c.call(`${D}/list`)); // warm-up
    await timeEach(200, () => engineGet(listPath(D)));
    const berthMs = summarize(await timeEach(CALLS, () => c.call(`${D}/list`)));
    const engineMs = summarize(await timeEach(CALLS, () => engineGet(listPath(D))));
    const echoMs = summarize(await timeEach(CALLS, () => c.call(`bench.${D}/echo`)));
    const samePayloadMs = summarize(await timeEach(CALLS, () => c.call(`bench.${D}/same-payload`)));
    const rows: Row[] = [
      { bench: `list() via ${routerName}`, case: `p50, ${CONTAINERS} containers, ${CALLS} calls`, value: `${berthMs.p50} ms`, baseline: `engine ${engineMs.p50} ms`, ratio: `${round(berthMs.p50 / engineMs.p50, 2)}×`, target: '≤ 1.00×' },
      { bench: `list() via ${routerName}`, case: 'p99', value: `${berthMs.p99} ms`, baseline: `engine ${engineMs.p99} ms`, ratio: `${round(berthMs.p99 / engineMs.p99, 2)}×`, target: '' },
      { bench: `list() via ${routerName}`, case: 'p50 vs a no-op call on the same router', value: `${berthMs.p50} ms`, baseline: `no-op ${echoMs.p50} ms`, ratio: `${round(berthMs.p50 / echoMs.p50, 2)}×`, target: '' },
      { bench: `list() via ${routerName}`, case: 'p50 vs a callee returning the same payload', value: `${berthMs.p50} ms`, baseline: `same payload ${samePayloadMs.p50} ms`, ratio: `${round(berthMs.p50 / samePayloadMs.p50, 2)}×`, target: '' },
    ];
    return { rows, json: { router: routerName, containers: CONTAINERS, calls: CALLS, berthListMs: berthMs, engineListMs: engineMs, noopCallMs: echoMs, samePayloadMs } };
  } finally {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
  }
}
