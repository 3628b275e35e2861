import { mkdirSync } from 'node:fs';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { attemptWs, closed, openClient } from '../helpers/ws-client.js';
import { chromiumPerFile } from './chromium-per-file.js';

const browser = chromiumPerFile();
let wsfault: RunningWsfault | null = null;
afterEach(async () => {
  await wsfault?.stop(200);
  wsfault = null;
});

/**
 * Waits with selectors, never with waitForFunction: Playwright evaluates a predicate with eval,
 * which the page's CSP (rightly) forbids.
 */
const live = (page: Page) => page.locator('#stream', { hasText: /^live$/ }).waitFor({ timeout: 15_000 });

const WRITE_DOCS = process.env.WSFAULT_WRITE_DOCS === '1';

/** A page that records every console message (a CSP violation is one) and uncaught error. */
async function openPage(viewport = { width: 1280, height: 800 }): Promise<{ page: Page; problems: string[]; messages: ConsoleMessage[] }> {
  const page = await browser().newPage({ viewport });
  const problems: string[] = [];
  const messages: ConsoleMessage[] = [];
  page.on('console', (message) => {
    messages.push(message);
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return { page, problems, messages };
}

describe('the dashboard in a real Chromium', () => {
  it('loads with a strict CSP and no console error, switches scenarios, kills with 4000 and logs open and close', async () => {
    wsfault = await createWsfault({ seed: 1 });
    const proxyUrl = wsfault.app.status()[0]!.url;
    const response = await fetch(`${wsfault.apiUrl}/`);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("style-src 'self'");
    const { page, problems } = await openPage();
    try {
      await page.goto(`${wsfault.apiUrl}/`);
      await live(page);
      await page.waitForSelector('#scenarios button[data-scenario="upgrade-required-426"]');
      await page.locator('#timeline-status', { hasText: /\S/ }).waitFor({ timeout: 15_000 });
      expect(await page.textContent('#proxies tbody')).toContain(`${proxyUrl} → `);
      expect(await page.textContent('#proxies tbody')).toContain('passthrough');

      // One click on a scenario: the next client is refused with 426.
      await page.click('#scenarios button[data-scenario="upgrade-required-426"]');
      await page.waitForSelector('#scenarios button[aria-pressed="true"][data-scenario="upgrade-required-426"]', { timeout: 15_000 });
      expect(wsfault.app.status()[0]!.scenario).toBe('upgrade-required-426');
      expect(await page.textContent('#proxies tbody')).toContain('upgrade-required-426');
      const refused = await attemptWs(`${proxyUrl}/ws`);
      expect(refused.opened).toBe(false);
      expect(refused.error).toContain('426');

      // Back to passthrough, then a live client killed from its row with code 4000.
      await page.click('#scenarios button[data-scenario="passthrough"]');
      await page.waitForSelector('#scenarios button[aria-pressed="true"][data-scenario="passthrough"]', { timeout: 15_000 });
      const ws = await openClient(`${proxyUrl}/ws`);
      const closing = closed(ws);
      const [conn] = wsfault.app.connections('default').map((c) => c.id);
      const row = `#connections tr[data-conn="${conn}"]`;
      await page.waitForSelector(row, { timeout: 15_000 });
      expect(await page.textContent(row)).toContain('/ws');
      if (WRITE_DOCS) {
        mkdirSync('docs/img', { recursive: true });
        await page.screenshot({ path: 'docs/img/dashboard.png', fullPage: true });
      }
      await page.selectOption(`${row} select`, '4000');
      await page.click(`${row} button[data-how="close-frame"]`);
      expect((await closing).code).toBe(4000);
      await page.waitForSelector(row, { state: 'detached', timeout: 15_000 });

      // The log shows this connection's open and close; the type filter keeps only closes.
      await page.waitForSelector(`#events li[data-type="connection.close"][data-conn="${conn}"]`, { timeout: 15_000 });
      expect(await page.locator(`#events li[data-type="connection.open"][data-conn="${conn}"]`).count()).toBe(1);
      expect(await page.textContent(`#events li[data-type="connection.close"][data-conn="${conn}"]`)).toContain('by proxy, close-frame 4000');
      await page.selectOption('#event-type', 'connection.close');
      const types = (await page.$$eval('#events li', (items) => items.map((li) => li.getAttribute('data-type')))) as string[];
      expect(types.length).toBeGreaterThan(0);
      expect(new Set(types)).toEqual(new Set(['connection.close']));

      // The timeline follows: both clients came from this process (one addr+ua key), so one row
      // with two marks, the refused attempt and the one killed with 4000.
      await page.locator('#timeline-status', { hasText: /^1 client\(s\) over / }).waitFor({ timeout: 15_000 });
      await expect.poll(() => page.locator('#timeline .timeline-row rect.attempt').count(), { timeout: 15_000 }).toBe(2);
      expect(await page.locator('#timeline .timeline-row rect.attempt.outcome-rejected').count()).toBe(1);
      if (WRITE_DOCS) {
        await page.setViewportSize({ width: 420, height: 900 });
        await page.screenshot({ path: 'docs/img/dashboard-narrow.png', fullPage: true });
      }
    } finally {
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('the reconnect timeline draws a mark per attempt of a reconnecting client, coloured by outcome', async () => {
    // The first three connections are refused with 426; the client retries every 100 ms until it
    // opens, so the report holds exactly 4 attempts for it: 3 rejected, 1 upgraded.
    const scenario = { name: 'first-three-426', faults: [{ type: 'status', code: 426, match: { connections: '1-3' } }] };
    wsfault = await createWsfault({ seed: 6, scenario, report: { clientKey: 'query:client' } });
    const url = `${wsfault.app.status()[0]!.url}/ws?client=retrier`;
    let tries = 0;
    for (;;) {
      tries++;
      const attempt = await attemptWs(url);
      if (attempt.opened) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(tries).toBe(4);
    const { page, problems } = await openPage();
    try {
      await page.goto(`${wsfault.apiUrl}/`);
      const row = page.locator('#timeline .timeline-row[data-client="retrier"]');
      await row.waitFor({ timeout: 15_000 });
      await expect.poll(() => row.locator('rect.attempt').count(), { timeout: 15_000 }).toBe(4);
      expect(await row.locator('rect.attempt.outcome-rejected').count()).toBe(3);
      expect(await row.locator('rect.attempt.outcome-upgraded').count()).toBe(1);
      expect(await row.locator('.count').textContent()).toBe('4 attempts');
      // A live connection's row names its client by the report's key, not its address.
      const live = await openClient(`${wsfault.app.status()[0]!.url}/ws?client=live-one`);
      const [conn] = wsfault.app.connections('default').map((c) => c.id);
      await page.locator(`#connections tr[data-conn="${conn}"] td`, { hasText: /^live-one$/ }).waitFor({ timeout: 15_000 });
      live.close();
    } finally {
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('every control is reachable with the keyboard and has a name', async () => {
    wsfault = await createWsfault({ seed: 2 });
    const ws = await openClient(`${wsfault.app.status()[0]!.url}/ws`);
    const { page } = await openPage({ width: 420, height: 800 });
    try {
      await page.goto(`${wsfault.apiUrl}/`);
      await page.waitForSelector('#connections tbody tr button', { timeout: 15_000 });
      // Every button, select and input has an accessible name.
      const unnamed = (await page.evaluate(
        `[...document.querySelectorAll('button, select, input')].filter((n) => !n.closest('[hidden]')).filter((n) => !(n.getAttribute('aria-label') || n.labels?.length || (n.tagName === 'BUTTON' && n.textContent.trim()))).map((n) => n.outerHTML)`,
      )) as string[];
      expect(await page.locator('button, select, input').count()).toBeGreaterThan(10);
      expect(unnamed).toEqual([]);
      // Tab reaches the kill buttons of the live connection.
      let reached = false;
      for (let i = 0; i < 200 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(`document.activeElement?.dataset.how === 'rst'`);
      }
      expect(reached).toBe(true);
      // Nothing is wider than a narrow window but the tables, which scroll inside their section.
      expect(await page.evaluate(`document.documentElement.scrollWidth <= window.innerWidth`)).toBe(true);
    } finally {
      await page.close();
      ws.close();
    }
  }, 60_000);

  it('shows at most 200 connection rows and says how many are open', async () => {
    wsfault = await createWsfault({ seed: 4 });
    const url = `${wsfault.app.status()[0]!.url}/ws`;
    const clients = await Promise.all(Array.from({ length: 201 }, () => openClient(url)));
    const { page, problems } = await openPage();
    try {
      await page.goto(`${wsfault.apiUrl}/`);
      await page.locator('#no-connections', { hasText: '201 open connections, the first 200 shown.' }).waitFor({ timeout: 15_000 });
      expect(await page.locator('#connections tbody tr').count()).toBe(200);
      expect(await page.textContent('#proxies tbody')).toContain('201');
    } finally {
      await page.close();
      for (const ws of clients) ws.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('picks up a scenario added over the API without a reload (no event says so: it looks every 15 s)', async () => {
    wsfault = await createWsfault({ seed: 5 });
    const { page, problems } = await openPage();
    try {
      await page.goto(`${wsfault.apiUrl}/`);
      await live(page);
      const added = await fetch(`${wsfault.apiUrl}/scenarios/team-outage`, {
        method: 'PUT',
        headers: { 'content-type': 'application/yaml' },
        body: 'name: team-outage\ndescription: our own outage\nfaults:\n  - { type: status, code: 503 }\n',
      });
      expect(added.status).toBeLessThan(300);
      await page.waitForSelector('#scenarios button[data-scenario="team-outage"]', { timeout: 30_000 });
      expect(await page.textContent('#scenarios li:has(button[data-scenario="team-outage"]) .description')).toBe('our own outage');
    } finally {
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('with --api-token: asks once, keeps it in the tab, and the API still refuses requests without it', async () => {
    wsfault = await createWsfault({ seed: 3, apiToken: 'sekret-token' });
    const apiUrl = wsfault.apiUrl!;
    // The page and its files carry no data and load without the token; every API route refuses.
    expect((await fetch(`${apiUrl}/`)).status).toBe(200);
    expect((await fetch(`${apiUrl}/dashboard/app.js`)).status).toBe(200);
    for (const path of ['/proxies', '/scenarios', '/events', '/proxies/default/connections', '/version']) {
      expect((await fetch(`${apiUrl}${path}`)).status, path).toBe(401);
    }
    expect((await fetch(`${apiUrl}/proxies/default/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"name":"upgrade-required-426"}' })).status).toBe(401);

    const { page, problems } = await openPage();
    try {
      await page.goto(`${apiUrl}/`);
      await page.waitForSelector('#token-form:not([hidden])', { timeout: 15_000 });
      expect(await page.isHidden('#main')).toBe(true);
      await page.fill('#token', 'wrong');
      await page.press('#token', 'Enter');
      await page.locator('#token-error', { hasText: 'refused' }).waitFor({ timeout: 15_000 });
      await page.fill('#token', 'sekret-token');
      await page.click('#token-form button[type="submit"]');
      await live(page);

      // Works through the streamed /events: a client's open shows up, a click switches scenarios.
      const ws = await openClient(`${wsfault.app.status()[0]!.url}/ws`);
      const [conn] = wsfault.app.connections('default').map((c) => c.id);
      await page.waitForSelector(`#events li[data-type="connection.open"][data-conn="${conn}"]`, { timeout: 15_000 });
      await page.waitForSelector(`#connections tr[data-conn="${conn}"]`, { timeout: 15_000 });
      await page.click('#scenarios button[data-scenario="upgrade-required-426"]');
      await page.waitForSelector('#scenarios button[aria-pressed="true"][data-scenario="upgrade-required-426"]', { timeout: 15_000 });
      ws.close();

      // Asked once: a reload in the same tab goes straight to the dashboard.
      await page.reload();
      await live(page);
      expect(await page.isHidden('#token-form')).toBe(true);
    } finally {
      await page.close();
    }
    // The only console errors are the refusals the page met before and with the wrong token.
    expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
    expect(problems.filter((p) => p.includes('status of 401')).length).toBeGreaterThan(0);
  }, 60_000);
});
