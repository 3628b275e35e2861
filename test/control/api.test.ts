import { mkdtempSync, readFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.js';
import { WsfaultApiError, WsfaultClient } from '../../src/client/index.js';
import { buildControlApi } from '../../src/control/api.js';
import { startControlApi, type ControlServer } from '../../src/control/server.js';
import { writeEventsTo } from '../../src/events/file.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { closeAll, startHttpServer, startWsEcho } from '../helpers/servers.js';
import { delay, until } from '../helpers/wait.js';
import { attemptWs, closed, openClient, roundTrip } from '../helpers/ws-client.js';

let wsfault: RunningWsfault | null = null;
let app: App | null = null;
let control: ControlServer | null = null;
afterEach(async () => {
  await control?.close();
  await wsfault?.stop(200);
  wsfault = null;
  app = null;
  control = null;
  await closeAll();
});

/** The API is started apart from the root here: these tests start it again with other options. */
async function start(options: { token?: string; corsOrigin?: string } = {}) {
  const echo = await startWsEcho();
  wsfault = await createWsfault({ target: echo.url, seed: 1, api: false });
  app = wsfault.app;
  control = await startControlApi(app, '127.0.0.1:0', options);
  const proxyUrl = app.proxies.get('default')!.proxy.url;
  return { echo, app, proxyUrl, client: new WsfaultClient(control.url, { token: options.token }), apiUrl: control.url };
}

describe('switching over REST', () => {
  it('takes effect for the next handshake without a restart, and DELETE restores passthrough', async () => {
    const { proxyUrl, client } = await start();
    const first = await openClient(proxyUrl);
    await client.use('upgrade-required-426');
    expect((await attemptWs(proxyUrl)).error).toBe('Unexpected server response: 426');
    // The open client was not touched by a handshake fault.
    expect((await roundTrip(first, 'still here')).data.toString()).toBe('still here');
    await client.passthrough();
    expect((await attemptWs(proxyUrl)).opened).toBe(true);
    first.close();
  });

  it('switches to an inline scenario, and adds and removes ad-hoc faults', async () => {
    const { proxyUrl, client } = await start();
    await client.use({ name: 'inline-503', faults: [{ type: 'status', code: 503 }] });
    expect((await client.status()).scenario).toBe('inline-503');
    expect((await attemptWs(proxyUrl)).error).toBe('Unexpected server response: 503');
    await client.passthrough();
    const { id } = await client.addFault({ type: 'status', code: 418 });
    expect((await attemptWs(proxyUrl)).error).toBe('Unexpected server response: 418');
    await client.removeFault(id);
    expect((await attemptWs(proxyUrl)).opened).toBe(true);
  });
});

describe('connections', () => {
  it('lists open connections and kills one with close-frame code 4000', async () => {
    const { proxyUrl, client } = await start();
    const ws = await openClient(proxyUrl, undefined);
    await roundTrip(ws, 'counted');
    const [connection] = await client.connections();
    expect(connection).toMatchObject({ state: 'websocket', path: '/', messages: { up: 1, down: 1 }, faults: [] });
    expect(connection!.bytes.up).toBeGreaterThan(0);
    const done = closed(ws);
    await client.kill(connection!.id, { code: 4000 });
    expect((await done).code).toBe(4000);
  });

  it('kills all by RST', async () => {
    const { proxyUrl, client } = await start();
    const clients = await Promise.all([openClient(proxyUrl), openClient(proxyUrl)]);
    const codes = clients.map(closed);
    const { killed } = await client.kill('all', { how: 'rst' });
    expect(killed).toHaveLength(2);
    for (const c of await Promise.all(codes)) expect(c.code).toBe(1006);
  });
});

describe('events', () => {
  it('an SSE subscriber sees open, handshake, fault.applied, close in order with one conn id; --events-file holds the same', async () => {
    const { proxyUrl, client, app } = await start();
    const file = join(mkdtempSync(join(tmpdir(), 'wsfault-')), 'events.ndjson');
    const stopFile = writeEventsTo(app.bus, file);
    await client.use({ name: 'closer', faults: [{ type: 'close-frame', code: 4001, after: '200ms' }] });
    const seen: { type: string; conn?: string; seq: number; time: string }[] = [];
    const stream = client.events(['connection.open', 'handshake', 'fault.applied', 'connection.close']);
    const reading = (async () => {
      for await (const event of stream) {
        seen.push(event as never);
        if (event.type === 'connection.close') break;
      }
    })();
    await delay(100); // the stream is subscribed
    const ws = await openClient(proxyUrl);
    expect((await closed(ws)).code).toBe(4001);
    await reading;
    expect(seen.map((e) => e.type)).toEqual(['connection.open', 'handshake', 'fault.applied', 'connection.close']);
    expect(new Set(seen.map((e) => e.conn)).size).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.seq).toBeGreaterThan(seen[i - 1]!.seq);
    for (const e of seen) expect(Number.isNaN(Date.parse(e.time))).toBe(false);
    await stopFile();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string });
    for (const event of seen) expect(lines).toContainEqual(event);
  });

  it('a burst of events emitted in one turn of the event loop reaches an SSE subscriber whole and in order', async () => {
    const { client, app } = await start();
    const seen: { type: string; seq: number; to?: string }[] = [];
    const stream = client.events(['scenario.changed']);
    const reading = (async () => {
      for await (const event of stream) {
        seen.push(event as never);
        if (seen.length === 2_000) break;
      }
    })();
    await delay(100); // the stream is subscribed
    for (let i = 0; i < 2_000; i++) app.bus.emit('default', 'scenario.changed', { from: 'a', to: `s-${i}` });
    await reading;
    expect(seen.map((e) => e.to)).toEqual(Array.from({ length: 2_000 }, (_, i) => `s-${i}`));
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.seq).toBe(seen[i - 1]!.seq + 1);
  });
});

describe('a subscriber that stops reading', () => {
  it('is not buffered without bound: events past the backlog are skipped, counted in a comment, and the stream goes on', async () => {
    const { app, apiUrl } = await start();
    const res = await new Promise<IncomingMessage>((resolve, reject) => get(`${apiUrl}/events?types=scenario.changed`, resolve).on('error', reject));
    res.pause(); // the subscriber reads nothing for now
    await until(() => app.bus.active, 'the subscriber to be subscribed');
    // ~1 KiB per event, 48 MiB in all: more than the backlog plus what loopback's socket buffers hold.
    const to = 'x'.repeat(1000);
    const total = 48 * 1024;
    for (let i = 0; i < total; i++) {
      app.bus.emit('default', 'scenario.changed', { from: 'a', to });
      if (i % 512 === 511) await new Promise((r) => setImmediate(r)); // let each burst be written
    }
    const ids: number[] = [];
    const skippedBefore = new Map<number, number>(); // id → events skipped just before it
    let skip = 0;
    let marker = false;
    let text = '';
    let ended = false;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      let at: number;
      while ((at = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, at);
        text = text.slice(at + 2);
        skip += Number(/^: skipped (\d+) events$/m.exec(block)?.[1] ?? 0);
        const id = /^id: (\d+)$/m.exec(block);
        if (!id) continue;
        ids.push(Number(id[1]));
        if (skip) skippedBefore.set(Number(id[1]), skip);
        skip = 0;
        marker ||= block.includes('"to":"after"');
      }
    });
    res.on('end', () => (ended = true));
    res.resume();
    // Once it has caught up, events come through again, the first one announced by how many
    // the subscriber missed: markers are emitted until one arrives (earlier ones may be skipped).
    let emitted = total;
    while (!marker) {
      app.bus.emit('default', 'scenario.changed', { from: 'a', to: 'after' });
      emitted++;
      await new Promise((r) => setTimeout(r, 50));
    }
    const skippedAll = () => [...skippedBefore.values()].reduce((x, y) => x + y, 0);
    await until(() => ids.length + skippedAll() === emitted, 'every event written or counted as skipped', 30_000);
    expect(ended).toBe(false);
    expect(skippedAll()).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan(total);
    // Each gap in the ids is exactly the count announced before the event that ends it.
    for (let i = 1; i < ids.length; i++) expect(ids[i]! - ids[i - 1]! - 1).toBe(skippedBefore.get(ids[i]!) ?? 0);
    res.destroy();
  }, 60_000);
});

describe('metrics', () => {
  it('parses as Prometheus text and byte counters move while a connection is open', async () => {
    const { proxyUrl, client } = await start();
    const ws = await openClient(proxyUrl);
    const bytes = (text: string) => Number(text.match(/^wsfault_bytes_total\{proxy="default",direction="upstream"\} (\d+)$/m)?.[1]);
    const before = await client.metrics();
    for (const line of before.split('\n')) if (line && !line.startsWith('#')) expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? ([-+0-9.eE]+|[Nn]a[Nn]|[+-]Inf)$/); // prom-client writes NaN as "Nan", which Prometheus parses
    await roundTrip(ws, Buffer.alloc(10_000));
    const after = await client.metrics();
    expect(bytes(after) - bytes(before)).toBeGreaterThanOrEqual(10_000);
    expect(after).toMatch(/^wsfault_connections_active\{proxy="default"\} 1$/m);
    expect(after).toMatch(/^wsfault_handshakes_total\{proxy="default",status="101"\} 1$/m);
    expect(after).toMatch(/^wsfault_messages_total\{proxy="default",direction="downstream"\} 1$/m);
    ws.close();
  });
});

describe('security and bad input', () => {
  it('401 without the token when one is set', async () => {
    const { apiUrl } = await start({ token: 's3cret' });
    expect((await fetch(`${apiUrl}/proxies`)).status).toBe(401);
    expect((await fetch(`${apiUrl}/proxies`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(`${apiUrl}/proxies`, { headers: { authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(200);
    const body = (await (await fetch(`${apiUrl}/version`)).json()) as { error: { code: string } };
    expect(body.error.code).toBe('WSFAULT_UNAUTHORIZED');
  });

  it('refuses a cross-site browser request unless --api-cors allows its origin', async () => {
    const { apiUrl } = await start();
    const evil = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };
    const refused = await fetch(`${apiUrl}/reset`, { method: 'POST', headers: evil });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('WSFAULT_FORBIDDEN_ORIGIN');
    await control!.close();
    control = await startControlApi(app!, '127.0.0.1:0', { corsOrigin: 'http://evil.example' });
    const allowed = await fetch(`${control.url}/proxies`, { headers: evil });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://evil.example');
  });

  it.each([
    ['PUT', '/proxies/default/scenario', { nme: 'x' }, /body: must NOT have additional properties/],
    ['PUT', '/proxies/default/scenario', { scenario: { name: 'x', faults: [{ type: 'latency', delay: 'soon' }] } }, /faults\[0\]\.delay: must be a duration/],
    ['POST', '/proxies/default/faults', { type: 'status', code: 99 }, /code: must be >= 100/],
    ['POST', '/proxies', { name: 'p', listen: 'nowhere', target: 'ws://127.0.0.1:1' }, /--listen "nowhere" is not HOST:PORT/],
    ['PUT', '/scenarios/my', 'name: my\nfaults:\n  - type: latency\n    dealy: 5ms\n', /unknown key "dealy"/],
  ])('%s %s with a bad body → 400 with details', async (method, url, body, message) => {
    const { apiUrl } = await start();
    const api = await buildControlApi(app!);
    const response = await api.inject({ method: method as 'PUT', url, payload: body as object, headers: typeof body === 'string' ? { 'content-type': 'application/yaml' } : {} });
    expect(response.statusCode).toBe(400);
    const error = (response.json() as { error: { code: string; message: string; details: unknown[] } }).error;
    expect(error.code).toBe('WSFAULT_INVALID_BODY');
    expect(error.message).toMatch(message);
    expect(error.details.length).toBeGreaterThan(0);
    expect(apiUrl).toBeTruthy();
    await api.close();
  });

  it('warns when bound beyond loopback without a token, and limits body size', async () => {
    await start();
    const warnings: string[] = [];
    const open = await startControlApi(app!, '0.0.0.0:0', { warn: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/listens on 0\.0\.0\.0:0 without a token/);
    const big = await fetch(`http://127.0.0.1:${new URL(open.url.replace('0.0.0.0', '127.0.0.1')).port}/scenarios/big`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: `name: big\ndescription: ${'x'.repeat(2 * 1024 * 1024)}\n`,
    });
    expect(big.status).toBe(413);
    await open.close();
  });

  it('404 for unknown proxies, scenarios and connections, 409 for a proxy that exists', async () => {
    const { client } = await start();
    await expect(client.status('nope')).rejects.toMatchObject({ status: 404, code: 'WSFAULT_NOT_FOUND' });
    await expect(client.use('no-such-scenario')).rejects.toMatchObject({ status: 404 });
    await expect(client.kill('c-999')).rejects.toMatchObject({ status: 404 });
    await expect(client.createProxy({ name: 'default', listen: '127.0.0.1:0', target: 'ws://127.0.0.1:1' })).rejects.toBeInstanceOf(WsfaultApiError);
  });
});

describe('proxies and scenarios', () => {
  it('creates, changes and removes a proxy; PUT and DELETE a scenario', async () => {
    const { client, echo } = await start();
    const created = await client.createProxy({ name: 'feed', listen: '127.0.0.1:0', target: echo.url });
    expect(created.name).toBe('feed');
    const ws = await openClient(created.url);
    expect((await roundTrip(ws, 'feed')).data.toString()).toBe('feed');
    ws.close();
    await client.putScenario('my-outage', 'name: my-outage\ndescription: mine\nfaults:\n  - type: status\n    code: 503\n');
    expect((await client.scenarios()).map((s) => s.name)).toContain('my-outage');
    expect((await client.patchProxy({ scenario: 'my-outage' }, 'feed')).scenario).toBe('my-outage');
    expect((await attemptWs(created.url)).error).toBe('Unexpected server response: 503');
    await client.patchProxy({ enabled: false }, 'feed');
    expect((await attemptWs(created.url)).error).toMatch(/ECONNREFUSED/);
    await client.patchProxy({ enabled: true }, 'feed');
    await client.deleteScenario('my-outage');
    await client.deleteProxy('feed');
    expect((await client.proxies()).map((p) => p.name)).toEqual(['default']);
    const reset = await client.reset();
    expect(reset[0]!.scenario).toBe('passthrough');
  });

  it('PATCH target: new connections and plain requests go to the new upstream', async () => {
    const { client, proxyUrl } = await start();
    const other = await startHttpServer((_req, res) => res.end('the other upstream'));
    await client.patchProxy({ target: `http://127.0.0.1:${other.port}` });
    const res = await fetch(proxyUrl.replace('ws:', 'http:') + '/');
    expect(await res.text()).toBe('the other upstream');
  });

  it('serves /openapi.json and the docs UI; GET /faults lists 34 types with their schemas', async () => {
    const { apiUrl, client } = await start();
    const openapi = (await (await fetch(`${apiUrl}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/proxies/{name}/scenario', '/events', '/metrics']));
    expect((await fetch(`${apiUrl}/docs`)).status).toBeLessThan(400);
    const faults = await client.faults();
    expect(faults).toHaveLength(34);
    expect(faults.find((f) => f.type === 'latency')).toMatchObject({ layer: 'transport' });
  });
});

describe('apply: new', () => {
  it('leaves open connections alone while new ones get the new scenario', async () => {
    const { proxyUrl, client } = await start();
    const old = await openClient(proxyUrl);
    await client.use({ name: 'kill-new', faults: [{ type: 'close-frame', code: 4002, after: '100ms' }] }, { apply: 'new' });
    const fresh = await openClient(proxyUrl);
    expect((await closed(fresh)).code).toBe(4002);
    await delay(200);
    expect(old.readyState).toBe(WebSocket.OPEN);
    await until(() => true, 'nothing');
    old.close();
  });
});
