import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ECHO_PAGE } from './page.js';

export interface EchoServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The built-in upstream used when no --target is given: a WebSocket echo on any path
 * (permessage-deflate on, the first offered subprotocol accepted) and a page at `/` that opens a
 * WebSocket through whatever served it, so every scenario can be tried in a browser at once.
 */
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
      return res.end(ECHO_PAGE);
    }
    if (path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('ok');
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: the echo server serves / (a test page) and WebSockets on any path\n');
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
