import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

afterEach(async () => {
  await stopApps();
  await closeAll();
});

const refused = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve('connected')));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

describe('enabled: false with connections open', () => {
  it('returns while a WebSocket is open, refuses new connections, leaves the open one working', async () => {
    const echo = await startWsEcho();
    const { app, url, port } = await startWsfault(echo.url);
    const ws = await openClient(url);
    // Used to wait for every open connection to end (server.close's callback): a hang.
    const view = await app.setEnabled('default', false);
    expect(view.enabled).toBe(false);
    expect(await refused(port)).toBe('ECONNREFUSED');
    expect((await roundTrip(ws, 'still open')).data.toString()).toBe('still open');
    await app.setEnabled('default', true);
    const again = await openClient(url);
    expect((await roundTrip(again, 'back')).data.toString()).toBe('back');
    ws.close();
    again.close();
  });
});
