import type { Socket } from 'node:net';
import { header, isWebSocketUpgrade, parseRequestHead, targetPath, type RequestHead, type ResponseHead } from '../protocol/http-head.js';
import { admission, answerBadHead } from './admission.js';
import type { ConnectionContext, ConnectionInfo } from './connection-context.js';
import { ConnectionParts } from './connection-parts.js';
import { mergeFaults, NO_FAULTS, type FaultsInForce } from './fault-instances.js';
import { HeadTimeoutError, readHead } from './head-reader.js';
import { upgradePath } from './observe.js';
import type { ConnectionState } from './lifecycle.js';
import type { Pipe } from './pipe.js';
import { writeMadeUpResponse } from './responses.js';
import type { SecureHost } from './secure.js';
import { chosenSubprotocol, forwardUpgrade, type UpgradeHost } from './upgrade.js';
import { WebSocketSession } from './websocket-session.js';

export type { CloseHow, KillOptions } from './close-record.js';
export type { ConnectionContext, ConnectionInfo } from './connection-context.js';
export type { ConnectionState } from './lifecycle.js';

/**
 * One client connection and, once dialled, its upstream socket: the lifecycle of both sockets. Reads the first request head; plain HTTP
 * goes to the HTTP forwarder, an upgrade to the upgrade flow (src/proxy/upgrade.ts), and after the 101 a WebSocketSession carries the
 * frames. Closing passes through in kind: a Close frame as bytes, FIN as FIN, RST as RST. A fault that throws ends this connection only.
 * Its state and what its parts call back are in ConnectionParts (connection-parts.ts).
 */
export class Connection extends ConnectionParts {
  private refused = false;
  private path = '';
  private sni: string | undefined; // the TLS server name (SNI) when the client came over TLS
  private subprotocol: string | null = null;

  get state(): ConnectionState { return this.lifecycle.state; }

  /** False when a transport fault refused it: not counted as open. */
  get admitted(): boolean { return !this.refused; }

  get faults(): FaultsInForce { return this.inForce; }

  /** Runs the connection; anything thrown on the way ends this connection only. */
  start(): Promise<void> {
    return this.accept().catch((error: unknown) => this.crash(error));
  }

  private async accept(): Promise<void> {
    this.emit('connection.open', { conn: this.id, client: this.clientAddress });
    this.inForce = this.ctx.faults.forAccept(this.id, this);
    const refusal = admission(this.inForce.transport, () => this.ctx.openConnections(this.id));
    this.refused = refusal !== null;
    if (refusal) this.pair.record.proxyEnds({ how: refusal.action === 'close' && refusal.how === 'rst' ? 'rst' : 'fin' });
    if (refusal?.action === 'close') return this.refuse(refusal.how);
    this.installTransport(this.inForce.transport);
    let silent = false;
    if (this.ctx.tls) {
      // TLS (SPEC §10): the terminator reads the first bytes; TLS faults act on the ClientHello.
      const host: SecureHost = { conn: this.id, client: this.client, timeoutMs: this.ctx.limits.headTimeoutMs, applied: (name) => this.applied(name), emit: (type, fields) => this.emit(type, fields), ended: (how) => this.pair.end({ how }),
        faults: (sni) => (this.inForce = mergeFaults(this.inForce, this.ctx.faults.forHello?.(this.id, sni, this.clientAddress.address) ?? NO_FAULTS)).tls };
      const secured = await this.ctx.tls.secure(host);
      if (secured === null) return;
      silent = secured.silent === true;
      if (secured.stream !== host.client) this.sni = this.pair.useSecure(secured.stream, secured.sni);
    }
    let head: Buffer;
    let rest: Buffer;
    let request: RequestHead;
    try {
      // The head timeout already ran out while the terminator waited for a first byte.
      if (silent) throw new HeadTimeoutError(this.ctx.limits.headTimeoutMs);
      ({ head, rest } = await readHead(this.client, { maxBytes: this.ctx.limits.maxHeadBytes, timeoutMs: this.ctx.limits.headTimeoutMs, request: true }));
      request = parseRequestHead(head);
    } catch (error) {
      if (!this.lifecycle.ending && answerBadHead(this.client, error as Error)) this.lifecycle.to('tunnel');
      return;
    }
    if (this.lifecycle.ending) return;
    // A made-up answer waits for the request head, so the client reads an answer to what it sent.
    if (refusal) {
      this.lifecycle.to('tunnel');
      return writeMadeUpResponse(this.client, refusal.status, refusal.headers, refusal.body);
    }
    const { path, query } = targetPath(request.target);
    this.path = path;
    const more = this.ctx.faults.forRequest(this.id, { path, query, headers: request.headers, sni: this.sni, client: this.clientAddress.address });
    this.inForce = mergeFaults(this.inForce, more);
    this.installTransport(more.transport);
    if (isWebSocketUpgrade(request)) return this.upgrade(request, rest);
    this.lifecycle.to('http');
    this.client.unshift(rest.length > 0 ? Buffer.concat([head, rest]) : head);
    this.ctx.forwardHttp(this.client, this);
  }

  /** An upgrade request: the first one, or one after plain requests on a keep-alive socket. */
  upgrade(request: RequestHead, rest: Buffer): Promise<void> {
    if (this.lifecycle.ending) return Promise.resolve();
    this.lifecycle.to('handshake');
    this.path = upgradePath(this.ctx, this.id, request);
    return forwardUpgrade(this.upgradeHost(), request, rest).catch((error: unknown) => this.crash(error));
  }

  /** Transport faults that act before the upstream is dialled. */
  async beforeDial(): Promise<void> {
    for (const fault of this.inForce.transport) await fault.hooks.beforeDial?.();
  }

  /** Shutdown after the grace period: nothing is waited for any more. */
  destroy(): void {
    this.pair.destroy();
  }

  info(): ConnectionInfo {
    return {
      id: this.id,
      client: this.clientAddress,
      path: this.path,
      subprotocol: this.subprotocol,
      ageMs: Date.now() - this.openedAt,
      state: this.lifecycle.state,
      bytes: this.bytes(),
      messages: this.session?.messages ?? { up: 0, down: 0 },
      faults: [...this.inForce.tls, ...this.inForce.handshake, ...this.inForce.transport, ...this.inForce.messages].map((f) => f.name),
    };
  }

  private refuse(how: 'fin' | 'rst'): void {
    this.lifecycle.to('closing');
    if (how === 'rst') this.socket.resetAndDestroy();
    else this.socket.end();
  }

  /** The upgrade flow's view of this connection. */
  private upgradeHost(): UpgradeHost {
    const conn = this;
    return {
      get client() {
        return conn.client;
      },
      get target() {
        return conn.ctx.target;
      },
      limits: conn.ctx.limits,
      faults: () => conn.inForce,
      alive: () => !conn.lifecycle.ending,
      dial: (target, timeoutMs) => conn.ctx.dial(target, timeoutMs),
      beforeDial: () => conn.beforeDial(),
      adopt: (upstream) => conn.pair.adopt(upstream),
      becomeTunnel: () => conn.lifecycle.to('tunnel'),
      becomeWebSocket: (up, down, response) => conn.openSession(up, down, response),
      upstreamAnswered: () => conn.pair.upstreamAnswered(),
      handshakeEvent: (subprotocols, status) => conn.emit('handshake', { conn: conn.id, path: conn.path, subprotocols, status, faults: conn.appliedNames ? [...conn.appliedNames] : [] }),
      upstreamError: (error) => conn.upstreamError(error),
      keepTimer: (timer) => conn.pair.keepTimer(timer),
    };
  }

  private openSession(up: Pipe, down: Pipe, response: ResponseHead): void {
    this.lifecycle.to('websocket');
    this.subprotocol = chosenSubprotocol(response);
    const extensions = header(response.headers, 'sec-websocket-extensions') !== undefined;
    this.session = new WebSocketSession(this, up, down, extensions, this.ctx.bus.observed);
    this.session.useFaults(this.inForce.messages, false);
  }
}
