import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { WsfaultClient } from '../../src/client/index.js';
import { buildControlApi } from '../../src/control/api.js';
import { VERSION } from '../../src/version.js';
import type { Health } from '../../src/wire.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { closeAll, freePort, startWsEcho } from '../helpers/servers.js';
import { attemptWs } from '../helpers/ws-client.js';

let wsfault: RunningWsfault | null = null;
const apps: App[] = [];
const blockers: net.Server[] = [];
afterEach(async () => {
  await wsfault?.stop(200);
  wsfault = null;
  await Promise.all(apps.splice(0).map((app) => app.stop(200)));
  for (const blocker of blockers.splice(0)) blocker.close();
  await closeAll();
});

async function occupy(port: number): Promise<void> {
  const blocker = net.createServer();
  blockers.push(blocker);
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
}

async function startTwo() {
  const echo = await startWsEcho();
  wsfault = await createWsfault({
    proxies: [
      { name: 'main', listen: '127.0.0.1:0', target: echo.url },
      { name: 'feed', listen: '127.0.0.1:0', target: echo.url },
    ],
    health: '127.0.0.1:0',
  });
  const get = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, body: (await response.json()) as Health };
  };
  return {
    echo,
    app: wsfault.app,
    api: (path: string) => get(`${wsfault!.apiUrl}${path}`),
    healthListener: (path = '/health') => get(`${wsfault!.healthUrl}${path}`),
    patch: (name: string, body: object) => fetch(`${wsfault!.apiUrl}/proxies/${name}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  };
}

describe('GET /health is readiness', () => {
  it('answers 503 naming every proxy as starting until start() has them listening, then 200', async () => {
    const echo = await startWsEcho();
    const app = createApp({ proxies: [{ name: 'a', listen: '127.0.0.1:0', target: echo.url }, { name: 'b', listen: '127.0.0.1:0', target: echo.url }] });
    apps.push(app);
    const api = await buildControlApi(app);
    const before = await api.inject({ url: '/health' });
    expect(before.statusCode).toBe(503);
    expect(before.json()).toEqual({
      status: 'unavailable',
      version: VERSION,
      up: [],
      down: ['a', 'b'],
      proxies: [
        { name: 'a', state: 'starting', listen: '127.0.0.1:0' },
        { name: 'b', state: 'starting', listen: '127.0.0.1:0' },
      ],
    });
    await app.start();
    const after = await api.inject({ url: '/health' });
    expect(after.statusCode).toBe(200);
    const body = after.json() as Health;
    expect(body).toMatchObject({ status: 'ok', up: ['a', 'b'], down: [] });
    expect(body.proxies.map((p) => p.listen)).toEqual(app.status().map((p) => p.listen));
    expect(body.proxies.every((p) => p.state === 'listening' && !p.listen.endsWith(':0'))).toBe(true);
    await api.close();
  });

  it('a proxy disabled with PATCH enabled:false makes it 503 naming that proxy; enabling it again, 200', async () => {
    const { api, patch } = await startTwo();
    expect(await api('/health')).toMatchObject({ status: 200, body: { status: 'ok', up: ['main', 'feed'], down: [] } });
    expect((await patch('feed', { enabled: false })).status).toBe(200);
    const down = await api('/health');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unavailable', up: ['main'], down: ['feed'] });
    expect(down.body.proxies.find((p) => p.name === 'feed')).toMatchObject({ state: 'disabled' });
    expect((await patch('feed', { enabled: true })).status).toBe(200);
    expect(await api('/health')).toMatchObject({ status: 200, body: { status: 'ok', up: ['main', 'feed'], down: [] } });
  });

  it('a proxy that cannot listen again is failed, with the reason, until it can', async () => {
    const { api, app, patch } = await startTwo();
    const port = Number(app.status('feed').listen.split(':').pop());
    await patch('feed', { enabled: false });
    await occupy(port);
    const refused = await patch('feed', { enabled: true });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('WSFAULT_PORT_IN_USE');
    const failed = await api('/health');
    expect(failed.status).toBe(503);
    expect(failed.body.down).toEqual(['feed']);
    expect(failed.body.proxies.find((p) => p.name === 'feed')).toEqual({ name: 'feed', state: 'failed', listen: `127.0.0.1:${port}`, error: `proxy "feed": port ${port} is already in use` });
    // The port is free again: the next PATCH listens (the failed attempt left nothing behind).
    blockers.pop()!.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await patch('feed', { enabled: true })).status).toBe(200);
    expect(await api('/health')).toMatchObject({ status: 200, body: { up: ['main', 'feed'], down: [] } });
    expect((await attemptWs(app.status('feed').url)).opened).toBe(true);
  });

  it('a POST /proxies that cannot listen leaves no proxy behind to hold /health at 503', async () => {
    const { api, echo } = await startTwo();
    const port = await freePort();
    await occupy(port);
    const response = await fetch(`${wsfault!.apiUrl}/proxies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'third', listen: `127.0.0.1:${port}`, target: echo.url }),
    });
    expect(response.status).toBe(400); // the body's listen address is refused
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(`port ${port} is already in use; choose another with --listen`);
    expect(await api('/health')).toMatchObject({ status: 200, body: { up: ['main', 'feed'], down: [] } });
  });

  it('the --health listener answers the same readiness without the API; /version; nothing else', async () => {
    const { api, healthListener, patch } = await startTwo();
    expect(await healthListener()).toEqual(await api('/health'));
    await patch('main', { enabled: false });
    const down = await healthListener();
    expect(down).toEqual(await api('/health'));
    expect(down).toMatchObject({ status: 503, body: { down: ['main'] } });
    expect(await healthListener('/version')).toEqual({ status: 200, body: { version: VERSION } });
    expect(await healthListener('/proxies')).toMatchObject({ status: 404, body: { error: { code: 'WSFAULT_NOT_FOUND' } } });
    expect((await fetch(`${wsfault!.healthUrl}/health`, { method: 'POST' })).status).toBe(405);
  });

  it('WsfaultClient.health() returns the body for 200 and for 503', async () => {
    const { patch } = await startTwo();
    const client = new WsfaultClient(wsfault!.apiUrl!);
    expect(await client.health()).toMatchObject({ status: 'ok', down: [] });
    await patch('feed', { enabled: false });
    expect(await client.health()).toMatchObject({ status: 'unavailable', down: ['feed'] });
  });

  it('with api: false, the health listener alone answers readiness and is in the banner', async () => {
    const echo = await startWsEcho();
    wsfault = await createWsfault({ target: echo.url, api: false, health: '127.0.0.1:0' });
    expect(wsfault.apiUrl).toBeNull();
    const response = await fetch(`${wsfault.healthUrl}/health`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Health).up).toEqual(['default']);
    expect(wsfault.banner()).toContain(`health    ${wsfault.healthUrl}/health`);
  });
});
