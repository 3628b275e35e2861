import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { echoPage } from './page.js';

export interface EchoServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The built-in upstream used when no --target is given: a WebSocket echo on any path
 * (permessage-deflate on, the first offered subprotocol accepted) and the echo page at `/`, which
 * opens a WebSocket through whatever served it. wsfault offers the page on its control API
 * (/echo) instead, so that loading it is no client of the proxy. The echo server has no health
 * route: it can only be reached through a proxy, where a probe would be a client to every fault;
 * wsfault's readiness is GET /health on the API or the --health listener.
 */
const PAGE = echoPage();

export async function startEchoServer({ host = '127.0.0.1', port = 0 }: { host?: string; port?: number } = {}): Promise<EchoServer> {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: true,
    handleProtocols: (offered) => offered.values().next().value ?? false,
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {}); // a client's protocol error closes that client only
  });

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(PAGE);
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: the echo server serves / (a test page) and WebSockets on any path; wsfault\'s health is GET /health on its control API\n');
  });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const hostPort = host.includes(':') ? `[${host}]:${actual}` : `${host}:${actual}`;
  return {
    url: `ws://${hostPort}`,
    host,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
