import { afterEach, describe, expect, it, vi } from 'vitest';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { closed, openClient, roundTrip } from '../helpers/ws-client.js';

afterEach(async () => {
  await stopApps();
  await closeAll();
});

function serverCloses(echo: Awaited<ReturnType<typeof startWsEcho>>) {
  const seen: { code: number; reason: string }[] = [];
  echo.wss.on('connection', (socket) => socket.on('close', (code, reason) => seen.push({ code, reason: reason.toString() })));
  return seen;
}

describe('close-frame', () => {
  it('code 1012 reason "restarting" after 500 ms: the client sees both; the upstream sees its side closed', async () => {
    const echo = await startWsEcho();
    const serverSaw = serverCloses(echo);
    const { url, events } = await startWsfault(echo.url, { name: 'restart', faults: [{ type: 'close-frame', code: 1012, reason: 'restarting', after: '500ms' }] });
    const started = performance.now();
    const ws = await openClient(url);
    expect(await closed(ws)).toEqual({ code: 1012, reason: 'restarting' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
    while (serverSaw.length === 0) await new Promise((r) => setTimeout(r, 10));
    // The client's answering Close reached the server: it sees its client go away with the same code.
    expect(serverSaw[0]!.code).toBe(1012);
    await new Promise((r) => setTimeout(r, 50));
    expect(events.find((e) => e.type === 'connection.close')).toMatchObject({ by: 'proxy', how: 'close-frame', code: 1012 });
  });

  it('after counts on a monotonic clock: the wall clock set back an hour once the WebSocket is open does not delay the Close', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'restart', faults: [{ type: 'close-frame', code: 1012, after: '300ms' }] });
    const ws = await openClient(url);
    const done = closed(ws);
    // As NTP stepping the clock back would: Date.now() is an hour behind from here on.
    const wallClock = Date.now;
    const setBack = vi.spyOn(Date, 'now').mockImplementation(() => wallClock() - 3_600_000);
    try {
      // Before, the fault's start was re-aimed by Date.now() and came an hour late.
      expect((await done).code).toBe(1012);
    } finally {
      setBack.mockRestore();
    }
  });

  it('to: server: the server gets the Close, and its answer closes the client with the same code', async () => {
    const echo = await startWsEcho();
    const serverSaw = serverCloses(echo);
    const { url } = await startWsfault(echo.url, { name: 'to-server', faults: [{ type: 'close-frame', code: 4001, reason: 'from proxy', to: 'server', after: '100ms' }] });
    const ws = await openClient(url);
    expect((await closed(ws)).code).toBe(4001);
    expect(serverSaw).toEqual([{ code: 4001, reason: 'from proxy' }]);
  });

  it('afterMessages: the Close comes after that many data messages, never inside a frame', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'after3', faults: [{ type: 'close-frame', code: 4000, afterMessages: 6 }] });
    const ws = await openClient(url);
    const done = closed(ws);
    // 3 round trips = 6 messages (3 up, 3 down); a big one is in flight when the count is reached.
    for (let i = 0; i < 3; i++) expect((await roundTrip(ws, `m${i}`)).data.toString()).toBe(`m${i}`);
    expect((await done).code).toBe(4000);
  });

  it('the built-in server-restart-1012 and going-away-1001 load and run', async () => {
    const echo = await startWsEcho();
    for (const name of ['server-restart-1012', 'going-away-1001']) {
      const { url } = await startWsfault(echo.url, name);
      const ws = await openClient(url);
      expect((await roundTrip(ws, 'still open')).data.toString()).toBe('still open');
      ws.terminate();
    }
  });
});
