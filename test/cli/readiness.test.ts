import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Health } from '../../src/wire.js';
import { cliRunner } from '../helpers/cli.js';
import { closeAll, freePort, startWsEcho } from '../helpers/servers.js';

const cli = cliRunner();
afterEach(async () => {
  cli.killAll();
  await closeAll();
});

/** Resolves once a TCP connection to `port` is accepted (tries again at once after a refusal). */
async function firstAccept(port: number, timeoutMs = 15_000): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const socket = await new Promise<net.Socket | null>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(null));
    });
    if (socket) return socket;
    if (Date.now() > deadline) throw new Error(`port ${port} never accepted`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function health(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Health };
}

describe('readiness of a spawned wsfault', () => {
  it('the API answers the moment the proxy port accepts, and /health is 200 then and at the banner', async () => {
    const echo = await startWsEcho();
    const [proxyPort, apiPort] = [await freePort(), await freePort()];
    const api = `http://127.0.0.1:${apiPort}`;
    const p = cli.run(['--target', echo.url, '--listen', `127.0.0.1:${proxyPort}`, '--api', `127.0.0.1:${apiPort}`]);
    const probe = await firstAccept(proxyPort);
    // No retry: the API listened before the proxy did.
    const ready = await health(`${api}/health`);
    const status = await fetch(`${api}/proxies/default`);
    probe.destroy();
    expect(ready).toEqual({ status: 200, body: { status: 'ok', version: expect.any(String), up: ['default'], down: [], proxies: [{ name: 'default', state: 'listening', listen: `127.0.0.1:${proxyPort}` }] } });
    expect(status.status).toBe(200);
    await p.waitFor(/scenario\s+passthrough/);
    expect((await health(`${api}/health`)).status).toBe(200);
  }, 60_000);

  it('wsfault health exits 0 when ready and 1 naming the proxy when not; it asks the API or --health', async () => {
    const echo = await startWsEcho();
    const p = cli.run(['--target', echo.url, '--listen', '127.0.0.1:0', '--api', '127.0.0.1:0', '--health', '127.0.0.1:0']);
    const [, api] = await p.waitFor(/control\s+(http:\/\/\S+)/);
    const [, healthUrl] = await p.waitFor(/health\s+(http:\/\/\S+)/);
    const check = async (args: string[], env: Record<string, string> = {}) => {
      const c = cli.run(['health', ...args], { env });
      const { code } = await c.exited;
      return { code, out: c.stdout(), err: c.stderr() };
    };
    const viaApi = await check(['--url', `${api}/health`]);
    expect(viaApi.code).toBe(0);
    expect(JSON.parse(viaApi.out)).toMatchObject({ status: 'ok', up: ['default'] });
    // WSFAULT_HEALTH_URL is the default --url (the image sets it).
    expect((await check([], { WSFAULT_HEALTH_URL: healthUrl! })).code).toBe(0);

    await fetch(`${api}/proxies/default`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"enabled":false}' });
    const down = await check(['--url', healthUrl!]);
    expect(down.code).toBe(1);
    expect(down.err.trim()).toBe('wsfault: not ready: default disabled');
    expect(JSON.parse(down.out)).toMatchObject({ status: 'unavailable', down: ['default'] });

    const port = await freePort();
    const nobody = await check(['--url', `http://127.0.0.1:${port}/health`]);
    expect(nobody.code).toBe(1);
    expect(nobody.err.trim()).toBe(`wsfault: not ready: cannot reach http://127.0.0.1:${port}/health (ECONNREFUSED)`);
  }, 60_000);
});
