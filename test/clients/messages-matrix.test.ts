import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { chromiumSession, launchChromium, pythonKeepalive } from './clients.js';

/** Message faults seen by a real Chromium and Python websockets (npm run test:clients). */
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await stopApps();
  await closeAll();
});

describe('message faults × real clients', () => {
  it('close-frame 1012 "restarting" after 500 ms: Chromium sees 1012 and the reason', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'restart', faults: [{ type: 'close-frame', code: 1012, reason: 'restarting', after: '500ms' }] });
    const session = await chromiumSession(browser, url, null);
    expect(session).toMatchObject({ opened: true, errored: false, code: 1012, reason: 'restarting' });
  });

  it('corrupt-messages invalid-utf8 toward the client: Chromium fails the connection', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'utf8', faults: [{ type: 'corrupt-messages', mode: 'invalid-utf8', direction: 'downstream' }] });
    const session = await chromiumSession(browser, url, 'hello');
    expect(session).toMatchObject({ opened: true, errored: true, code: 1006 });
    expect(session.console.join('\n')).toMatch(/Could not decode a text frame as UTF-8/);
  });

  it('drop-heartbeats: Python websockets with ping_interval=1, ping_timeout=1 ends with 1011 "keepalive ping timeout"', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, 'heartbeat-loss');
    expect(await pythonKeepalive(url)).toEqual({ exception: 'ConnectionClosedError', code: 1011, reason: 'keepalive ping timeout' });
  }, 20_000);
});
