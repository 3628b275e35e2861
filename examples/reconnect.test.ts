/**
 * An example written only against wsfault's public API, as a user's test would be: wsfault in
 * front of a WebSocket server, a reconnecting client (partysocket) through the built-in
 * server-restart-1012 scenario, and an assertion that the client came back.
 */
import ReconnectingWebSocket from 'partysocket/ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startWsfault, type Wsfault } from 'wsfault';
import { WsfaultClient } from 'wsfault/client';

let server: WebSocketServer;
let chaos: Wsfault;

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (ws) => ws.on('message', (data) => ws.send(String(data))));
  const { port } = server.address() as { port: number };
  chaos = await startWsfault({ target: `ws://127.0.0.1:${port}`, scenario: 'passthrough', seed: 1 });
});

afterAll(async () => {
  await chaos.close();
  for (const client of server.clients) client.terminate();
  await new Promise((resolve) => server.close(resolve));
});

it('a reconnecting client survives a server restart (Close 1012)', async () => {
  await chaos.use('server-restart-1012'); // every connection is closed with 1012 five seconds after it opened
  const client = new ReconnectingWebSocket(chaos.url, [], { WebSocket, minReconnectionDelay: 100, maxReconnectionDelay: 500 });
  const closes: number[] = [];
  client.addEventListener('close', (event) => closes.push(event.code));

  const [closed] = await chaos.waitFor('connection.close', { timeout: 10_000 });
  expect(closed).toMatchObject({ by: 'proxy', how: 'close-frame', code: 1012 });
  // The client saw 1012 and opened a second connection on its own.
  await chaos.waitFor('connection.open', { since: 0, count: 2, timeout: 5_000 });
  await chaos.waitFor('handshake', { since: 0, count: 2, where: (e) => e.status === 101, timeout: 5_000 });
  expect(closes).toContain(1012);
  const echoed = new Promise<string>((resolve) => client.addEventListener('message', (event) => resolve(String(event.data)), { once: true }));
  client.send('back again');
  expect(await echoed).toBe('back again');
  // The same wsfault, driven over its REST API as another process would.
  const api = new WsfaultClient(chaos.apiUrl!);
  expect((await api.status()).scenario).toBe('server-restart-1012');
  expect(await api.connections()).toHaveLength(1);
  client.close();
}, 20_000);
