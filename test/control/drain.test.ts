import net from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { drainOnClose } from '../../src/control/drain.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';

let wsfault: RunningWsfault | null = null;
const sockets: net.Socket[] = [];
afterEach(async () => {
  await wsfault?.stop(200);
  wsfault = null;
  for (const socket of sockets.splice(0)) socket.destroy();
});

/** A raw client: what it read, and a promise of the socket's close (the server's doing here). */
async function connect(url: string, send = '') {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  if (send) socket.write(send);
  let read = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (read += chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, read: () => read, closed };
}

describe('closing an API listener whatever its peers do (Node waits for them)', () => {
  it.each([
    ['the control API', { api: '127.0.0.1:0' }, (w: RunningWsfault) => w.apiUrl!],
    ['the Toxiproxy API', { api: false as const, toxiproxyApi: '127.0.0.1:0' }, (w: RunningWsfault) => w.toxiproxyUrl!],
  ])('%s: stop() ends with a preconnected socket and a half-sent request open, and closes both', async (_name, options, urlOf) => {
    wsfault = await createWsfault({ seed: 1, ...options });
    // Before the fix, stop() never resolved: Node's close() leaves connections without a request.
    const preconnected = await connect(urlOf(wsfault));
    const halfSent = await connect(urlOf(wsfault), 'GET /version HTTP/1.1\r\nHo');
    await wsfault.stop(200);
    wsfault = null;
    await Promise.all([preconnected.closed, halfSent.closed]);
    expect([preconnected.read(), halfSent.read()]).toEqual(['', '']);
  });

  it('lets a response under way when the close begins finish, then closes its connection instead of keeping it alive', async () => {
    const api = Fastify();
    api.put('/echo', async (request) => request.body);
    drainOnClose(api);
    await api.listen({ host: '127.0.0.1', port: 0 });
    const arrived = new Promise<void>((resolve) => api.server.once('request', () => resolve()));
    const client = await connect(`http://127.0.0.1:${(api.server.address() as net.AddressInfo).port}`, 'PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n');
    await arrived;
    const closing = api.close();
    // The body comes after the close began; the answer ends after Node's close() reaped idle
    // connections, so before the fix this one waited 72 s (Fastify's keep-alive timeout).
    client.socket.write('{"a":1}\n');
    await closing;
    await client.closed;
    expect(client.read()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\{"a":1\}$/);
  });

  it('cuts a response that does not end within the drain time', async () => {
    const api = Fastify();
    api.get('/never', (_request, reply) => void reply.hijack());
    drainOnClose(api, 50);
    await api.listen({ host: '127.0.0.1', port: 0 });
    const arrived = new Promise<void>((resolve) => api.server.once('request', () => resolve()));
    const client = await connect(`http://127.0.0.1:${(api.server.address() as net.AddressInfo).port}`, 'GET /never HTTP/1.1\r\nHost: x\r\n\r\n');
    await arrived;
    await api.close();
    await client.closed;
    expect(client.read()).toBe('');
  });
});
