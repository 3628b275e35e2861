import type { Socket } from 'node:net';
import type { EventBus } from '../events/bus.js';
import type { ClientAddress, EventFields, EventType } from '../events/types.js';
import type { AdmissionVerdict, Direction } from '../faults/hooks.js';
import type { FrameError } from '../protocol/frame-parser.js';
import { HeadError, isWebSocketUpgrade, parseRequestHead, targetPath, type RequestHead, type ResponseHead } from '../protocol/http-head.js';
import type { Target } from './address.js';
import { CloseRecord, type CloseHow, type KillOptions } from './close-record.js';
import { mergeFaults, NO_FAULTS, type FaultSource, type FaultsInForce } from './fault-instances.js';
import { HeadTimeoutError, PeerClosedError, readHead } from './head-reader.js';
import { Lifecycle, type ConnectionState } from './lifecycle.js';
import type { Limits } from './limits.js';
import type { Pipe } from './pipe.js';
import { writeMadeUpResponse, writeResponse } from './responses.js';
import { relayFin, relayRst, type ClientStream, type Side } from './sides.js';
import { transportControl, type ControlHost } from './transport-control.js';
import { TransportLayer } from './transport-layer.js';
import { chosenSubprotocol, forwardUpgrade, type UpgradeHost } from './upgrade.js';
import { WebSocketSession } from './websocket-session.js';

export type { CloseHow, KillOptions } from './close-record.js';
export type { ConnectionState } from './lifecycle.js';

/** What a Connection needs from its proxy. */
export interface ConnectionContext {
  readonly proxyName: string;
  readonly target: Target;
  readonly bus: EventBus;
  readonly limits: Limits;
  readonly faults: FaultSource;
  dial(target: Target, timeoutMs: number): Promise<Socket>;
  /** Connections of this proxy that were admitted and are still open, this one excluded. */
  openConnections(except: Connection): number;
  /** Hands a socket whose first request is plain HTTP to the HTTP forwarder. */
  forwardHttp(socket: Socket, connection: Connection): void;
  closed(connection: Connection): void;
}

/** The SPEC §5 view of a connection. */
export interface ConnectionInfo {
  id: string;
  client: ClientAddress;
  path: string;
  subprotocol: string | null;
  ageMs: number;
  state: ConnectionState;
  bytes: { up: number; down: number };
  messages: { up: number; down: number };
  faults: string[];
}

/**
 * One client connection and, once dialled, its upstream socket: the lifecycle of both sockets.
 * Reads the first request head; plain HTTP goes to the HTTP forwarder, an upgrade to the
 * upgrade flow (src/proxy/upgrade.ts), and after the 101 a WebSocketSession carries the frames.
 * Closing passes through in kind: a Close frame as bytes, FIN as FIN, RST as RST. Whatever a
 * fault throws ends this connection only (a reset and a `fault.error` event).
 */
export class Connection {
  readonly openedAt = Date.now();
  /** performance.now() at accept: transport faults time themselves from here. */
  private readonly acceptedAt = performance.now();
  readonly clientAddress: ClientAddress;
  private readonly lifecycle = new Lifecycle();
  private readonly record = new CloseRecord();
  private readonly transport: TransportLayer;
  private inForce: FaultsInForce = NO_FAULTS;
  /** Names of the faults that acted on this connection (the handshake event). */
  private readonly applied = new Set<string>();
  private refused = false;
  private path = '';
  private subprotocol: string | null = null;
  private clientStream: ClientStream;
  private upstreamSocket: Socket | null = null;
  private session: WebSocketSession | null = null;
  private closeTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: string,
    /** The accepted TCP socket itself. */
    readonly socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.clientStream = socket;
    this.clientAddress = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    // Once linked, the link reports the client's RST (its stages may hold it back).
    socket.on('error', (error) => {
      if (this.clientStream === socket) this.onSocketError('client', error);
    });
    socket.on('close', this.onSocketClose);
    this.transport = new TransportLayer({
      socket,
      useLink: (link) => {
        this.clientStream = link as unknown as ClientStream;
        link.on('error', () => {}); // errors of the socket under it arrive as peerReset
        link.on('close', this.onSocketClose);
      },
      control: (link) => transportControl(this.controlHost(), link),
      peerReset: (error) => this.onSocketError('client', error),
      cut: () => this.kill({ how: 'fin' }),
    });
  }

  /** What the proxy reads the client from and writes it to (the socket, or a ClientLink). */
  get client(): Socket {
    return this.clientStream;
  }

  get upstream(): Socket | null {
    return this.upstreamSocket;
  }

  get state(): ConnectionState {
    return this.lifecycle.state;
  }

  /** False when a transport fault refused it: not counted as open. */
  get admitted(): boolean {
    return !this.refused;
  }

  get faults(): FaultsInForce {
    return this.inForce;
  }

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
    const refusal = this.admit();
    if (refusal?.action === 'close') return this.refuse(refusal.how);
    this.transport.install(this.inForce.transport, true);
    let head: Buffer;
    let rest: Buffer;
    let request: RequestHead;
    try {
      ({ head, rest } = await readHead(this.client, { maxBytes: this.ctx.limits.maxHeadBytes, timeoutMs: this.ctx.limits.headTimeoutMs, request: true }));
      request = parseRequestHead(head);
    } catch (error) {
      return this.refuseRequest(error as Error);
    }
    if (this.lifecycle.ending) return;
    if (refusal) {
      this.lifecycle.to('tunnel');
      return writeMadeUpResponse(this.client, refusal.status, refusal.headers, refusal.body);
    }
    const { path, query } = targetPath(request.target);
    this.path = path;
    const more = this.ctx.faults.forRequest(this.id, { path, query, headers: request.headers });
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
    this.path = targetPath(request.target).path;
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
    this.record.proxyEnds(options);
    if (options.how === 'rst') {
      this.client.resetAndDestroy();
      this.upstreamSocket?.resetAndDestroy();
      return;
    }
    this.beginClosing();
    this.client.end();
    this.upstreamSocket?.end();
    this.destroyLater();
  }

  /** Shutdown after the grace period: nothing is waited for any more. */
  destroy(): void {
    this.client.destroy();
    this.upstreamSocket?.destroy();
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
      faults: [...this.inForce.handshake, ...this.inForce.transport, ...this.inForce.messages].map((f) => f.name),
    };
  }

  /** Transport faults that refuse connections decide at accept; the first verdict wins. */
  private admit(): AdmissionVerdict | null {
    for (const fault of this.inForce.transport) {
      const verdict = fault.hooks.admit?.(this.ctx.openConnections(this));
      if (!verdict) continue;
      this.refused = true;
      // A made-up answer waits for the request head, so the client reads an answer to what it sent.
      this.record.proxyEnds({ how: verdict.action === 'close' && verdict.how === 'rst' ? 'rst' : 'fin' });
      return verdict;
    }
    return null;
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

  /** A peer that never finishes the closing handshake does not keep the sockets forever. */
  private destroyLater(): void {
    if (this.closeTimer) return;
    this.closeTimer = setTimeout(() => this.destroy(), this.ctx.limits.closeTimeoutMs);
    this.closeTimer.unref();
  }

  /**
   * A bug, or a fault that threw: this connection is reset (both sides), the others go on. The
   * event names the fault when one is to blame.
   */
  private crash(error: unknown, fault?: { name: string; type: string }): void {
    const message = error instanceof Error ? error.message : String(error);
    this.emit('fault.error', { conn: this.id, ...(fault ? { fault } : {}), error: message });
    if (this.lifecycle.is('closed')) return;
    this.record.proxyEnds({ how: 'rst' });
    this.socket.resetAndDestroy();
    this.upstreamSocket?.resetAndDestroy();
  }

  /** What the client sent and received, counted by its socket: live, and free on the hot path. */
  private bytes(): { up: number; down: number } {
    return { up: this.socket.bytesRead, down: this.socket.bytesWritten };
  }

  private onSocketError(side: Side, error: Error & { code?: string }): void {
    this.record.end(side, 'rst');
    // Before the answer, an upstream failure is answered with 502 by the upgrade flow itself.
    if (side === 'server' && this.lifecycle.is('handshake')) return;
    // A broken stream on one side cannot be passed on cleanly: reset the other side too.
    if (side === 'client') relayRst(this.upstreamSocket);
    else {
      relayRst(this.clientStream);
      this.upstreamError(error);
    }
  }

  private onSocketClose = (): void => {
    if (!this.client.destroyed) return;
    if (this.upstreamSocket && !this.upstreamSocket.destroyed) return;
    if (this.lifecycle.is('closed')) return;
    this.lifecycle.to('closed');
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.ctx.closed(this);
    this.ctx.faults.release(this.id);
    this.transport.stopAll();
    this.session?.stop();
    if (!this.ctx.bus.active) return;
    this.emit('connection.close', {
      conn: this.id,
      ...this.record.summary(),
      durationMs: Date.now() - this.openedAt,
      bytes: this.bytes(),
      messages: this.session?.messages ?? { up: 0, down: 0 },
    });
  };

  private refuseRequest(error: Error): void {
    if (error instanceof PeerClosedError) return void this.client.destroy();
    if (this.lifecycle.ending) return;
    this.lifecycle.to('tunnel');
    if (error instanceof HeadTimeoutError) return writeResponse(this.client, 408, `wsfault: ${error.message}`);
    if (error instanceof HeadError) return writeResponse(this.client, error.status, `wsfault: ${error.message}`);
    this.client.destroy();
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
      closeSide: (side: 'client' | 'server' | 'both') => {
        this.record.proxyEnds({ how: 'fin' });
        if (side !== 'server') this.client.end();
        if (side !== 'client') this.upstreamSocket?.end();
      },
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
      adopt: (upstream) => conn.adopt(upstream),
      becomeTunnel: () => conn.lifecycle.to('tunnel'),
      becomeWebSocket: (up, down, response) => conn.openSession(up, down, response),
      upstreamAnswered: () => conn.upstreamSocket!.on('end', () => conn.onEnd('server')),
      handshakeEvent: (subprotocols, status) => conn.emit('handshake', { conn: conn.id, path: conn.path, subprotocols, status, faults: [...conn.applied] }),
      upstreamError: (error) => conn.upstreamError(error),
      keepTimer: (timer) => (conn.closeTimer = timer),
    };
  }

  /** The upstream socket is connected: its errors and close are this connection's now. */
  private adopt(upstream: Socket): void {
    this.upstreamSocket = upstream;
    upstream.on('error', (error) => this.onSocketError('server', error));
    upstream.on('close', this.onSocketClose);
    this.client.on('end', () => this.onEnd('client'));
  }

  private openSession(up: Pipe, down: Pipe, response: ResponseHead): void {
    this.lifecycle.to('websocket');
    this.subprotocol = chosenSubprotocol(response);
    const extensions = response.headers.some(([name]) => name.toLowerCase() === 'sec-websocket-extensions');
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
      upstream: this.upstreamSocket!,
      record: this.record,
      beginClosing: () => this.beginClosing(),
      destroyLater: () => this.destroyLater(),
      protocolError: (direction: Direction, error: FrameError) => {
        if (this.session?.abortForViolation(direction, error)) {
          this.emit('upstream.error', { conn: this.id, error: `${direction === 'upstream' ? 'client' : 'server'} ${error.code}: ${error.message}` });
        }
      },
    };
  }

  /** FIN passes on as FIN, unless the proxy is ending the connection itself. */
  private onEnd(by: Side): void {
    this.record.end(by, 'fin');
    if (this.record.byProxy) return;
    if (by === 'client') relayFin(this.upstreamSocket);
    else relayFin(this.clientStream);
  }
}
