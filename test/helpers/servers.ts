import http from 'node:http';
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import { WebSocketServer, type ServerOptions } from 'ws';
import { EventBus } from '../../src/events/bus.js';
import type { WsfaultEvent } from '../../src/events/types.js';
import { parseTarget } from '../../src/proxy/address.js';
import type { Limits } from '../../src/proxy/limits.js';
import { Proxy } from '../../src/proxy/proxy.js';
import { RESPONSE } from './bulk.js';

/** Servers and proxies a test starts; `closeAll()` in afterEach tears every one down. */
const cleanups: (() => Promise<unknown> | void)[] = [];

export async function closeAll(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}

export function portOf(server: Server | http.Server): number {
  return (server.address() as AddressInfo).port;
}

/** A ws echo server on 127.0.0.1 port 0 (text stays text, binary stays binary). */
export async function startWsEcho(options: ServerOptions = {}): Promise<{ wss: WebSocketServer; url: string; port: number }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  );
  const port = (wss.address() as AddressInfo).port;
  return { wss, url: `ws://127.0.0.1:${port}`, port };
}

/** A plain TCP server on port 0; `onSocket` gets each accepted socket (half-open allowed). */
export async function startTcpServer(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { server, port: portOf(server), sockets };
}

/**
 * A raw upstream that answers the first request head with a 101 (RESPONSE) and records every
 * byte it reads; when its client sends FIN it ends its side too, and `ended` resolves.
 */
export async function startUpgradeRecorder(): Promise<{ port: number; received(): Buffer; ended: Promise<void> }> {
  const seen: Buffer[] = [];
  let serverEnded!: () => void;
  const ended = new Promise<void>((resolve) => (serverEnded = resolve));
  const { port } = await startTcpServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      const answered = Buffer.concat(seen).includes('\r\n\r\n');
      seen.push(chunk);
      if (!answered && Buffer.concat(seen).includes('\r\n\r\n')) socket.write(RESPONSE);
    });
    socket.on('end', () => {
      serverEnded();
      socket.end();
    });
  });
  return { port, received: () => Buffer.concat(seen), ended };
}

export async function startHttpServer(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { server, port: portOf(server) };
}

/** A Proxy on 127.0.0.1 port 0 in front of `target`, with every event recorded. */
export async function startProxy(target: string, options: { limits?: Partial<Limits>; hostHeader?: 'keep' | 'target' } = {}) {
  const bus = new EventBus();
  const events: WsfaultEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const proxy = new Proxy({ name: 'default', listen: { host: '127.0.0.1', port: 0 }, target: parseTarget(target), bus, ...options });
  await proxy.start();
  cleanups.push(() => proxy.stop(500));
  return { proxy, bus, events, url: proxy.url, port: proxy.address.port };
}

/** A port that nothing listens on (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
