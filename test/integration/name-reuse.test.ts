import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, makeImage, testDomain } from '../helpers/docker.js';
import { WampClient } from '../helpers/wamp-client.js';

const routerUrl = inject('routerUrl');
const WORKERS = 4;
const CYCLES = 100;

describe('a removed name is free at once', { timeout: 600_000 }, () => {
  const D = testDomain('reuse');
  let berth: BerthProcess;
  let client: WampClient;

  beforeAll(async () => {
    // Ends at once on SIGTERM, so each remove is quick and the cycles crowd the engine's events.
    await makeImage(D, 'quick', { cmd: ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] });
    berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    client = await WampClient.connect(routerUrl);
  });
  afterAll(async () => {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
  });

  it(`${WORKERS} workers × ${CYCLES} create → remove cycles of one name each: every create after a remove succeeds`, async () => {
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        const name = `ch${w}`;
        for (let i = 0; i < CYCLES; i++) {
          try {
            await client.call(`${D}/create`, ['quick', name]);
            await client.call(`${D}/remove`, [name]);
          } catch (err) {
            failures.push(`${name} cycle ${i}: ${(err as { error?: string }).error ?? String(err)}`);
          }
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(await client.call(`${D}/list`)).toEqual([]);
  });
});
