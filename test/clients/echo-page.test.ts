import { afterEach, describe, expect, it } from 'vitest';
import type { WsfaultEvent } from '../../src/events/types.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { chromiumPerFile } from './chromium-per-file.js';

const browser = chromiumPerFile();
let wsfault: RunningWsfault | null = null;
afterEach(async () => {
  await wsfault?.stop(200);
  wsfault = null;
});

describe('the echo page in a real Chromium', () => {
  it('loads from the API without touching the proxy: refuse-first-3 spends its refusals on the page’s WebSockets only', async () => {
    wsfault = await createWsfault({ scenario: 'refuse-first-3', seed: 1 });
    const events: WsfaultEvent[] = [];
    wsfault.app.bus.subscribe((event) => events.push(event));
    const page = await browser().newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    try {
      await page.goto(`${wsfault.apiUrl}/echo`);
      // The page connects at once; each refused attempt ends in a red close line.
      const closes = () => page.evaluate(`document.querySelectorAll('#log .close-bad').length`) as Promise<number>;
      const state = () => page.evaluate(`document.getElementById('state').textContent`) as Promise<string>;
      let clicks = 0;
      for (;;) {
        await page.waitForFunction(`['open', 'closed'].includes(document.getElementById('state').textContent) && (document.getElementById('state').textContent === 'open' || document.querySelectorAll('#log .close-bad').length > ${clicks})`, undefined, { timeout: 15_000 });
        if ((await state()) === 'open' || clicks === 5) break;
        clicks++;
        await page.click('#connect');
      }
      // The page's own first WebSocket and the next two (Connect) were refused; the fourth opened.
      expect(await state()).toBe('open');
      expect(clicks).toBe(3);
      expect(await closes()).toBe(3);
      await page.fill('#message', 'from the page');
      await page.click('#send');
      await page.waitForFunction(`[...document.querySelectorAll('#log .in')].some((e) => e.textContent.includes('<- from the page'))`, undefined, { timeout: 15_000 });
    } finally {
      await page.close();
    }
    // The browser fetched the page and nothing else (no favicon, no asset) from the API.
    expect(requests.filter((url) => url.startsWith('http'))).toEqual([`${wsfault.apiUrl}/echo`]);
    // Every connection the proxy saw was one of the page's WebSockets: three refused, one open.
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count('http.request')).toBe(0);
    expect(count('fault.applied')).toBe(3);
    expect(count('connection.open')).toBe(4);
    expect(events.filter((e) => e.type === 'handshake').map((e) => (e as WsfaultEvent<'handshake'>).path)).toEqual(['/ws']);
  }, 60_000);
});
