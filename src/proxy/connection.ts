import type { Socket } from 'node:net';
import type { ClientAddress, EventFields, EventType } from '../events/types.js';
import type { Direction } from '../faults/hooks.js';
import type { FrameError } from '../protocol/frame-parser.js';
import { header, isWebSocketUpgrade, parseRequestHead, targetPath, type RequestHead, type ResponseHead } from '../protocol/http-head.js';
import { admission, answerBadHead } from './admission.js';
import type { KillOptions } from './close-record.js';
import type { ConnectionContext, ConnectionInfo } from './connection-context.js';
import { mergeFaults, NO_FAULTS, type FaultsInForce } from './fault-instances.js';
import { readHead } from './head-reader.js';
import { upgradePath } from './observe.js';
import { Lifecycle, type ConnectionState } from './lifecycle.js';
import type { Pipe } from './pipe.js';
import { writeMadeUpResponse } from './responses.js';
import { SocketPair } from './socket-pair.js';
import type { SecureHost } from './secure.js';
import { transportControl, type ControlHost } from './transport-control.js';
import { TransportLayer } from './transport-layer.js';
import { chosenSubprotocol, forwardUpgrade, type UpgradeHost } from './upgrade.js';
import { WebSocketSession } from './websocket-session.js';

export type { CloseHow, KillOptions } from './close-record.js';
export type { ConnectionContext, ConnectionInfo } from './connection-context.js';
export type { ConnectionState } from './lifecycle.js';

/**
 * One client connection and, once dialled, its upstream socket: the lifecycle of both sockets. Reads the first request head; plain HTTP
 * goes to the HTTP forwarder, an upgrade to the upgrade flow (src/proxy/upgrade.ts), and after the 101 a WebSocketSession carries the
 * frames. Closing passes through in kind: a Close frame as bytes, FIN as FIN, RST as RST. A fault that throws ends this connection only.
 */
export class Connection {
  readonly openedAt = Date.now();
  /** performance.now() at accept: transport faults time themselves from here. */
  private readonly acceptedAt = performance.now();
  readonly clientAddress: ClientAddress;
  private readonly lifecycle = new Lifecycle();
  private readonly pair: SocketPair;
  private readonly transport: TransportLayer;
  private inForce: FaultsInForce = NO_FAULTS;
  /** Names of the faults that acted on this connection (the handshake event). */
  private readonly applied = new Set<string>();
  private refused = false;
  private path = '';
  private sni: string | undefined; // the TLS server name (SNI) when the client came over TLS
  private subprotocol: string | null = null;
  private session: WebSocketSession | null = null;
  private crashed = false;

  constructor(
    readonly id: string,
    /** The accepted TCP socket itself. */
    readonly socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.clientAddress = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    this.pair = new SocketPair(socket, {
      closeTimeoutMs: ctx.limits.closeTimeoutMs,
      awaitingAnswer: () => this.lifecycle.is('handshake'),
      beginClosing: () => this.beginClosing(),
      upstreamError: (error) => this.upstreamError(error),
      closed: () => this.closed(),
    });
    this.transport = new TransportLayer({
      socket,
      useLink: (link) => this.pair.useLink(link),
      control: (link) => transportControl(this.controlHost(), link),
      peerReset: (error) => this.pair.clientReset(error),
      cut: () => this.kill({ how: 'fin' }),
    });
  }

  /** What the proxy reads the client from and writes it to (the socket, or a ClientLink). */
  get client(): Socket { return this.pair.client; }

  get upstream(): Socket | null { return this.pair.upstream; }

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
    this.inForce = this.ctx.faults.forAccept(this.id, {
      applied: (name) => this.applied.add(name),
      update: (faults) => this.replaceFaults(faults),
      failed: (fault, error) => this.crash(error, fault),
    });
    const refusal = admission(this.inForce.transport, () => this.ctx.openConnections(this.id));
    this.refused = refusal !== null;
    if (refusal) this.pair.record.proxyEnds({ how: refusal.action === 'close' && refusal.how === 'rst' ? 'rst' : 'fin' });
    if (refusal?.action === 'close') return this.refuse(refusal.how);
    this.transport.install(this.inForce.transport, true);
    if (this.ctx.tls) {
      // TLS (SPEC §10): the terminator reads the first bytes; TLS faults act on the ClientHello.
      const host: SecureHost = { conn: this.id, client: this.client, timeoutMs: this.ctx.limits.headTimeoutMs, applied: (name) => this.applied.add(name), emit: (type, fields) => this.emit(type, fields), ended: (how) => this.pair.end({ how }),
        faults: (sni) => (this.inForce = mergeFaults(this.inForce, this.ctx.faults.forHello?.(this.id, sni, this.clientAddress.address) ?? NO_FAULTS)).tls };
      const secured = await this.ctx.tls.secure(host);
      if (secured === null) return;
      if (secured.stream !== host.client) this.sni = this.pair.useSecure(secured.stream, secured.sni);
    }
    let head: Buffer;
    let rest: Buffer;
    let request: RequestHead;
    try {
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
    this.transport.install(more.transport, true);
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

  /** Ends the connection the way a fault or an operator asks (SPEC §5 kill, shutdown). */
  kill(options: KillOptions): void {
    if (this.lifecycle.is('closed')) return;
    if (options.how === 'close-frame' && this.session && this.lifecycle.is('websocket')) {
      return this.session.sendClose({ to: 'both', code: options.code ?? 1001, reason: options.reason ?? '', then: 'wait-echo' });
    }
    this.pair.end({ ...options, how: options.how === 'rst' ? 'rst' : 'fin' });
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

  private replaceFaults(faults: FaultsInForce): void {
    this.inForce = faults;
    this.transport.replace(faults.transport);
    if (this.lifecycle.is('websocket')) this.session?.useFaults(faults.messages, true);
  }

  /** Moves to `closing`; false when the connection is already ending. */
  private beginClosing(): boolean {
    if (this.lifecycle.ending) return false;
    this.lifecycle.to('closing');
    return true;
  }

  /**
   * A bug, or a fault that threw: this connection is reset (both sides), the others go on. The
   * event names the fault when one is to blame.
   */
  private crash(error: unknown, fault?: { name: string; type: string }): void {
    if (this.crashed) return;
    this.crashed = true;
    const message = error instanceof Error ? error.message : String(error);
    this.emit('fault.error', { conn: this.id, ...(fault ? { fault } : {}), error: message });
    if (!this.lifecycle.is('closed')) this.pair.reset();
  }

  /** What the client sent and received, counted by its socket: live, and free on the hot path. */
  private bytes(): { up: number; down: number } {
    return { up: this.socket.bytesRead, down: this.socket.bytesWritten };
  }

  private closed(): void {
    this.lifecycle.to('closed');
    this.ctx.closed(this.id);
    this.ctx.faults.release(this.id);
    this.transport.stopAll();
    this.session?.stop();
    if (!this.ctx.bus.active) return;
    this.emit('connection.close', {
      conn: this.id,
      ...this.pair.record.summary(),
      durationMs: Date.now() - this.openedAt,
      bytes: this.bytes(),
      messages: this.session?.messages ?? { up: 0, down: 0 },
    });
  }

  private upstreamError(error: Error & { code?: string }): void {
    this.emit('upstream.error', { conn: this.id, error: error.code ?? error.message });
  }

  private emit<T extends EventType>(type: T, fields: EventFields[T]): void {
    this.ctx.bus.emit(this.ctx.proxyName, type, fields);
  }

  private controlHost(): ControlHost {
    return {
      openedAt: this.acceptedAt,
      kill: (options: KillOptions) => this.kill(options),
      closeSide: (side) => this.pair.closeSide(side),
      lastDataAt: () => (this.session && this.lifecycle.is('websocket', 'closing') ? this.session.lastDataAt() : null),
    };
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
      handshakeEvent: (subprotocols, status) => conn.emit('handshake', { conn: conn.id, path: conn.path, subprotocols, status, faults: [...conn.applied] }),
      upstreamError: (error) => conn.upstreamError(error),
      keepTimer: (timer) => conn.pair.keepTimer(timer),
    };
  }

  private openSession(up: Pipe, down: Pipe, response: ResponseHead): void {
    this.lifecycle.to('websocket');
    this.subprotocol = chosenSubprotocol(response);
    const extensions = header(response.headers, 'sec-websocket-extensions') !== undefined;
    this.session = new WebSocketSession(this.sessionHost(), up, down, extensions);
    this.session.useFaults(this.inForce.messages, false);
  }

  private sessionHost() {
    const conn = this;
    return {
      openedAt: this.openedAt,
      get client() {
        return conn.client;
      },
      upstream: this.pair.upstream!,
      record: this.pair.record,
      maxMessageBuffer: this.ctx.limits.maxMessageBuffer,
      beginClosing: () => this.beginClosing(),
      destroyLater: () => this.pair.destroyLater(),
      ...(this.ctx.bus.observed ? { firstClientMessage: () => this.ctx.bus.firstClientMessage(this.ctx.proxyName, this.id) } : {}),
      protocolError: (direction: Direction, error: FrameError) => {
        if (this.session?.abortForViolation(direction, error)) {
          this.emit('upstream.error', { conn: this.id, error: `${direction === 'upstream' ? 'client' : 'server'} ${error.code}: ${error.message}` });
        }
      },
    };
  }
}
