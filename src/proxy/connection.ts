import type { Socket } from 'node:net';
import type { EventBus } from '../events/bus.js';
import type { ClientAddress, EventFields, EventType } from '../events/types.js';
import { encodeClose, encodeFrame } from '../protocol/frame-encode.js';
import type { FrameError } from '../protocol/frame-parser.js';
import { readClose, type ControlFrame } from '../protocol/frame-tracker.js';
import {
  HeadError,
  header,
  isWebSocketUpgrade,
  parseRequestHead,
  parseResponseHead,
  targetPath,
  tokens,
  type RequestHead,
  type ResponseHead,
} from '../protocol/http-head.js';
import type { CloseFrameOptions, Direction, HandshakeRequest, HandshakeVerdict } from '../faults/hooks.js';
import { mergeFaults, NO_FAULTS, type FaultSource, type FaultsInForce } from './fault-instances.js';
import {
  compressionStripper,
  mutableRequest,
  mutableResponse,
  requestBytes,
  responseBytes,
  runRequestHooks,
  runResponseHooks,
  stripDeflateOffer,
} from './handshake.js';
import { Opcode } from '../protocol/opcodes.js';
import { formatHostPort, type Target } from './address.js';
import { HeadTimeoutError, PeerClosedError, readHead } from './head-reader.js';
import type { Limits } from './limits.js';
import { MessageLayer } from './message-layer.js';
import { MessagePipeline } from './message-pipeline.js';
import { Pipe } from './pipe.js';
import { transportControl } from './transport-control.js';
import { TransportLayer } from './transport-layer.js';
import { unreachableBody, writeMadeUpResponse, writeResponse } from './responses.js';

export type ConnectionState = 'head' | 'http' | 'handshake' | 'websocket' | 'tunnel' | 'closing' | 'closed';
export type Side = 'client' | 'server';
export type CloseHow = 'close-frame' | 'fin' | 'rst';

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

export interface KillOptions {
  how: CloseHow;
  code?: number;
  reason?: string;
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
 * One client connection and, once dialled, its upstream socket. Reads the first request head;
 * plain HTTP goes to the HTTP forwarder, an upgrade is forwarded by this class itself so the
 * handshake layer can rewrite or answer heads, and after the 101 two Pipes carry the frames.
 * Closing passes through in kind: a Close frame as bytes, FIN as FIN, RST as RST.
 */
export class Connection {
  readonly openedAt = Date.now();
  /** Refused by a transport fault (refuse, max-connections): not counted as open. */
  admitted = true;
  state: ConnectionState = 'head';
  path = '';
  subprotocol: string | null = null;
  upstream: Socket | null = null;
  up: Pipe | null = null;
  down: Pipe | null = null;
  readonly clientAddress: ClientAddress;
  faults: FaultsInForce = NO_FAULTS;
  /** Names of the faults that acted on this connection (the handshake event). */
  readonly applied = new Set<string>();

  private firstClose: { by: Side; code: number } | null = null;
  private firstEnd: { by: Side; how: 'fin' | 'rst' } | null = null;
  killedWith: KillOptions | null = null;
  private closeTimer: NodeJS.Timeout | null = null;
  private closeThen: CloseFrameOptions['then'] | null = null;
  /** An extension (permessage-deflate) was negotiated in the 101. */
  private extensions = false;

  /** The client as the proxy reads and writes it: its socket, or a ClientLink around it. */
  client: Socket;
  private readonly transport: TransportLayer;
  private readonly messageLayer: MessageLayer;
  private readonly messageListeners = new Set<() => void>();

  constructor(
    readonly id: string,
    readonly socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.client = socket;
    this.clientAddress = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.on('error', (error) => this.onSocketError('client', error));
    socket.on('close', this.onSocketClose);
    this.transport = new TransportLayer({
      socket,
      useLink: (link) => {
        this.client = link as unknown as Socket;
        link.on('error', () => {}); // the socket's own error listener handles it
        link.on('close', this.onSocketClose);
      },
      control: (link) => transportControl(this, link),
    });
    this.messageLayer = new MessageLayer({
      openedAt: this.openedAt,
      messages: () => (this.up?.tracker?.messages ?? 0) + (this.down?.tracker?.messages ?? 0),
      onMessage: (listener) => {
        // Trackers call back per message only while someone listens (pass-through pays nothing).
        // Deferred: a fault reacting to a message must act after the pipe has handled the whole
        // chunk, so a Close lands on the next frame boundary, not inside the chunk being read.
        const notify = () =>
          queueMicrotask(() => {
            for (const l of this.messageListeners) l();
          });
        if (this.up?.tracker) this.up.tracker.onMessage = notify;
        if (this.down?.tracker) this.down.tracker.onMessage = notify;
        this.messageListeners.add(listener);
        return () => this.messageListeners.delete(listener);
      },
      control: {
        sendClose: (options) => this.sendClose(options),
        inject: (to, opcode, payload) => (to === 'client' ? this.down : this.up)?.inject(encodeFrame(opcode, payload, to === 'server')),
      },
    });
  }

  async start(): Promise<void> {
    this.emit('connection.open', { conn: this.id, client: this.clientAddress });
    this.faults = this.ctx.faults.forAccept(this.id, {
      applied: (name) => this.applied.add(name),
      update: (faults) => {
        this.faults = faults;
        this.transport.replace(faults.transport);
        if (this.state === 'websocket') {
          this.messageLayer.replace(faults.messages);
          if (faults.messages.some((f) => f.hooks.onUnit)) this.parseFrames(this.extensions);
        }
      },
    });
    const refusal = this.admit();
    if (refusal === 'closed') return;
    this.transport.install(this.faults.transport, true);
    const { limits } = this.ctx;
    let head: Buffer;
    let rest: Buffer;
    let request: RequestHead;
    try {
      ({ head, rest } = await readHead(this.client, { maxBytes: limits.maxHeadBytes, timeoutMs: limits.headTimeoutMs, request: true }));
      request = parseRequestHead(head);
    } catch (error) {
      return this.refuseRequest(error as Error);
    }
    if (refusal === 'status') {
      this.state = 'tunnel';
      return writeResponse(this.client, 503, 'wsfault: too many connections', [['Retry-After', '1']]);
    }
    const { path, query } = targetPath(request.target);
    this.path = path;
    const more = this.ctx.faults.forRequest(this.id, { path, query, headers: request.headers });
    this.faults = mergeFaults(this.faults, more);
    this.transport.install(more.transport, true);
    if (isWebSocketUpgrade(request)) return this.upgrade(request, rest);
    this.state = 'http';
    this.client.unshift(rest.length > 0 ? Buffer.concat([head, rest]) : head);
    this.ctx.forwardHttp(this.client, this);
  }

  /**
   * Forwards an upgrade request and its answer, through the handshake faults in force. Also
   * entered from the HTTP forwarder when an upgrade follows plain requests on a keep-alive socket.
   */
  async upgrade(request: RequestHead, rest: Buffer): Promise<void> {
    this.state = 'handshake';
    this.path = targetPath(request.target).path;
    const handshakeFaults = this.faults.handshake;
    const offered = tokens(request.headers, 'sec-websocket-protocol');

    let outgoing = request.raw;
    let changed: HandshakeRequest | null = null;
    const stripper = compressionStripper(this.faults.messages);
    if (handshakeFaults.length > 0 || stripper) {
      changed = mutableRequest(request);
      const verdict = await runRequestHooks(handshakeFaults, changed);
      if (this.client.destroyed) return;
      if (verdict) return this.answerHandshake(verdict, offered);
      if (stripper && stripDeflateOffer(changed)) stripper.context.applied({ compression: "the client's permessage-deflate offer was stripped (compression: keep turns this off)" });
      outgoing = requestBytes(request, changed);
    }

    const { target, limits } = this.ctx;
    let upstream: Socket;
    try {
      await this.beforeDial();
      upstream = await this.ctx.dial(target, limits.connectTimeoutMs);
    } catch (error) {
      this.upstreamError(error as Error);
      writeResponse(this.client, 502, unreachableBody(formatHostPort(target.host, target.port), error as Error));
      return this.handshakeEvent(offered, 502);
    }
    if (this.client.destroyed) {
      upstream.destroy();
      return;
    }
    this.upstream = upstream;
    upstream.on('error', (error) => this.onSocketError('server', error));
    upstream.on('close', this.onSocketClose);

    this.wireClientEnd();
    upstream.write(outgoing);
    const up = (this.up = new Pipe(this.client, upstream, 'upstream'));
    // Anything the client sends after its upgrade request is already frames (or, if the
    // upgrade is refused, whatever HTTP it sends next): follow frames until the answer says.
    up.trackFrames();
    up.push(rest);
    up.start();

    let response: ResponseHead;
    let responseRest: Buffer;
    try {
      const read = await readHead(upstream, { maxBytes: limits.maxHeadBytes, timeoutMs: limits.handshakeTimeoutMs, request: false });
      response = parseResponseHead(read.head);
      responseRest = read.rest;
    } catch (error) {
      return this.upstreamHandshakeFailed(error as Error, offered);
    }
    let status = response.status;
    let responseOut = response.raw;
    if (changed) {
      const answer = mutableResponse(response);
      await runResponseHooks(handshakeFaults, answer, changed);
      responseOut = responseBytes(response, answer);
      status = answer.status;
    }
    if (this.client.destroyed) return;
    this.client.write(responseOut);
    const down = (this.down = new Pipe(upstream, this.client, 'downstream'));
    if (response.status === 101) {
      this.state = 'websocket';
      this.subprotocol = header(response.headers, 'sec-websocket-protocol') ?? null;
      down.trackFrames();
      this.watchFrames(up, 'client');
      this.watchFrames(down, 'server');
      if (this.faults.messages.length > 0) this.startMessageFaults(this.faults.messages, header(response.headers, 'sec-websocket-extensions') !== undefined);
    } else {
      // Not a WebSocket: the rest of this connection is an opaque byte tunnel.
      this.state = 'tunnel';
      up.tracker = null;
    }
    this.wireUpstreamEnd();
    down.push(responseRest);
    down.start();
    this.handshakeEvent(offered, status);
  }

  /** Starts message faults on an open WebSocket; stream-changing ones switch both pipes to parsed mode. */
  private startMessageFaults(faults: FaultsInForce['messages'], extensions: boolean): void {
    this.extensions = extensions;
    this.messageLayer.install(faults);
    if (faults.some((f) => f.hooks.onUnit)) this.parseFrames(extensions);
  }

  private parseFrames(extensions: boolean): void {
    for (const [pipe, direction] of [
      [this.up, 'upstream'],
      [this.down, 'downstream'],
    ] as const) {
      pipe?.parseFrames(
        (inMessage) =>
          new MessagePipeline({
            direction,
            faults: () => this.messageLayer.activeUnitFaults(),
            out: pipe,
            compressed: extensions,
            inMessage,
            maxBuffer: this.ctx.limits.maxMessageBuffer,
            onError: (error) => this.protocolError(direction, error),
          }),
      );
    }
  }

  /**
   * A peer broke the protocol while frames were parsed: it gets Close 1002 (1009 for an
   * oversized frame) and the other side Close 1001; only this connection ends.
   */
  private protocolError(direction: Direction, error: FrameError): void {
    if (this.state !== 'websocket' || !this.up || !this.down) return;
    this.state = 'closing';
    this.killedWith = { how: 'close-frame', code: error.closeCode, reason: error.message };
    this.closeThen = 'wait-echo';
    const reason = `wsfault: ${error.message}`.slice(0, 123);
    const [toOffender, toOther] = direction === 'upstream' ? [this.down, this.up] : [this.up, this.down];
    const offenderIsServer = direction === 'downstream';
    toOffender.finishWith(encodeClose(error.closeCode, reason, offenderIsServer));
    toOther.abortWith(encodeClose(1001, 'peer protocol error', !offenderIsServer));
    this.emit('upstream.error', { conn: this.id, error: `${direction === 'upstream' ? 'client' : 'server'} ${error.code}: ${error.message}` });
    this.destroyLater();
  }

  /** Transport faults that act before the upstream is dialled (connect-delay). */
  async beforeDial(): Promise<void> {
    for (const fault of this.faults.transport) await fault.hooks.beforeDial?.();
  }

  /**
   * Transport faults that refuse connections (refuse, max-connections) decide at accept. RST
   * and FIN refusals act at once; a 503 waits for the request head so the client reads an
   * answer to what it sent.
   */
  private admit(): 'closed' | 'status' | null {
    for (const fault of this.faults.transport) {
      const refusal = fault.hooks.admit?.(this.ctx.openConnections(this));
      if (!refusal) continue;
      this.admitted = false;
      this.killedWith = { how: refusal.how === 'rst' ? 'rst' : 'fin' };
      if (refusal.how === 'status') return 'status';
      if (refusal.how === 'rst') this.socket.resetAndDestroy();
      else this.socket.end();
      return 'closed';
    }
    return null;
  }

  /** A handshake fault answers the upgrade itself, or closes, or never answers. */
  private answerHandshake(verdict: HandshakeVerdict, offered: string[]): void {
    this.state = 'tunnel';
    if (verdict.action === 'respond') {
      writeMadeUpResponse(this.client, verdict.status, verdict.headers, verdict.body);
      return this.handshakeEvent(offered, verdict.status);
    }
    this.handshakeEvent(offered, null);
    // What the client sends meanwhile is read and dropped: the request was "received".
    this.client.on('data', () => {});
    this.client.resume();
    const close = () => {
      if (verdict.how === 'rst') this.client.resetAndDestroy();
      else this.client.end();
    };
    if (verdict.afterMs === 0) close();
    else if (Number.isFinite(verdict.afterMs)) this.closeTimer = setTimeout(close, verdict.afterMs);
  }

  private handshakeEvent(subprotocols: string[], status: number | null): void {
    this.emit('handshake', { conn: this.id, path: this.path, subprotocols, status, faults: [...this.applied] });
  }

  /** Ends the connection the way a fault or an operator asks (SPEC §5 kill, shutdown). */
  kill(options: KillOptions): void {
    if (this.state === 'closed') return;
    if (options.how === 'close-frame' && this.state === 'websocket') {
      return this.sendClose({ to: 'both', code: options.code ?? 1001, reason: options.reason ?? '', then: 'wait-echo' });
    }
    this.killedWith ??= options;
    if (options.how === 'rst') {
      this.client.resetAndDestroy();
      this.upstream?.resetAndDestroy();
      return;
    }
    this.state = 'closing';
    this.client.end();
    this.upstream?.end();
    this.destroyLater();
  }

  /**
   * Starts a closing handshake from the proxy (close-frame fault, kill, shutdown): a Close to
   * the client (unmasked), to the server (masked), or both, each at the next frame boundary.
   * Toward one side only, the other side's answer is what closes the far side: the client's
   * answering Close reaches the server (which sees its client go away), and the server's
   * reaches the client. With wait-echo each TCP side is ended once its peer's Close arrived.
   */
  sendClose(options: CloseFrameOptions): void {
    if (this.state !== 'websocket' || !this.up || !this.down) return;
    this.state = 'closing';
    this.killedWith = { how: 'close-frame', code: options.code, reason: options.reason };
    this.closeThen = options.then;
    const after = (socket: Socket) => () => {
      if (options.then === 'fin') socket.end();
      if (options.then === 'rst') socket.resetAndDestroy();
    };
    if (options.to !== 'server') this.down.finishWith(encodeClose(options.code, options.reason, false), after(this.client));
    if (options.to !== 'client') this.up.finishWith(encodeClose(options.code, options.reason, true), after(this.upstream!));
    if (options.then !== 'nothing') this.destroyLater();
  }

  /** A peer that never finishes the closing handshake does not keep the sockets forever. */
  private destroyLater(): void {
    if (this.closeTimer) return;
    this.closeTimer = setTimeout(() => {
      this.client.destroy();
      this.upstream?.destroy();
    }, this.ctx.limits.closeTimeoutMs);
    this.closeTimer.unref();
  }

  info(): ConnectionInfo {
    return {
      id: this.id,
      client: this.clientAddress,
      path: this.path,
      subprotocol: this.subprotocol,
      ageMs: Date.now() - this.openedAt,
      state: this.state,
      bytes: this.bytes(),
      messages: { up: this.up?.tracker?.messages ?? 0, down: this.down?.tracker?.messages ?? 0 },
      faults: [...this.faults.handshake, ...this.faults.transport, ...this.faults.messages].map((f) => f.name),
    };
  }

  /** What the client sent and received, counted by its socket: live, and free on the hot path. */
  private bytes(): { up: number; down: number } {
    return { up: this.client.bytesRead, down: this.client.bytesWritten };
  }

  /** The last data frame either way (WebSockets), for idle detection; 0 before any. */
  lastDataAt(): number {
    return Math.max(this.up?.tracker?.lastDataAt ?? 0, this.down?.tracker?.lastDataAt ?? 0);
  }

  private watchFrames(pipe: Pipe, from: Side): void {
    pipe.tracker!.onControl = (frame: ControlFrame) => {
      if (frame.opcode !== Opcode.Close) return;
      this.firstClose ??= { by: from, code: readClose(frame.payload).code };
      // The proxy started this closing handshake: the peer's answering Close completes it, and
      // as the server side of the client (and the client side of the server) we end TCP now.
      if (this.killedWith && this.closeThen === 'wait-echo') (from === 'client' ? this.client : this.upstream)?.end();
    };
  }

  /** FIN passes on as FIN (a reset or broken socket as RST: see onSocketError). */
  private wireClientEnd(): void {
    this.client.on('end', () => {
      this.firstEnd ??= { by: 'client', how: 'fin' };
      if (!this.killedWith) this.upstream?.end();
    });
  }

  /** Wired only once the upstream answered: before that, its FIN means a failed handshake (502). */
  private wireUpstreamEnd(): void {
    this.upstream!.on('end', () => {
      this.firstEnd ??= { by: 'server', how: 'fin' };
      if (!this.killedWith) this.client.end();
    });
  }

  private onSocketError(side: Side, error: Error & { code?: string }): void {
    this.firstEnd ??= { by: side, how: 'rst' };
    // Before the answer, an upstream failure is answered with 502 by upgrade() itself.
    if (side === 'server' && this.state === 'handshake') return;
    // A broken stream on one side cannot be passed on cleanly: reset the other side too.
    const other = side === 'client' ? this.upstream : this.client;
    if (other && !other.destroyed) other.resetAndDestroy();
    if (side === 'server') this.upstreamError(error);
  }

  private onSocketClose = (): void => {
    if (!this.client.destroyed) return;
    if (this.upstream && !this.upstream.destroyed) return;
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.ctx.closed(this);
    this.ctx.faults.release(this.id);
    this.transport.stopAll();
    this.messageLayer.stopAll();
    if (!this.ctx.bus.active) return;
    const { by, how, code } = this.closeSummary();
    this.emit('connection.close', {
      conn: this.id,
      by,
      how,
      ...(code !== undefined ? { code } : {}),
      durationMs: Date.now() - this.openedAt,
      bytes: this.bytes(),
      messages: { up: this.up?.tracker?.messages ?? 0, down: this.down?.tracker?.messages ?? 0 },
    });
  };

  private closeSummary(): { by: Side | 'proxy'; how: CloseHow; code?: number } {
    if (this.killedWith) {
      const how = this.killedWith.how;
      return { by: 'proxy', how, ...(how === 'close-frame' ? { code: this.killedWith.code ?? 1001 } : {}) };
    }
    if (this.firstClose) return { by: this.firstClose.by, how: 'close-frame', code: this.firstClose.code };
    return this.firstEnd ?? { by: 'client', how: 'fin' };
  }

  private refuseRequest(error: Error): void {
    if (error instanceof PeerClosedError) return void this.client.destroy();
    if (error instanceof HeadTimeoutError) return writeResponse(this.client, 408, `wsfault: ${error.message}`);
    if (error instanceof HeadError) return writeResponse(this.client, error.status, `wsfault: ${error.message}`);
    this.client.destroy();
  }

  private upstreamHandshakeFailed(error: Error, offered: string[]): void {
    const { target, limits } = this.ctx;
    const hostPort = formatHostPort(target.host, target.port);
    this.upstreamError(error);
    this.up?.stop();
    this.upstream?.destroy();
    if (error instanceof HeadTimeoutError) {
      writeResponse(this.client, 504, `wsfault: upstream ${hostPort} did not answer the upgrade within ${limits.handshakeTimeoutMs} ms`);
      return this.handshakeEvent(offered, 504);
    }
    const why = error instanceof PeerClosedError ? 'closed the connection without answering' : error.message;
    writeResponse(this.client, 502, `wsfault: upstream ${hostPort} ${why.startsWith('upstream ') ? why.slice(9) : why}`);
    this.handshakeEvent(offered, 502);
  }

  private upstreamError(error: Error & { code?: string }): void {
    this.emit('upstream.error', { conn: this.id, error: error.code ?? error.message });
  }

  private emit<T extends EventType>(type: T, fields: EventFields[T]): void {
    this.ctx.bus.emit(this.ctx.proxyName, type, fields);
  }
}
