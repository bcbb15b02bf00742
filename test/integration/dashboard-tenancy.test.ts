import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot } from '../helpers/browser.js';
import { DOCS_USERS } from '../helpers/crossbar-docs.js';
import { cleanDomain, makeImage, testDomain } from '../helpers/docker.js';
import { startTenantBerth, type TenantBerth } from '../helpers/tenant-berth.js';
import { nexusSkip, ON_NEXUS, ROUTER_KIND } from '../helpers/test-router.js';
import { freePort } from '../helpers/wait-for.js';

const D = testDomain('dasht');
// Made in beforeAll: a describe skipped by name (on nexus) is still collected, and would leave it behind.
let dir = '';

/**
 * The dashboard with ticket users: on the embedded router it is served on --listen; with Crossbar.io
 * (configured exactly as docs/crossbar.md says) on --http, and the page joins Crossbar.io.
 */
describe.skipIf(ON_NEXUS)(nexusSkip(`the dashboard with ticket users (${ROUTER_KIND})`, 'tickets'), { timeout: 120_000 }, () => {
  let tenant: TenantBerth;
  let browser: Browser;
  let http: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-dasht-'));
    // An admin's image: everyone's create may use it (ownership).
    await makeImage(D, 'bb', { labels: { 'berth.owner': 'root', 'berth.owner-role': 'admin' } });
    const port = await freePort();
    const config = ROUTER_KIND === 'crossbar' ? { http: `127.0.0.1:${port}`, callers: 'owner' } : { callers: 'owner' };
    tenant = await startTenantBerth(ROUTER_KIND, D, dir, config);
    http = ROUTER_KIND === 'crossbar' ? `http://127.0.0.1:${port}/` : tenant.url.replace(/^ws/, 'http').replace(/\/ws$/, '/');
    for (const [who, name] of [['alice', 'alices'], ['bob', 'bobs']] as const) {
      await using c = await tenant.connect(who);
      await c.call(`${D}/create`, ['bb', name]);
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await tenant?.[Symbol.asyncDispose]();
    await cleanDomain(D);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const login = async (page: Page, who: string, secret: string) => {
    const form = page.getByRole('form', { name: 'Log in' });
    await form.waitFor({ timeout: 15_000 });
    await form.getByLabel('User').fill(who);
    await form.getByLabel('Secret').fill(secret);
    await form.getByRole('button', { name: 'Log in' }).click();
  };

  it('asks for a login; a wrong secret is refused; a user sees only their own containers; an admin sees all with owners', async () => {
    const { page, foreign, errors } = await openPage(browser, http, { allowed: [tenant.url] });
    await login(page, 'alice', 'not-her-ticket');
    await page.getByRole('form', { name: 'Log in' }).getByRole('alert').waitFor({ timeout: 15_000 });
    await screenshot(page, 'login');

    await login(page, 'alice', DOCS_USERS.alice);
    await page.locator('tr[data-name="alices"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('tr[data-name="bobs"]').count()).toBe(0);
    expect(await page.locator('header .user').textContent()).toMatch(/alice/);
    // Remembered for the browser session: a reload joins as alice again without asking.
    await page.reload();
    await page.locator('tr[data-name="alices"]').waitFor({ timeout: 15_000 });
    expect(await page.getByRole('form', { name: 'Log in' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Log out' }).click();
    await login(page, 'root', DOCS_USERS.root);
    await page.locator('tr[data-name="bobs"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('tr[data-name="alices"]').count()).toBe(1);
    expect(await page.locator('th', { hasText: 'Owner' }).count()).toBe(1);
    expect(foreign).toEqual([]);
    // The refused join is the router's answer, not a page error.
    expect(errors.filter((e) => !/WebSocket|ERR_/.test(e))).toEqual([]);
  });
});
