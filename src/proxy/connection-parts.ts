import type { Socket } from 'node:net';
import type { ClientAddress, EventFields, EventType } from '../events/types.js';
import type { Direction, Layer, LayerHooks, TransportHooks } from '../faults/hooks.js';
import type { FrameError } from '../protocol/frame-parser.js';
import type { CloseRecord, KillOptions } from './close-record.js';
import type { ConnectionContext } from './connection-context.js';
import { NO_FAULTS, type FaultListener, type FaultsInForce } from './fault-instances.js';
import { Lifecycle } from './lifecycle.js';
import { SocketPair, type PairHost } from './socket-pair.js';
import { transportControl, type ControlHost } from './transport-control.js';
import { TransportLayer } from './transport-layer.js';
import type { SessionHost, WebSocketSession } from './websocket-session.js';

/**
 * The state of one connection and what its parts call back: the connection is itself the host of its SocketPair and its
 * WebSocketSession and the listener of its fault source, and makes its transport layer only when a transport fault arrives. So an
 * idle pass-through connection holds no host object and no closure per callback (issue #13: 10 000 idle WebSockets). The flow
 * (accept, head, upgrade) is Connection's, in connection.ts.
 */
export abstract class ConnectionParts implements PairHost, FaultListener, SessionHost {
  readonly openedAt = Date.now();
  /** performance.now() at accept: transport and message faults time `after` from here. */
  readonly acceptedAt = performance.now();

  readonly clientAddress: ClientAddress;
  protected readonly lifecycle = new Lifecycle();
  protected readonly pair: SocketPair;
  protected transport: TransportLayer | null = null;
  protected inForce: FaultsInForce = NO_FAULTS;
  /** Names of the faults that acted on this connection (the handshake event); made at the first. */
  protected appliedNames: Set<string> | null = null;
  protected session: WebSocketSession | null = null;
  protected crashed = false;

  constructor(
    readonly id: string,
    /** The accepted TCP socket itself. */
    readonly socket: Socket,
    protected readonly ctx: ConnectionContext,
  ) {
    this.clientAddress = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    this.pair = new SocketPair(socket, this);
  }

  /** What the proxy reads the client from and writes it to (the socket, or a ClientLink). */
  get client(): Socket { return this.pair.client; }

  get upstream(): Socket | null { return this.pair.upstream; }

  /** Ends the connection the way a fault or an operator asks (SPEC §5 kill, shutdown). */
  kill(options: KillOptions): void {
    if (this.lifecycle.is('closed')) return;
    if (options.how === 'close-frame' && this.session && this.lifecycle.is('websocket')) {
      return this.session.sendClose({ to: 'both', code: options.code ?? 1001, reason: options.reason ?? '', then: 'wait-echo' });
    }
    this.pair.end({ ...options, how: options.how === 'rst' ? 'rst' : 'fin' });
  }

  /** FaultListener: a fault acted on this connection. */
  applied(name: string): void {
    (this.appliedNames ??= new Set()).add(name);
  }

  /** FaultListener: the whole set changed (apply=all, a new phase). */
  update(faults: FaultsInForce): void {
    this.inForce = faults;
    if (this.transport || faults.transport.length > 0) this.transportLayer().replace(faults.transport);
    if (this.lifecycle.is('websocket')) this.session?.useFaults(faults.messages, true);
  }

  /**
   * FaultListener: whether a fault of `layer` could still act on this connection. TLS faults act
   * on the TLS handshake (before any request head), handshake faults until the upstream's answer,
   * message faults on any WebSocket this becomes, transport faults through their stages or timers
   * at any time, but `admit` only at accept and `beforeDial` only before the upstream is dialled.
   */
  canAct(layer: Layer, hooks: LayerHooks[Layer]): boolean {
    if (this.lifecycle.ending) return false;
    switch (layer) {
      case 'tls':
        return this.lifecycle.is('head');
      case 'handshake':
        return this.lifecycle.is('head', 'http', 'handshake');
      case 'messages':
        return !this.lifecycle.is('tunnel');
      case 'transport': {
        const transport = hooks as TransportHooks;
        return transport.stages !== undefined || transport.start !== undefined || (transport.beforeDial !== undefined && this.pair.upstream === null);
      }
    }
  }

  /** FaultListener: a fault threw; the connection ends and the event names it. */
  failed(fault: { name: string; type: string }, error: unknown): void {
    this.crash(error, fault);
  }

  /** PairHost: the pair's close timeout. */
  get closeTimeoutMs(): number {
    return this.ctx.limits.closeTimeoutMs;
  }

  /** PairHost: an upstream failure before the answer is the upgrade flow's to answer (502). */
  awaitingAnswer(): boolean {
    return this.lifecycle.is('handshake');
  }

  protected installTransport(faults: FaultsInForce['transport']): void {
    if (faults.length > 0) this.transportLayer().install(faults, true);
  }

  /** Made at the first transport fault: pass-through connections never have one. */
  protected transportLayer(): TransportLayer {
    return (this.transport ??= new TransportLayer({
      socket: this.socket,
      openedAt: this.acceptedAt,
      useLink: (link) => this.pair.useLink(link),
      control: (link) => transportControl(this.controlHost(), link),
      peerReset: (error) => this.pair.clientReset(error),
      cut: () => this.kill({ how: 'fin' }),
    }));
  }

  /** PairHost: moves to `closing`; false when the connection is already ending. */
  beginClosing(): boolean {
    if (this.lifecycle.ending) return false;
    this.lifecycle.to('closing');
    return true;
  }

  /**
   * A bug, or a fault that threw: this connection is reset (both sides), the others go on. The
   * event names the fault when one is to blame.
   */
  protected crash(error: unknown, fault?: { name: string; type: string }): void {
    if (this.crashed) return;
    this.crashed = true;
    const message = error instanceof Error ? error.message : String(error);
    this.emit('fault.error', { conn: this.id, ...(fault ? { fault } : {}), error: message });
    if (!this.lifecycle.is('closed')) this.pair.reset();
  }

  /** What the client sent and received, counted by its socket: live, and free on the hot path. */
  protected bytes(): { up: number; down: number } {
    return { up: this.socket.bytesRead, down: this.socket.bytesWritten };
  }

  /** PairHost: both sockets are gone. */
  closed(): void {
    this.lifecycle.to('closed');
    this.ctx.closed(this.id);
    this.ctx.faults.release(this.id);
    this.transport?.stopAll();
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

  /** PairHost (and the upgrade flow): the upstream failed. */
  upstreamError(error: Error & { code?: string }): void {
    this.emit('upstream.error', { conn: this.id, error: error.code ?? error.message });
  }

  protected emit<T extends EventType>(type: T, fields: EventFields[T]): void {
    this.ctx.bus.emit(this.ctx.proxyName, type, fields);
  }

  protected controlHost(): ControlHost {
    return {
      openedAt: this.acceptedAt,
      kill: (options: KillOptions) => this.kill(options),
      closeSide: (side) => this.pair.closeSide(side),
      lastDataAt: () => (this.session && this.lifecycle.is('websocket', 'closing') ? this.session.lastDataAt() : null),
    };
  }

  /** SessionHost: who ended the connection and how. */
  get record(): CloseRecord {
    return this.pair.record;
  }

  /** SessionHost: the most a message fault may collect of one message. */
  get maxMessageBuffer(): number {
    return this.ctx.limits.maxMessageBuffer;
  }

  /** SessionHost: both sockets are destroyed after the close timeout, whatever the peers do. */
  destroyLater(): void {
    this.pair.destroyLater();
  }

  /** PairHost: the client's stream closed, for the observers that asked (the reconnect report's attempt end). */
  clientGone(): void {
    if (this.ctx.bus.observed) this.ctx.bus.clientClosed(this.ctx.proxyName, this.id);
  }

  /** SessionHost: the client's first data message, for the observers that asked (the reconnect report). */
  firstClientMessage(): void {
    this.ctx.bus.firstClientMessage(this.ctx.proxyName, this.id);
  }

  /** SessionHost: a peer broke the protocol while frames were parsed. */
  protocolError(direction: Direction, error: FrameError): void {
    if (this.session?.abortForViolation(direction, error)) {
      this.emit('upstream.error', { conn: this.id, error: `${direction === 'upstream' ? 'client' : 'server'} ${error.code}: ${error.message}` });
    }
  }
}
