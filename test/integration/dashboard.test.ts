import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { BerthProcess } from '../helpers/berth-process.js';
import { removeTags, writeConfig } from '../helpers/build-helpers.js';
import { GitServer } from '../helpers/git-server.js';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.js';
import { BUSYBOX_IMAGE, cleanDomain, containersOf, docker, makeImage, testDomain } from '../helpers/docker.js';
import { freePort, waitFor } from '../helpers/wait-for.js';
import { WampClient } from '../helpers/wamp-client.js';

const D = testDomain('dash');
const dir = mkdtempSync(join(tmpdir(), 'berth-dash-'));

describe('the dashboard on the embedded router', { timeout: 120_000 }, () => {
  let berth: BerthProcess;
  let browser: Browser;
  let port: number;
  let http: string;
  let client: WampClient;
  let git: GitServer;
  let args: string[];

  beforeAll(async () => {
    await makeImage(D, 'bb');
    await makeImage(D, 'ticker', { cmd: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 1; done'] });
    git = await GitServer.start();
    git.addRepo('app', { 'Run.yaml': 'Base: busybox\nSetup:\n  - echo step-one-of-app\n  - echo step-two-of-app\nCommand: [sleep, "3600"]\n' });
    git.addRepo('slow', { 'Run.yaml': 'Base: busybox\nSetup:\n  - echo slow-build-started; sleep 120\nCommand: [/bin/true]\n' });
    const config = writeConfig(dir, { bases: { busybox: BUSYBOX_IMAGE }, build: { allowPrivateHosts: true } });
    port = await freePort();
    http = `http://127.0.0.1:${port}`;
    args = ['--listen', `127.0.0.1:${port}`, '--domain', D, '--config', config];
    berth = await BerthProcess.start(args);
    client = await WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await client?.close();
    await berth?.stop();
    await git?.[Symbol.asyncDispose]();
    await removeTags(D);
    await cleanDomain(D);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the built page and its config on --listen, GET and HEAD only, with a policy that keeps it on the machine', async () => {
    const page = await fetch(`${http}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'.*script-src 'self'.*frame-ancestors 'none'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toMatch(/<div id="app">/);
    expect(await (await fetch(`${http}/config.json`)).json()).toEqual({ router: null, realm: 'realm1', domain: D });
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/nosuchfile', '/src/main.tsx', '/%ZZ']) {
      expect((await fetch(`${http}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${http}/`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await fetch(`${http}/`, { method: 'HEAD' })).status).toBe(200);
    // The script (mostly autobahn-js) goes out gzipped to a browser that accepts it: the size the README reports.
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(await (await fetch(`${http}/`)).text())![1]!;
    const { request } = await import('node:http');
    const sizes = await new Promise<{ encoding?: string; length: number }>((resolve, reject) =>
      request(`${http}/${script}`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        let length = 0;
        res.on('data', (b: Buffer) => (length += b.length)).on('end', () => resolve({ encoding: res.headers['content-encoding'], length }));
      }).on('error', reject).end(),
    );
    expect(sizes.encoding).toBe('gzip');
    expect(sizes.length).toBeLessThan(150_000);
  });

  it('lists the containers; one created by another client appears within 1 s; stop from the page stops it in the engine', async () => {
    await client.call(`${D}/create`, ['bb', 'first']);
    const { page, foreign, errors } = await openPage(browser, `${http}/`);
    const row = (name: string) => page.locator(`tr[data-name="${name}"]`);
    await row('first').waitFor({ timeout: 10_000 });
    expect(await row('first').getByTestId('state').textContent()).toBe('running');

    await client.call(`${D}/create`, ['bb', 'second']);
    const created = Date.now();
    await row('second').waitFor({ timeout: 5_000 });
    expect(Date.now() - created).toBeLessThan(1_000);
    await screenshot(page, 'containers');

    await row('first').getByRole('button', { name: 'stop first' }).click();
    await waitFor('the page to show first exited', async () => (await row('first').getByTestId('state').textContent()) === 'exited', 20_000);
    expect((await containersOf(D)).find((c) => c.name === `${D}.first`)?.state).toBe('exited');
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('creates from the form; a taken name shows the procedure\'s message and its error URI next to the form', async () => {
    const { page, errors } = await openPage(browser, `${http}/`);
    const form = page.getByRole('form', { name: 'Create a container' });
    await form.getByLabel('Name', { exact: true }).fill('third');
    await form.getByRole('button', { name: 'Add variable' }).click();
    await form.getByLabel('variable 1 name').fill('GREETING');
    await form.getByLabel('variable 1 value').fill('hi there');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.locator('tr[data-name="third"]').waitFor({ timeout: 15_000 });
    // The row comes from D/events, possibly before create answers; the form empties its name field when it does.
    await waitFor('the form to finish the create', async () => (await form.getByLabel('Name', { exact: true }).inputValue()) === '', 15_000);
    const inspect = await client.call<{ config: { environment: Record<string, string> } }>(`${D}/third/inspect`);
    expect(inspect.config.environment.GREETING).toBe('hi there');

    await form.getByLabel('Name', { exact: true }).fill('third');
    await form.getByRole('button', { name: 'Create' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toMatch(/a container "third" already exists.*berth\.error\.already_exists/);
    await screenshot(page, 'create-error');
    expect(errors).toEqual([]);
  });

  it('shows a banner when the router goes away and recovers by itself, without a reload', async () => {
    const { page } = await openPage(browser, `${http}/`);
    await page.locator('tr[data-name="first"]').waitFor({ timeout: 10_000 });
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await client.close();
    await berth.stop();
    await page.getByTestId('banner').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('banner').textContent()).toMatch(/Lost the router/);
    berth = await BerthProcess.start(args);
    client = await WampClient.connect(`ws://127.0.0.1:${port}/ws`);
    await page.getByTestId('banner').waitFor({ state: 'detached', timeout: 15_000 });
    // The same page (no reload), live again: a container made now appears.
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    await client.call(`${D}/create`, ['bb', 'fourth']);
    await page.locator('tr[data-name="fourth"]').waitFor({ timeout: 5_000 });
  });

  it('builds from the page with the log streaming in, cancels a build, and shows the image in the images view', async () => {
    // Once (of many full runs) under load the first build line did not show within 60 s: say what berth did meanwhile.
    const { page, foreign, errors } = await openPage(browser, `${http}/#/images`);
    const form = page.getByRole('form', { name: 'Build an image' });
    onTestFailed(async () => {
      const shown = await form.innerText({ timeout: 2_000 }).catch((err: unknown) => String(err));
      console.error(`the build form showed:\n${shown}\nberth's log, last 40 lines:\n${berth.lines.slice(-40).map((l) => JSON.stringify(l)).join('\n')}`);
    });
    const log = form.getByLabel('build log');
    // A build that runs long: its first line is on the page while it still runs; Cancel ends it.
    await form.getByLabel('Name', { exact: true }).fill('slow');
    await form.getByLabel('Git URL').fill(git.url('slow'));
    await form.getByRole('button', { name: 'Build' }).click();
    await log.filter({ hasText: 'slow-build-started' }).waitFor({ timeout: 60_000 });
    expect(await form.getByRole('button', { name: 'Building…' }).isDisabled()).toBe(true);
    await screenshot(page, 'build-running');
    await form.getByRole('button', { name: 'Cancel build' }).click();
    await form.getByRole('alert').filter({ hasText: 'berth.error.canceled' }).waitFor({ timeout: 30_000 });

    await form.getByLabel('Name', { exact: true }).fill('app');
    await form.getByLabel('Git URL').fill(git.url('app'));
    await form.getByRole('button', { name: 'Build' }).click();
    await form.getByRole('status').filter({ hasText: 'built app in' }).waitFor({ timeout: 60_000 });
    expect(await log.textContent()).toMatch(/step-one-of-app[\s\S]*step-two-of-app/);
    const row = page.locator('table[data-testid="images"] tr[data-name="app"]');
    await row.waitFor({ timeout: 5_000 });
    expect(await row.locator('a').getAttribute('href')).toBe(git.url('app'));
    expect(await docker('images', '-q', `berth/${D}:app`)).not.toBe('');
    expect(await docker('images', '-q', `berth/${D}:slow`)).toBe('');
    await screenshot(page, 'images');
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('container detail: the sandbox in words, live logs of lines printed after the page opened, pause and search, usage', async () => {
    await client.call(`${D}/create`, ['ticker', 'ticker1']);
    const { page, errors } = await openPage(browser, `${http}/`);
    // CPU and memory of running containers appear in the list (D/<name>/top every 2 s).
    await page.locator('tr[data-name="ticker1"] [data-testid="memory"]', { hasText: 'MiB' }).waitFor({ timeout: 10_000 });
    await page.locator('tr[data-name="ticker1"] a').click();
    expect(page.url()).toMatch(/#\/containers\/ticker1$/);
    await page.getByText('all dropped').waitFor({ timeout: 10_000 });
    expect(await page.locator('dl.sandbox').first().textContent()).toMatch(/Root file system\s*read-only; writable: \/tmp/);
    const logs = page.getByTestId('logs');
    const ticks = async () => [...((await logs.textContent()) ?? '').matchAll(/tick-(\d+)/g)].map((m) => Number(m[1]));
    const atOpen = Math.max(0, ...(await ticks()));
    // A line the container prints after the page opened arrives over the topic, without a reload.
    await waitFor('a new tick on the page', async () => Math.max(...(await ticks())) >= atOpen + 2, 15_000);
    await page.getByRole('button', { name: 'Pause' }).click();
    const paused = Math.max(...(await ticks()));
    await page.getByRole('button', { name: /Resume \([1-9]\d* new\)/ }).waitFor({ timeout: 10_000 });
    expect(Math.max(...(await ticks()))).toBe(paused);
    await page.getByRole('button', { name: /Resume/ }).click();
    expect(Math.max(...(await ticks()))).toBeGreaterThan(paused);
    await page.getByLabel('Search').fill(`tick-${paused}`);
    expect(await ticks()).toEqual([paused]);
    await page.getByLabel('Search').fill('');
    await page.locator('svg.sparkline').first().waitFor();
    await screenshot(page, 'container-detail');
    expect(errors).toEqual([]);
  });

  it('works at phone width and from the keyboard alone: tab to a container\'s Remove, Enter, confirm', async () => {
    await client.call(`${D}/create`, ['bb', 'phone1']);
    const { page, errors } = await openPage(browser, `${http}/`, { width: 390, height: 844 });
    const row = page.locator('tr[data-name="phone1"]');
    await row.waitFor({ timeout: 10_000 });
    // Nothing wider than the window: no sideways scrolling on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone');
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    const remove = row.getByRole('button', { name: 'remove phone1' });
    for (let i = 0; i < 200 && !(await remove.evaluate((b) => b === document.activeElement)); i++) await page.keyboard.press('Tab');
    expect(await remove.evaluate((b) => b === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await row.waitFor({ state: 'detached', timeout: 20_000 });
    expect(asked).toMatch(/Remove container phone1\?/);
    expect((await containersOf(D)).some((c) => c.name === `${D}.phone1`)).toBe(false);
    expect(errors).toEqual([]);
  });

  it('logs in with WAMP-CRA when the router wants it (a second berth whose only users are WAMP-CRA users)', async () => {
    const D2 = `${D}cra`;
    const port2 = await freePort();
    const config = writeConfig(dir, { embeddedRouter: { anonymous: false, wampcra: { carol: { secret: 'carol-secret-1', role: 'user' } } } });
    await using other = await BerthProcess.start(['--listen', `127.0.0.1:${port2}`, '--domain', D2, '--config', config]);
    const { page, errors } = await openPage(browser, `http://127.0.0.1:${port2}/`);
    const form = page.getByRole('form', { name: 'Log in' });
    await form.waitFor({ timeout: 15_000 });
    await form.getByLabel('User').fill('carol');
    await form.getByLabel('Secret').fill('carol-secret-1');
    await form.getByLabel('Method').selectOption('wampcra');
    await form.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('header .user').textContent()).toMatch(/carol/);
    expect(await form.count()).toBe(0);
    expect(other.lines.some((l) => l.msg === 'joined the router')).toBe(true);
    expect(errors.filter((e) => !/WebSocket|ERR_/.test(e))).toEqual([]);
    await other.stop();
    await cleanDomain(D2);
  });
});
