import type { Agent, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { ConnectionOptions } from 'node:tls';
import type { Socket } from 'node:net';
import type httpProxy from 'http-proxy';
import type { EventBus } from '../events/bus.js';
import { parseRequestHead, serializeRequestHead, targetPath, type HeaderField } from '../protocol/http-head.js';
import { nodeHttp, nodeHttps } from '../node-builtins.js';
import { formatHostPort, type Target } from './address.js';
import type { HttpOwner } from './connection-context.js';
import { unreachableBody } from './responses.js';

export interface HttpForwarderOptions {
  proxyName: string;
  /** The current target (a proxy's target can be changed while it runs). */
  target: () => Target;
  /** `keep` passes the client's Host on; `target` rewrites it to the target (dev servers that check it). */
  hostHeader: 'keep' | 'target';
  bus: EventBus;
  /** Trust for an https:// target (system CAs, --upstream-ca, --upstream-insecure). */
  trust?: ConnectionOptions;
}

/**
 * Plain HTTP on the proxy's port (pages, assets, APIs, long polling) goes through Node's HTTP
 * server and http-proxy. The server never listens: connections are handed to it after the
 * first head showed they are not upgrades. An upgrade that follows plain requests on the same
 * keep-alive socket comes back to the Connection's own upgrade path.
 */
export class HttpForwarder {
  /**
   * Node's HTTP server and the keep-alive agents, made on the first plain connection (with Node's
   * http and https modules): a WebSocket-only proxy never needs them, and loading them would
   * come before its first accept (src/node-builtins.ts).
   */
  private made: { server: Server; agents: { http: Agent; https: Agent } } | null = null;
  /** Made on the first plain request: http-proxy costs start-up time a WebSocket-only proxy need not pay. */
  private proxy: httpProxy | null = null;
  private readonly owners = new WeakMap<Socket, HttpOwner>();

  constructor(private readonly options: HttpForwarderOptions) {}

  private parts(): { server: Server; agents: { http: Agent; https: Agent } } {
    if (this.made) return this.made;
    const server = nodeHttp().createServer();
    // Keep-alive agents per scheme: a proxy's target may change from http to https while it runs.
    const agents = { http: new (nodeHttp().Agent)({ keepAlive: true }), https: new (nodeHttps().Agent)({ keepAlive: true, ...this.options.trust }) };
    server.on('request', this.onRequest);
    server.on('upgrade', this.onUpgrade);
    server.on('clientError', this.onClientError);
    // Our own head timeout guards the first request; later ones get Node's defaults.
    server.keepAliveTimeout = 5_000;
    return (this.made = { server, agents });
  }

  private web(req: IncomingMessage, res: ServerResponse, options: httpProxy.ServerOptions): void {
    if (!this.proxy) {
      const { createProxyServer } = createRequire(import.meta.url)('http-proxy') as typeof httpProxy;
      // Each request passes an agent: without one http-proxy asks the upstream for
      // `Connection: close`, which would end the client's keep-alive socket after every response.
      this.proxy = createProxyServer({
        changeOrigin: this.options.hostHeader === 'target',
        secure: this.options.trust?.rejectUnauthorized !== false,
        xfwd: false,
        ws: false,
      });
      this.proxy.on('error', this.onProxyError);
    }
    this.proxy.web(req, res, options);
  }

  handle(socket: Socket, connection: HttpOwner): void {
    this.owners.set(socket, connection);
    this.parts().server.emit('connection', socket);
    socket.resume();
  }

  close(): void {
    this.made?.server.closeAllConnections?.();
    this.proxy?.close();
    this.made?.agents.http.destroy();
    this.made?.agents.https.destroy();
  }

  private onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const connection = this.owners.get(req.socket);
    const current = this.options.target();
    const { agents } = this.parts();
    const options = { target: current.httpOrigin, agent: current.tls ? agents.https : agents.http };
    if (!connection) return void this.web(req, res, options);
    this.count(req, res, connection);
    if (this.options.bus.observed) this.observe(req, connection.id);
    // Transport faults that act before the dial act on plain requests too: they delay the upstream request.
    void connection.beforeDial().then(() => this.web(req, res, options));
  };

  private count(req: IncomingMessage, res: ServerResponse, connection: HttpOwner): void {
    res.on('finish', () => {
      if (!this.options.bus.active) return;
      this.options.bus.emit(this.options.proxyName, 'http.request', {
        conn: connection.id,
        method: req.method ?? '',
        path: targetPath(req.url ?? '').path,
        status: res.statusCode,
      });
    });
  }

  /** Each plain request, for a connection observer (the reconnect report tells engine.io polling sessions by it). */
  private observe(req: IncomingMessage, conn: string): void {
    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const { path, query } = targetPath(req.url ?? '');
    this.options.bus.request(this.options.proxyName, conn, { method: req.method ?? '', path, query, headers, upgrade: false });
  }

  private onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    const connection = this.owners.get(socket);
    if (!connection) return void socket.destroy();
    // Node has parsed this head already; rebuild it from the raw header list (case and order kept).
    const headers: HeaderField[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const raw = serializeRequestHead({ method: req.method ?? 'GET', target: req.url ?? '/', version: req.httpVersion, headers });
    void connection.upgrade(parseRequestHead(raw), head);
  };

  private onProxyError = (error: Error, req: IncomingMessage, res: ServerResponse | Socket): void => {
    const connection = this.owners.get(req.socket);
    const { bus, proxyName } = this.options;
    const target = this.options.target();
    if (connection && bus.active) {
      bus.emit(proxyName, 'upstream.error', { conn: connection.id, error: (error as { code?: string }).code ?? error.message });
    }
    if (!('writeHead' in res)) return void res.destroy();
    if (res.headersSent) return void res.destroy();
    const body = unreachableBody(formatHostPort(target.host, target.port), error) + '\n';
    res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  private onClientError = (error: Error & { code?: string }, socket: Socket): void => {
    if (!socket.writable) return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const text = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
}
