import type { Socket } from 'node:net';
import type { ClientLink } from '../transport/client-link.js';
import { CloseRecord, type KillOptions } from './close-record.js';
import { relayFin, relayRst, type ClientStream, type Side } from './sides.js';

/** What the pair needs from its connection. */
export interface PairHost {
  readonly closeTimeoutMs: number;
  /** The connection is waiting for the upstream's answer to an upgrade (its failure is a 502). */
  awaitingAnswer(): boolean;
  /** Moves the connection to `closing`; false when it is already ending. */
  beginClosing(): boolean;
  upstreamError(error: Error & { code?: string }): void;
  /** The client's stream is gone (the upstream's may linger): when the client saw the end. */
  clientGone(): void;
  /** Both sockets are gone. */
  closed(): void;
}

/** The pair whose stream this is, kept on the stream so one listener function serves every pair. */
const PAIR: unique symbol = Symbol('wsfault.pair');
type Paired = (Socket | ClientLink) & { [PAIR]?: SocketPair };

/**
 * The client's stream and the upstream socket of one connection, and closing in kind between
 * them: a FIN passes on as a FIN, a RST or a broken socket as a RST, unless the proxy is
 * ending the connection itself. The record says who ended it and how.
 */
export class SocketPair {
  readonly record = new CloseRecord();
  private clientStream: ClientStream;
  private upstreamSocket: Socket | null = null;
  private closeTimer: NodeJS.Timeout | null = null;
  private done = false;
  /** The client's stream has closed (told once, before or with the upstream's). */
  private clientGoneSeen = false;

  constructor(
    /** The accepted TCP socket itself. */
    readonly socket: Socket,
    private readonly host: PairHost,
  ) {
    this.clientStream = socket;
    // Listeners are functions of the class that find the pair on the stream, not closures per
    // pair: an idle WebSocket holds no function of its own (issue #13).
    (socket as Paired)[PAIR] = this;
    socket.on('error', SocketPair.socketError);
    socket.on('close', SocketPair.streamClose);
  }

  /** The accepted socket's error. Once linked, the link reports the client's RST (its stages may hold it back). */
  private static socketError(this: Paired, error: Error): void {
    const pair = this[PAIR]!;
    if (pair.clientStream === this) pair.onSocketError('client', error);
  }

  /** The decrypted stream's error (TLS terminated). */
  private static clientError(this: Paired, error: Error): void {
    this[PAIR]!.onSocketError('client', error);
  }

  private static upstreamError(this: Paired, error: Error): void {
    this[PAIR]!.onSocketError('server', error);
  }

  private static clientEnd(this: Paired): void {
    this[PAIR]!.onEnd('client');
  }

  private static upstreamEnd(this: Paired): void {
    this[PAIR]!.onEnd('server');
  }

  private static streamClose(this: Paired): void {
    this[PAIR]!.onSocketClose();
  }

  /** Errors of the socket under a link arrive as peerReset. */
  private static ignore(): void {}

  /** What the proxy reads the client from and writes it to (the socket, or a ClientLink). */
  get client(): Socket {
    return this.clientStream;
  }

  get upstream(): Socket | null {
    return this.upstreamSocket;
  }

  /** Transport stages: the client is read and written through `link` from now on. */
  useLink(link: ClientLink): void {
    this.clientStream = link as unknown as ClientStream;
    (link as Paired)[PAIR] = this;
    link.on('error', SocketPair.ignore);
    link.on('close', SocketPair.streamClose);
  }

  /** TLS was terminated: the client is read and written through the decrypted stream from now on. */
  useSecure(stream: Socket, sni: string | undefined): string | undefined {
    this.clientStream = stream;
    (stream as Paired)[PAIR] = this;
    stream.on('error', SocketPair.clientError);
    stream.on('close', SocketPair.streamClose);
    return sni;
  }

  /** The upstream is connected: its errors and close are the pair's now, and FIN flows up. */
  adopt(upstream: Socket): void {
    this.upstreamSocket = upstream;
    (upstream as Paired)[PAIR] = this;
    upstream.on('error', SocketPair.upstreamError);
    upstream.on('close', SocketPair.streamClose);
    this.client.on('end', SocketPair.clientEnd);
  }

  /** Wired only once the upstream answered: before that, its FIN means a failed handshake (502). */
  upstreamAnswered(): void {
    this.upstreamSocket!.on('end', SocketPair.upstreamEnd);
  }

  /** The client's RST, as the link lets it through. */
  clientReset(error: Error): void {
    this.onSocketError('client', error);
  }

  /** The proxy ends the connection with FIN or RST (kill, a fault, a cut path). */
  end(options: KillOptions & { how: 'fin' | 'rst' }): void {
    this.record.proxyEnds(options);
    if (options.how === 'rst') {
      this.client.resetAndDestroy();
      this.upstreamSocket?.resetAndDestroy();
      return;
    }
    this.host.beginClosing();
    this.client.end();
    this.upstreamSocket?.end();
    this.destroyLater();
  }

  /** FIN toward one side or both, as the proxy's own act (no Close frame). */
  closeSide(side: Side | 'both'): void {
    this.record.proxyEnds({ how: 'fin' });
    if (side !== 'server') this.client.end();
    if (side !== 'client') this.upstreamSocket?.end();
  }

  /** A bug, or a fault that threw: both sides are reset. */
  reset(): void {
    this.record.proxyEnds({ how: 'rst' });
    this.socket.resetAndDestroy();
    this.upstreamSocket?.resetAndDestroy();
  }

  destroy(): void {
    this.client.destroy();
    this.upstreamSocket?.destroy();
  }

  /** A peer that never finishes the closing handshake does not keep the sockets forever. */
  destroyLater(): void {
    if (this.closeTimer) return;
    this.closeTimer = setTimeout(() => this.destroy(), this.host.closeTimeoutMs);
    this.closeTimer.unref();
  }

  /** A timer of the connection's that must not outlive it (a delayed close). */
  keepTimer(timer: NodeJS.Timeout): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = timer;
  }

  private onSocketError(side: Side, error: Error & { code?: string }): void {
    this.record.end(side, 'rst');
    // Before the answer, an upstream failure is answered with 502 by the upgrade flow itself.
    if (side === 'server' && this.host.awaitingAnswer()) return;
    // A broken stream on one side cannot be passed on cleanly: reset the other side too.
    if (side === 'client') return relayRst(this.upstreamSocket);
    relayRst(this.clientStream);
    this.host.upstreamError(error);
  }

  /** FIN passes on as FIN, unless the proxy is ending the connection itself. */
  private onEnd(by: Side): void {
    this.record.end(by, 'fin');
    if (this.record.byProxy) {
      // The proxy sent this peer a Close and waits for its answer; after a FIN none can come
      // (nothing follows a FIN), so the proxy answers with its own FIN and the socket closes now
      // instead of at the close timeout (a client that broke the protocol and left, say).
      if (this.record.byCloseFrames) (by === 'client' ? this.clientStream : this.upstreamSocket)?.end();
      return;
    }
    relayFin(by === 'client' ? this.upstreamSocket : this.clientStream);
  }

  private onSocketClose(): void {
    if (this.done || !this.client.destroyed) return;
    if (!this.clientGoneSeen) {
      this.clientGoneSeen = true;
      this.host.clientGone();
    }
    if (this.upstreamSocket && !this.upstreamSocket.destroyed) return;
    this.done = true;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.host.closed();
  }
}
