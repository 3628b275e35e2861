import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWsfault, stopApps } from '../helpers/app.js';
import { acceptedCount, phaseAtRequest } from '../helpers/accepted.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { delay, until } from '../helpers/wait.js';
import { closed, openClient, roundTrip } from '../helpers/ws-client.js';

/** The built-in message scenarios run against real ws clients and act as described. */
afterEach(async () => {
  await stopApps();
  await closeAll();
});

describe('built-in message scenarios', () => {
  it('fragmented-messages: messages arrive whole', async () => {
    const echo = await startWsEcho();
    const { url, events } = await startWsfault(echo.url, 'fragmented-messages');
    const ws = await openClient(url);
    const text = 'x'.repeat(500);
    expect((await roundTrip(ws, text)).data.toString()).toBe(text);
    expect(events.some((e) => e.type === 'fault.applied' && e.fault.type === 'fragment-messages')).toBe(true);
    ws.close();
  });

  it('invalid-utf8: the second message (after the first) breaks the client with invalid UTF-8', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, 'invalid-utf8');
    const ws = await openClient(url);
    const error = new Promise<string>((resolve) => ws.once('error', (e) => resolve(e.message)));
    ws.send('first'); // afterMessages: 1 — the first message passes
    ws.send('second');
    expect(await error).toBe('Invalid WebSocket frame: invalid UTF-8 sequence');
  });

  it('oversized-message: a client with a 1 MiB limit fails with Max payload size exceeded after 1 s', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, 'oversized-message');
    const started = performance.now();
    const ws = new WebSocket(url, { maxPayload: 1024 * 1024 });
    const error = await new Promise<string>((resolve) => ws.once('error', (e) => resolve(e.message)));
    expect(error).toBe('Max payload size exceeded');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('message-loss, message-duplicates, message-reorder, message-delay change a stream of 300 messages as described', async () => {
    const echo = await startWsEcho();
    const results: Record<string, string[]> = {};
    for (const name of ['message-loss', 'message-duplicates', 'message-reorder', 'message-delay']) {
      const { url } = await startWsfault(echo.url, name, 5);
      const ws = await openClient(url);
      const got: string[] = [];
      ws.on('message', (d) => got.push(String(d)));
      for (let i = 0; i < 300; i++) ws.send(String(i));
      // No waiting on the clock. Delayed messages lose nothing, so all 300 come back; for the
      // others the Close goes after the 300 messages and the echo server answers it after echoing
      // each, so what arrived before 'close' is the whole stream.
      if (name === 'message-delay') await until(() => got.length === 300, 'all 300 delayed messages', 20_000);
      const ending = closed(ws);
      ws.close(1000);
      expect((await ending).code).toBe(1000);
      results[name] = got;
      await stopApps();
    }
    const sent = Array.from({ length: 300 }, (_, i) => String(i));
    expect(results['message-loss']!.length).toBeLessThan(300); // 5 % each way
    expect(results['message-duplicates']!.length).toBeGreaterThan(300);
    expect(results['message-reorder']).not.toEqual(sent);
    expect(results['message-delay']).toEqual(sent); // late but in order
  }, 30_000);

  it('heartbeat-loss: pings get no pong, data still flows', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, 'heartbeat-loss');
    const ws = await openClient(url);
    let pongs = 0;
    ws.on('pong', () => pongs++);
    ws.ping();
    expect((await roundTrip(ws, 'data')).data.toString()).toBe('data');
    await delay(200);
    expect(pongs).toBe(0);
    ws.close();
  });

  it('rolling-deploy: during draining, new upgrades get 503 and open connections get Close 1012', async () => {
    const echo = await startWsEcho();
    const { url, app, engine, events } = await startWsfault(echo.url, {
      name: 'short-deploy',
      loop: true,
      phases: [
        { name: 'serving', duration: '300ms', faults: [{ type: 'max-lifetime', duration: '30s' }] },
        { name: 'draining', duration: '2s', faults: [{ type: 'status', code: 503, headers: { 'Retry-After': '2' } }, { type: 'close-frame', code: 1012, reason: 'deploy in progress' }] },
      ],
    });
    // Each attempt is judged by the phase in force when the proxy read its request, so a busy
    // machine (or TLS handshakes) changes which phase an attempt falls in, never the verdict.
    const phaseOfNext = phaseAtRequest(app.bus, engine, events);
    // A client that got in while serving gets Close 1012 once draining begins.
    let ws: WebSocket | null = null;
    while (!ws) {
      const before = acceptedCount(events);
      const opening = openClient(url).catch(() => null);
      const phase = await phaseOfNext(before);
      const opened = await opening;
      expect(opened !== null).toBe(phase === 'serving');
      ws = opened;
    }
    expect(await closed(ws)).toEqual({ code: 1012, reason: 'deploy in progress' });
    // An upgrade read while draining gets 503 with Retry-After; one read while serving opens.
    for (let drained = false; !drained; ) {
      const before = acceptedCount(events);
      const answer = new Promise<number>((resolve) => {
        const client = new WebSocket(url).on('error', () => {});
        client.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
        client.once('open', () => (client.close(), resolve(101)));
      });
      const phase = await phaseOfNext(before);
      expect(await answer).toBe(phase === 'draining' ? 503 : 101);
      drained = phase === 'draining';
    }
  });
});
