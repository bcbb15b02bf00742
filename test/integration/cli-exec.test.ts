import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BerthCli, type CliResult } from '../helpers/berth-cli.js';
import { BerthProcess } from '../helpers/berth-process.js';
import { cleanDomain, docker, makeImage, testDomain } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

/**
 * `berth exec NAME [--timeout S] -- CMD [ARG…]` against a real berth and engine: the command's stdout and
 * stderr go to the CLI's own, and its exit status is the command's (124 on the time limit, 130 on Ctrl-C).
 */
const D = testDomain('cliexec');
const routerUrl = inject('routerUrl');
let berth: BerthProcess;
let client: WampClient;

const berthCli = (args: string[], timeoutMs?: number): Promise<CliResult> => BerthCli.run(args, { BERTH_ROUTER: routerUrl, BERTH_DOMAIN: D, NO_COLOR: undefined }, timeoutMs);
const processes = async (name: string) =>
  (await docker('top', `${D}.${name}`, '-o', 'pid,args'))
    .split('\n')
    .slice(1)
    .map((l) => l.trim().replace(/^\d+\s+/, ''));

describe('berth exec', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    await makeImage(D, 'bb');
    berth = await BerthProcess.start(['--router', routerUrl, '--domain', D]);
    client = await WampClient.connect(routerUrl);
    await client.call(`${D}/create`, ['bb', 'c1']);
  });

  afterAll(async () => {
    await client?.close();
    await berth?.stop();
    await cleanDomain(D);
  });

  it("prints stdout to stdout and stderr to stderr, and exits with the command's status", async () => {
    const r = await berthCli(['exec', 'c1', '--', 'sh', '-c', 'echo out 1; echo err 1 >&2; echo out 2; exit 7']);
    expect(r).toEqual({ code: 7, stdout: 'out 1\nout 2\n', stderr: 'err 1\n' });
    expect(await berthCli(['exec', 'c1', '--', 'id', '-u'])).toEqual({ code: 0, stdout: '65534\n', stderr: '' });
    expect(await berthCli(['exec', 'c1', 'echo', 'no', 'dashes'])).toEqual({ code: 0, stdout: 'no dashes\n', stderr: '' });
  });

  it('--json prints the result', async () => {
    const r = await berthCli(['exec', '--json', 'c1', '--', 'echo', 'hi']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ exitCode: 0, output: 'hi\n', truncated: false, timedOut: false });
  });

  it('--timeout: the command is killed and the CLI exits 124, as coreutils timeout', async () => {
    const r = await berthCli(['exec', 'c1', '--timeout', '1', '--', 'sh', '-c', 'echo begun; sleep 306']);
    expect(r.code).toBe(124);
    expect(r.stdout).toBe('begun\n');
    expect(r.stderr).toMatch(/killed: it ran past the time limit/);
    await waitFor('no sleep 306', async () => !(await processes('c1')).includes('sleep 306'), 10_000);
  });

  it('Ctrl-C leaves the router, berth kills the command, the CLI exits 130', async () => {
    await using cli = BerthCli.spawn(['exec', 'c1', '--', 'sleep', '307'], { BERTH_ROUTER: routerUrl, BERTH_DOMAIN: D });
    await waitFor('sleep 307 running', async () => (await processes('c1')).includes('sleep 307'), 15_000);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    await waitFor('sleep 307 killed', async () => !(await processes('c1')).includes('sleep 307'), 15_000);
  });

  it('a stopped container: one error line, status 1', async () => {
    await client.call(`${D}/c1/stop`);
    const r = await berthCli(['exec', 'c1', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not_running/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
