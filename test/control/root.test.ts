import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startWsfault, type Wsfault } from '../../src/index.js';
import { createWsfault, DEFAULTS, type RunningWsfault } from '../../src/wsfault.js';
import { ROOT } from '../helpers/cli.js';
import { closeAll, freePort, startWsEcho } from '../helpers/servers.js';
import { attemptWs, closed, openClient, roundTrip } from '../helpers/ws-client.js';

const REGISTER = fileURLToPath(new URL('../fixtures/loads/register.mjs', import.meta.url));
const DIST = join(ROOT, 'dist/index.js');

let chaos: Wsfault | null = null;
let wsfault: RunningWsfault | null = null;
afterEach(async () => {
  await chaos?.close();
  await wsfault?.stop(200);
  chaos = wsfault = null;
  await closeAll();
});

/**
 * Imports the built package in a fresh node, starts wsfault with `api`, and returns every module
 * that got loaded: what the ESM loader resolved (a resolve hook) and what the CommonJS loader
 * holds (Fastify is CommonJS; its own requires never reach an ESM hook).
 */
async function modulesLoaded(api: string | false): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'wsfault-loads-')), 'loads.txt');
  writeFileSync(file, '');
  const script = `
    import { createRequire } from 'node:module';
    const { startWsfault } = await import(${JSON.stringify(DIST)});
    const chaos = await startWsfault({ api: ${JSON.stringify(api)} });
    console.log(JSON.stringify({ apiUrl: chaos.apiUrl, cjs: Object.keys(createRequire(import.meta.url).cache) }));
    await chaos.close();`;
  const child = spawn(process.execPath, ['--import', REGISTER, '--input-type=module', '-e', script], { env: { ...process.env, WSFAULT_LOADS_FILE: file } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  expect(code, err).toBe(0);
  const { apiUrl, cjs } = JSON.parse(out) as { apiUrl: string | null; cjs: string[] };
  expect(apiUrl === null).toBe(api === false);
  const esm = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  expect(esm).toContain(`file://${DIST}`); // the hook saw the import itself
  return [...esm, ...cjs];
}

const isFastify = (url: string) => /\/node_modules\/(fastify|@fastify\/[^/]+)\//.test(url);

describe('createWsfault, the composition root', () => {
  it('with api: false, importing wsfault loads no Fastify module; with the API on it does', async () => {
    const without = await modulesLoaded(false);
    expect(without.filter(isFastify)).toEqual([]);
    expect(without.length).toBeGreaterThan(20);
    // The same check sees Fastify when the API is on, so the empty list above means something.
    const withApi = await modulesLoaded('127.0.0.1:0');
    expect(withApi.some(isFastify)).toBe(true);
  }, 60_000);

  it('has one set of defaults: one proxy named default, proxy and API on loopback free ports, passthrough', async () => {
    wsfault = await createWsfault();
    expect(wsfault.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const [proxy] = wsfault.app.status();
    expect(proxy).toMatchObject({ name: DEFAULTS.proxy, scenario: 'passthrough', faults: [], enabled: true });
    expect(proxy!.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy!.listen).not.toBe('127.0.0.1:0');
    expect(wsfault.banner()).toContain(`control   ${wsfault.apiUrl}`);
    expect(wsfault.banner()).toContain(`dashboard ${wsfault.apiUrl}/ `);
  });

  it('refuses a bad setting before anything listens; the API listens first, so when it cannot, no proxy ever listened', async () => {
    await expect(createWsfault({ listen: 'nowhere', api: false })).rejects.toMatchObject({ code: 'WSFAULT_USAGE' });
    await expect(createWsfault({ scenario: 'no-such-scenario', api: false })).rejects.toMatchObject({ code: 'WSFAULT_NOT_FOUND' });
    wsfault = await createWsfault({ api: false });
    const taken = wsfault.app.status('default').listen;
    const file = join(mkdtempSync(join(tmpdir(), 'wsfault-')), 'events.ndjson');
    await expect(createWsfault({ api: taken, eventsFile: file })).rejects.toMatchObject({ code: 'WSFAULT_PORT_IN_USE' });
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('when a proxy cannot listen, the API and the proxies started before it are stopped', async () => {
    wsfault = await createWsfault({ api: false });
    const taken = wsfault.app.status('default').listen;
    const [apiPort, healthPort] = [await freePort(), await freePort()];
    const file = join(mkdtempSync(join(tmpdir(), 'wsfault-')), 'events.ndjson');
    const proxies = [
      { name: 'first', listen: '127.0.0.1:0' },
      { name: 'second', listen: taken },
    ];
    await expect(createWsfault({ proxies, api: `127.0.0.1:${apiPort}`, health: `127.0.0.1:${healthPort}`, eventsFile: file })).rejects.toMatchObject({ code: 'WSFAULT_PORT_IN_USE' });
    const events = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; proxy: string });
    expect(events.map((e) => `${e.type} ${e.proxy}`)).toEqual(['proxy.listening first', 'proxy.stopped first']);
    // Both ports are free again: nothing of the failed start is left listening.
    for (const port of [apiPort, healthPort]) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('startWsfault() through the root', () => {
  it('eventsFile holds every event from proxy.listening to proxy.stopped', async () => {
    const echo = await startWsEcho();
    const file = join(mkdtempSync(join(tmpdir(), 'wsfault-')), 'events.ndjson');
    chaos = await startWsfault({ target: echo.url, api: false, eventsFile: file });
    const ws = await openClient(chaos.url);
    await roundTrip(ws, 'logged');
    const done = closed(ws);
    expect(chaos.kill('all')).toBe(1);
    expect((await done).code).toBe(1001);
    await chaos.close();
    chaos = null;
    const events = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; seq: number });
    expect(events.map((e) => e.type)).toEqual(['proxy.listening', 'connection.open', 'handshake', 'connection.close', 'proxy.stopped']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reset() goes back to passthrough and removes ad-hoc faults, as POST /reset does', async () => {
    const echo = await startWsEcho();
    chaos = await startWsfault({ target: echo.url, scenario: 'unavailable-503' });
    await chaos.addFault({ type: 'status', code: 429 });
    expect((await attemptWs(chaos.url)).error).toMatch(/Unexpected server response: (503|429)/);
    const changed = chaos.waitFor('scenario.changed', { where: (e) => e.to === 'passthrough' });
    await chaos.reset();
    await changed;
    expect((await attemptWs(chaos.url)).opened).toBe(true);
    const status = (await (await fetch(`${chaos.apiUrl}/proxies/default`)).json()) as { scenario: string; faults: unknown[] };
    expect(status).toMatchObject({ scenario: 'passthrough', faults: [] });
  });
});
