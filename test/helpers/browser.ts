import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (scripts/test-setup.sh installs it); playwright-core never downloads a browser here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the tests save a screenshot of each view (the README shows two of them). */
export const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** A headless chromium for one test file; every page it opens may reach loopback only (what the page loads is checked). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container-less test run chromium needs --no-sandbox; nothing but berth's own page is loaded.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/**
 * A page at `url` (berth's dashboard) in a fresh context of `width`×`height`. Requests to anywhere but the page's own
 * origin and `allowed` origins fail the test: nothing may leave the machine.
 */
export async function openPage(browser: Browser, url: string, options: { width?: number; height?: number; allowed?: string[] } = {}): Promise<{ page: Page; foreign: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
  const page = await context.newPage();
  const own = new URL(url).origin;
  const allowed = new Set([own, ...(options.allowed ?? []).map((u) => new URL(u.replace(/^ws/, 'http')).origin)]);
  const foreign: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => {
    const origin = new URL(r.url().replace(/^ws/, 'http')).origin;
    if (!r.url().startsWith('data:') && !allowed.has(origin)) foreign.push(r.url());
  });
  page.on('websocket', (ws) => {
    const origin = new URL(ws.url().replace(/^ws/, 'http')).origin;
    if (!allowed.has(origin)) foreign.push(ws.url());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  return { page, foreign, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}
