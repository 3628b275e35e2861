import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { delay } from '../helpers/wait.js';
import { closed, openClient, roundTrip } from '../helpers/ws-client.js';

afterEach(async () => {
  await stopApps();
  await closeAll();
});

/** Resolves when the client closes, with the close code and how long after `from` it happened. */
function closedAfter(ws: WebSocket, from: number): Promise<{ code: number; ms: number; error: string | null }> {
  let error: string | null = null;
  ws.on('error', (e) => (error = e.message));
  return new Promise((resolve) => ws.once('close', (code) => resolve({ code, ms: performance.now() - from, error })));
}

describe('idle-timeout 1s', () => {
  const scenario = { name: 'idle', faults: [{ type: 'idle-timeout', timeout: '1s' }] };

  it('closes an idle client after 1 s idle (the event says how long it was idle)', async () => {
    const echo = await startWsEcho();
    const { url, events } = await startWsfault(echo.url, scenario);
    const started = performance.now();
    const ws = await openClient(url);
    const result = await closedAfter(ws, started);
    expect(result.code).toBe(1006);
    expect(result.ms).toBeGreaterThanOrEqual(1_000);
    // Exact about the decision: it fired once the connection had been idle for the timeout,
    // measured by the proxy itself; a busy machine may only make it later, never earlier.
    const applied = events.find((e) => e.type === 'fault.applied' && e.fault.type === 'idle-timeout') as { detail: { idleMs: number; how: string } } | undefined;
    expect(applied?.detail.how).toBe('fin');
    expect(applied!.detail.idleMs).toBeGreaterThanOrEqual(1_000);
    expect(applied!.detail.idleMs).toBeLessThanOrEqual(result.ms + 1);
  });

  it('leaves a client that sends every 300 ms alone', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, scenario);
    const ws = await openClient(url);
    let closedEarly = false;
    ws.on('close', () => (closedEarly = true));
    for (let i = 0; i < 10; i++) {
      await roundTrip(ws, `keepalive ${i}`);
      await delay(300);
    }
    expect(closedEarly).toBe(false);
    ws.close();
  });

  it('closes a client that only pings (pings are not data)', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, scenario);
    const started = performance.now();
    const ws = await openClient(url);
    const timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.ping(), 200);
    const result = await closedAfter(ws, started);
    clearInterval(timer);
    expect(result.ms).toBeLessThanOrEqual(1_300);
  });

  it('with activity: any, pings keep the connection alive', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'idle-any', faults: [{ type: 'idle-timeout', timeout: '1s', activity: 'any' }] });
    const ws = await openClient(url);
    let isClosed = false;
    ws.on('close', () => (isClosed = true));
    const timer = setInterval(() => ws.ping(), 200);
    await delay(2_000);
    clearInterval(timer);
    expect(isClosed).toBe(false);
    ws.close();
  });

  it('how: close-frame sends Close with the code before FIN', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'idle-cf', faults: [{ type: 'idle-timeout', timeout: '500ms', how: 'close-frame', code: 4408 }] });
    const ws = await openClient(url);
    expect(await closed(ws)).toEqual({ code: 4408, reason: 'idle timeout' });
  });
});

describe('blackhole after 500ms', () => {
  it('echoes stop, nothing closes within 3 s, both sockets stay open', async () => {
    const echo = await startWsEcho();
    const { url, proxy } = await startWsfault(echo.url, { name: 'bh', faults: [{ type: 'blackhole', after: '500ms' }] });
    const ws = await openClient(url);
    expect((await roundTrip(ws, 'before')).data.toString()).toBe('before');
    await delay(600);
    let echoed = false;
    let isClosed = false;
    ws.on('message', () => (echoed = true));
    ws.on('close', () => (isClosed = true));
    ws.send('into the void');
    await delay(3_000);
    expect(echoed).toBe(false);
    expect(isClosed).toBe(false);
    const connection = [...proxy.connections.values()][0]!;
    expect(connection.socket.destroyed).toBe(false);
    expect(connection.upstream!.destroyed).toBe(false);
    expect(echo.wss.clients.size).toBe(1);
    ws.terminate();
  }, 10_000);
});

describe('reset and close', () => {
  it('reset after 400ms: the ws client sees 1006 at that time; TCP peers on both sides see a reset', async () => {
    const echo = await startWsEcho();
    const serverErrors: string[] = [];
    echo.wss.on('connection', (socket) => (socket as unknown as { _socket: net.Socket })._socket.on('error', (e: NodeJS.ErrnoException) => serverErrors.push(e.code ?? e.message)));
    const { url, port, events } = await startWsfault(echo.url, { name: 'rst', faults: [{ type: 'reset', after: '400ms' }] });
    const started = performance.now();
    const ws = await openClient(url);
    const result = await closedAfter(ws, started);
    // ws reports no error for a reset after open (it swallows socket errors), only 1006.
    expect(result.code).toBe(1006);
    expect(result.ms).toBeGreaterThanOrEqual(400);
    expect(result.ms).toBeLessThan(700);
    await delay(100);
    expect(serverErrors).toContain('ECONNRESET');
    expect(events.find((e) => e.type === 'connection.close')).toMatchObject({ by: 'proxy', how: 'rst' });

    // A raw TCP client sees the RST itself.
    const raw = net.connect(port, '127.0.0.1');
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => raw.once('error', resolve));
    expect(error.code).toBe('ECONNRESET');
  });

  it('close after 300ms: 1006 without an error (a FIN, no Close frame)', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'fin', faults: [{ type: 'close', after: '300ms' }] });
    const started = performance.now();
    const ws = await openClient(url);
    const result = await closedAfter(ws, started);
    expect(result).toMatchObject({ code: 1006, error: null });
    expect(result.ms).toBeGreaterThanOrEqual(300);
  });

  it('limit-data closes the connection once the bytes have passed', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'limit', faults: [{ type: 'limit-data', bytes: '2KiB', direction: 'downstream' }] });
    const ws = await openClient(url);
    const done = closed(ws);
    let echoes = 0;
    ws.on('message', () => echoes++);
    for (let i = 0; i < 20; i++) ws.send(Buffer.alloc(500));
    expect((await done).code).toBe(1006);
    expect(echoes).toBeLessThan(20);
  });
});

describe('refusing connections', () => {
  it('refuse count 3: attempts 1–3 fail, 4 and 5 succeed', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, 'refuse-first-3');
    const results: string[] = [];
    for (let i = 0; i < 5; i++) {
      try {
        const ws = await openClient(url);
        results.push('open');
        ws.close();
      } catch (error) {
        results.push((error as Error).message);
      }
    }
    expect(results.slice(3)).toEqual(['open', 'open']);
    for (const r of results.slice(0, 3)) expect(r).toMatch(/ECONNRESET|socket hang up/);
  });

  it('switched on with apply=all while WebSockets are open, count 3 still refuses the next three', async () => {
    const echo = await startWsEcho();
    const { url, app } = await startWsfault(echo.url);
    const open = [await openClient(url), await openClient(url)];
    // The open connections were accepted before the switch: refuse can no longer act on them,
    // so they must not use up its count.
    app.use('default', { name: 'refuse-next-3', faults: [{ type: 'refuse', count: 3 }] }, { apply: 'all' });
    const results: string[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        (await openClient(url)).close();
        results.push('open');
      } catch (error) {
        results.push((error as Error).message);
      }
    }
    expect(results[3]).toBe('open');
    for (const r of results.slice(0, 3)) expect(r).toMatch(/ECONNRESET|socket hang up/);
    // And the open ones still echo.
    for (const ws of open) expect((await roundTrip(ws, 'still')).data.toString()).toBe('still');
  });

  it('switched on with apply=all while WebSockets are open, a handshake fault with count 2 answers the next two upgrades', async () => {
    const echo = await startWsEcho();
    const { url, app } = await startWsfault(echo.url);
    const open = [await openClient(url), await openClient(url), await openClient(url)];
    app.use('default', { name: 'busy-next-2', faults: [{ type: 'status', code: 503, count: 2 }] }, { apply: 'all' });
    const results: string[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        (await openClient(url)).close();
        results.push('open');
      } catch (error) {
        results.push((error as Error).message);
      }
    }
    expect(results).toEqual(['Unexpected server response: 503', 'Unexpected server response: 503', 'open']);
    for (const ws of open) ws.close();
  });

  it('max-connections 2: the third gets 503; after one closes, a new one gets in', async () => {
    const echo = await startWsEcho();
    const { url, proxy } = await startWsfault(echo.url, { name: 'max2', faults: [{ type: 'max-connections', limit: 2 }] });
    const a = await openClient(url);
    const b = await openClient(url);
    const status = await new Promise<number>((resolve) => new WebSocket(url).on('error', () => {}).once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(503);
    a.close();
    await closed(a);
    while ([...proxy.connections.values()].filter((c) => c.admitted).length > 1) await delay(10);
    const c = await openClient(url);
    expect((await roundTrip(c, 'in')).data.toString()).toBe('in');
    b.close();
    c.close();
  });

  it('connect-delay holds the dial', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'dial', faults: [{ type: 'connect-delay', delay: '400ms' }] });
    const started = performance.now();
    const ws = await openClient(url);
    expect(performance.now() - started).toBeGreaterThanOrEqual(395);
    ws.close();
  });

  it('transport faults act on plain HTTP too (latency on a GET)', async () => {
    const echo = await startWsEcho();
    const { port } = await startWsfault(echo.url, { name: 'http-lat', faults: [{ type: 'latency', delay: '150ms', direction: 'downstream' }] });
    const socket = net.connect(port, '127.0.0.1');
    const started = performance.now();
    const answered = new Promise<number>((resolve) => socket.once('data', () => resolve(performance.now() - started)));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await answered).toBeGreaterThanOrEqual(150);
    socket.destroy();
  });
});
