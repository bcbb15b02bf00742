import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, testDomain } from '../helpers/docker.js';
import { freePort } from '../helpers/wait-for.js';
import { within } from './helpers/compare.js';
import { WampyClient } from './helpers/wampy-client.js';

// A real berth (the built CLI, the real engine) on its embedded router, called by wampy over msgpack: the appliance's
// answers reach a binary-serializer client unchanged.
describe('wampy (msgpack) and a real berth on its embedded router', { timeout: 180_000 }, () => {
  const D = testDomain('wy');
  beforeAll(() => {
    // npm test compiles once for all its runs (BERTH_TEST_BUILT=1); a run of its own compiles here.
    if (process.env.BERTH_TEST_BUILT !== '1') execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  });
  afterAll(() => cleanDomain(D));

  it('calls D/list and gets the same answer as over JSON', async () => {
    const port = await freePort();
    await using _berth = await BerthProcess.start(['--listen', `127.0.0.1:${port}`, '--domain', D]);
    const target = { name: 'embedded' as const, url: `ws://127.0.0.1:${port}/ws`, realm: 'realm1' }; // berth's default realm
    const answers: Record<string, unknown> = {};
    for (const s of ['msgpack', 'json'] as const) {
      await using client = await WampyClient.open(target, s);
      const r = await within(`${s} D/list`, client.w.call(`${D}/list`));
      answers[s] = r.argsList;
    }
    expect(answers.msgpack).toEqual([[]]);
    expect(answers.msgpack).toEqual(answers.json);
  });
});
