/**
 * A switch with apply=all decides every open connection again (engine-faults.ts). Without a
 * `match` anywhere it skips rebuilding each connection's request (the request cannot change the
 * decision); with one, the stored request still decides. Both with real ws clients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';
import type WebSocket from 'ws';

afterEach(async () => {
  await stopApps();
  await closeAll();
});

/** Whether a message sent now comes back: sends `probe`, then a marker the fault lets through. */
async function echoes(ws: WebSocket, probe: string): Promise<boolean> {
  const seen: string[] = [];
  const listener = (data: Buffer) => seen.push(data.toString());
  ws.on('message', listener);
  ws.send(probe);
  // The marker is not dropped (contains), and the echo server answers in order: once it is back, so is the probe if it ever will be.
  await roundTrip(ws, 'marker');
  ws.off('message', listener);
  return seen.includes(probe);
}

describe('a switch with apply=all on open connections', () => {
  it('with a path match: the open /chat connection gets the fault, /news does not; back to passthrough, neither', async () => {
    const echo = await startWsEcho();
    const { app, url } = await startWsfault(echo.url);
    const chat = await openClient(`${url}/chat`);
    const news = await openClient(`${url}/news`);
    app.use('default', { name: 'drop-chat', faults: [{ type: 'drop-messages', rate: 1, contains: 'probe', match: { path: '/chat' } }] }, { apply: 'all' });
    expect(await echoes(chat, 'probe 1')).toBe(false);
    expect(await echoes(news, 'probe 2')).toBe(true);
    app.use('default', 'passthrough', { apply: 'all' });
    expect(await echoes(chat, 'probe 3')).toBe(true);
    chat.terminate();
    news.terminate();
  });

  it('without a match: every open connection gets the fault, the ones past their handshake included', async () => {
    const echo = await startWsEcho();
    const { app, url, events } = await startWsfault(echo.url);
    const clients = await Promise.all(['/a', '/b', '/c'].map((path) => openClient(`${url}${path}`)));
    app.use('default', { name: 'drop-probes', faults: [{ type: 'drop-messages', rate: 1, contains: 'probe' }] }, { apply: 'all' });
    for (const [i, ws] of clients.entries()) expect(await echoes(ws, `probe ${i}`)).toBe(false);
    expect(events.filter((e) => e.type === 'fault.applied')).toHaveLength(3);
    clients.forEach((ws) => ws.terminate());
  });
});
