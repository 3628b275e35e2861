import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeAll, freePort, startProxy, startTcpServer, startWsEcho } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

afterEach(closeAll);

const UPGRADE = 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const SWITCHED = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

/** A raw client through the proxy to a raw upstream, both past the 101; returns both sockets. */
async function rawTunnel() {
  let serverSide: net.Socket | null = null;
  const upstream = await startTcpServer((socket) => {
    serverSide = socket;
    socket.once('data', () => socket.write(SWITCHED));
  });
  const { port, events } = await startProxy(`ws://127.0.0.1:${upstream.port}`);
  const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let got = '';
  client.on('data', (chunk) => (got += chunk.toString('latin1')));
  client.write(UPGRADE);
  await until(() => got.includes('101') && serverSide !== null, 'the 101');
  return { client, server: () => serverSide!, events };
}

describe('closing passes through in kind', () => {
  it('an upstream RST reaches the client as a reset', async () => {
    const { client, server, events } = await rawTunnel();
    const error = new Promise<NodeJS.ErrnoException>((resolve) => client.once('error', resolve));
    server().resetAndDestroy();
    expect((await error).code).toBe('ECONNRESET');
    await until(() => events.some((e) => e.type === 'connection.close'), 'connection.close');
    expect(events.find((e) => e.type === 'connection.close')).toMatchObject({ by: 'server', how: 'rst' });
  });

  it('a client RST reaches the upstream as a reset', async () => {
    const { client, server } = await rawTunnel();
    const error = new Promise<NodeJS.ErrnoException>((resolve) => server().once('error', resolve));
    client.resetAndDestroy();
    expect((await error).code).toBe('ECONNRESET');
  });

  it('an upstream FIN reaches the client as a FIN, and the other direction keeps flowing', async () => {
    const { client, server } = await rawTunnel();
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    server().end();
    await ended;
    expect(client.destroyed).toBe(false);
    // Half-close: the client can still send, and the server still receives.
    const received = new Promise<string>((resolve) => server().once('data', (d) => resolve(d.toString())));
    client.write('after-fin');
    expect(await received).toBe('after-fin');
    client.end();
  });

  it('a client FIN reaches the upstream as a FIN', async () => {
    const { client, server } = await rawTunnel();
    const ended = new Promise<void>((resolve) => server().once('end', () => resolve()));
    client.end();
    await ended;
  });
});

describe('upstream unreachable', () => {
  it('answers an upgrade with 502 and the SPEC body, and keeps serving', async () => {
    const dead = await freePort();
    const { url, events } = await startProxy(`ws://127.0.0.1:${dead}`);
    for (let i = 0; i < 2; i++) {
      const ws = new WebSocket(url);
      const response = await new Promise<{ status: number; body: string }>((resolve) =>
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }),
      );
      expect(response.status).toBe(502);
      expect(response.body.trim()).toBe(`wsfault: cannot reach upstream 127.0.0.1:${dead} (ECONNREFUSED)`);
    }
    expect(events.filter((e) => e.type === 'upstream.error')).toHaveLength(2);
  });
});

describe('many connections', () => {
  it('200 concurrent WebSockets each echo correctly, and leave no sockets behind', async () => {
    const echo = await startWsEcho();
    const { url, proxy } = await startProxy(echo.url);
    const clients = await Promise.all(Array.from({ length: 200 }, () => openClient(url)));
    const replies = await Promise.all(clients.map((ws, i) => roundTrip(ws, `message ${i}`)));
    replies.forEach((reply, i) => expect(reply.data.toString()).toBe(`message ${i}`));
    expect(proxy.connections.size).toBe(200);
    await Promise.all(clients.map((ws) => new Promise((resolve) => (ws.close(), ws.once('close', resolve)))));
    await until(() => proxy.connections.size === 0, 'the registry to empty');
    // Count what the proxy's listener still holds, and what the echo server still has.
    const open = await new Promise<number>((resolve, reject) =>
      (proxy as unknown as { server: net.Server }).server.getConnections((e, n) => (e ? reject(e) : resolve(n))),
    );
    expect(open).toBe(0);
    await until(() => echo.wss.clients.size === 0, 'the upstream to see every client gone');
  });
});
