import type { Socket } from 'node:net';
import type { CloseFrameOptions, Direction, MessageControl } from '../faults/hooks.js';
import { encodeClose, encodeFrame } from '../protocol/frame-encode.js';
import type { FrameError } from '../protocol/frame-parser.js';
import { readClose, type ControlFrame, type FrameTracker, type FrameWatcher } from '../protocol/frame-tracker.js';
import { Opcode } from '../protocol/opcodes.js';
import type { CloseRecord } from './close-record.js';
import type { FaultInstance } from './fault-instances.js';
import { MessageLayer, type MessageHost } from './message-layer.js';
import { MessagePipeline } from './message-pipeline.js';
import type { FrameOutput, ParsedMode, ParsedModeMaker, Pipe } from './pipe.js';
import type { Side } from './sides.js';

/** What a WebSocket session needs from its connection. */
export interface SessionHost {
  /** performance.now() when the connection was accepted. */
  readonly acceptedAt: number;
  readonly client: Socket;
  /** Connected before the session exists. */
  readonly upstream: Socket | null;
  readonly record: CloseRecord;
  /** The most a message fault may collect of one message (limits.maxMessageBuffer). */
  readonly maxMessageBuffer: number;
  /** Moves the connection to `closing`; false when it is already ending. */
  beginClosing(): boolean;
  /** Destroys both sockets after the close timeout, whatever the peers do. */
  destroyLater(): void;
  protocolError(direction: Direction, error: FrameError): void;
  /** The client's first data message (told only when the session was asked to watch for it). */
  firstClientMessage(): void;
}

/**
 * An open WebSocket (after the 101): the two pipes with their frame trackers, the message
 * faults, and the closing handshakes the proxy starts itself. Frames pass through untouched
 * unless a message fault changes the stream; then both pipes switch to parsed mode at the next
 * frame boundary. The message layer is made at the first message fault: an idle pass-through
 * WebSocket holds none (issue #13), and it watches both trackers itself rather than through
 * closures.
 */
export class WebSocketSession implements FrameWatcher, ParsedModeMaker, MessageHost, MessageControl {
  private messageLayer: MessageLayer | null = null;
  private messageListeners: Set<() => void> | null = null;
  /** After a Close the proxy sent itself: what each side gets once its answer came. */
  private closeThen: CloseFrameOptions['then'] | null = null;
  /** The message faults' callback on the client's tracker, chained after the first-message watch. */
  private upNotify: (() => void) | undefined;
  private firstPending = false;

  constructor(
    private readonly host: SessionHost,
    readonly up: Pipe,
    readonly down: Pipe,
    /** An extension (permessage-deflate) was negotiated in the 101. */
    private readonly extensions: boolean,
    /** Tell the host at the client's first data message (only when a connection observer wants it). */
    watchFirstMessage: boolean,
  ) {
    down.trackFrames();
    up.tracker!.watcher = this;
    down.tracker!.watcher = this;
    if (watchFirstMessage) {
      this.firstPending = true;
      up.tracker!.onMessage = WebSocketSession.firstMessage;
    }
  }

  get messages(): { up: number; down: number } {
    return { up: this.up.tracker?.messages ?? 0, down: this.down.tracker?.messages ?? 0 };
  }

  /** performance.now() of the last data frame either way; 0 before any. */
  lastDataAt(): number {
    return Math.max(this.up.tracker?.lastDataAt ?? 0, this.down.tracker?.lastDataAt ?? 0);
  }

  /** Starts message faults (or replaces the running set); stream-changing ones switch both pipes to parsed mode. */
  useFaults(faults: FaultInstance<'messages'>[], replace: boolean): void {
    if (faults.length === 0 && !this.messageLayer) return;
    const layer = this.layer();
    if (replace) layer.replace(faults);
    else if (faults.length > 0) layer.install(faults);
    if (faults.some((f) => f.hooks.onUnit || f.hooks.decide)) this.parseFrames();
  }

  stop(): void {
    this.messageLayer?.stopAll();
  }

  /** The session is its message layer's host and control itself: no objects or closures per connection for them. */
  private layer(): MessageLayer {
    return (this.messageLayer ??= new MessageLayer(this));
  }

  /** MessageHost: when the connection was accepted (performance.now()). */
  get openedAt(): number {
    return this.host.acceptedAt;
  }

  /** MessageHost: data messages so far, both ways. */
  messageCount(): number {
    return (this.up.tracker?.messages ?? 0) + (this.down.tracker?.messages ?? 0);
  }

  /** MessageHost: the message faults' control is the session. */
  get control(): MessageControl {
    return this;
  }

  /** MessageControl: a message nobody wrote, at the next frame boundary (masked toward the server). */
  inject(to: 'client' | 'server', opcode: number, payload: Buffer): void {
    (to === 'client' ? this.down : this.up).inject(encodeFrame(opcode, payload, to === 'server'));
  }

  /**
   * Starts a closing handshake from the proxy (a fault, kill, shutdown): a Close to the client
   * (unmasked), to the server (masked), or both, each at the next frame boundary. Toward one
   * side only, the other side's answer is what closes the far side. With wait-echo each TCP
   * side is ended once its peer's Close arrived.
   */
  sendClose(options: CloseFrameOptions): void {
    if (!this.host.beginClosing()) return;
    this.host.record.proxyEnds({ how: 'close-frame', code: options.code, reason: options.reason });
    this.closeThen = options.then;
    const after = (socket: Socket) => () => {
      if (options.then === 'fin') socket.end();
      if (options.then === 'rst') socket.resetAndDestroy();
    };
    if (options.to !== 'server') this.down.finishWith(encodeClose(options.code, options.reason, false), after(this.host.client));
    if (options.to !== 'client') this.up.finishWith(encodeClose(options.code, options.reason, true), after(this.host.upstream!));
    if (options.then !== 'nothing') this.host.destroyLater();
  }

  /**
   * A peer broke the protocol while frames were parsed: it gets Close 1002 (1009 for an
   * oversized frame) and the other side Close 1001; only this connection ends.
   */
  abortForViolation(direction: Direction, error: FrameError): boolean {
    if (!this.host.beginClosing()) return false;
    this.host.record.proxyEnds({ how: 'close-frame', code: error.closeCode, reason: error.message });
    this.closeThen = 'wait-echo';
    const reason = `wsfault: ${error.message}`.slice(0, 123);
    const [toOffender, toOther] = direction === 'upstream' ? [this.down, this.up] : [this.up, this.down];
    const offenderIsServer = direction === 'downstream';
    toOffender.finishWith(encodeClose(error.closeCode, reason, offenderIsServer));
    toOther.abortWith(encodeClose(1001, 'peer protocol error', !offenderIsServer));
    this.host.destroyLater();
    return true;
  }

  private parseFrames(): void {
    // The session makes each pipe's MessagePipeline at that pipe's first chunk (parsedMode):
    // a switch with apply=all does this for every open connection, most of them idle.
    this.up.parseFrames(this);
    this.down.parseFrames(this);
  }

  /** ParsedModeMaker: a pipe's message pipeline, at its first chunk in parsed mode. */
  parsedMode(pipe: FrameOutput, inMessage: boolean): ParsedMode {
    const direction: Direction = pipe === this.up ? 'upstream' : 'downstream';
    const layer = this.messageLayer!;
    return new MessagePipeline({
      direction,
      faults: () => layer.activeUnitFaults(),
      out: pipe,
      compressed: this.extensions,
      inMessage,
      maxBuffer: this.host.maxMessageBuffer,
      onError: (error) => this.host.protocolError(direction, error),
    });
  }

  /** MessageHost: trackers call back per message only while someone listens (pass-through pays nothing). */
  onMessage(listener: () => void): () => void {
    // Deferred: a fault reacting to a message must act after the pipe has handled the whole
    // chunk, so a Close lands on the next frame boundary, not inside the chunk being read.
    const listeners = (this.messageListeners ??= new Set());
    const notify = () =>
      queueMicrotask(() => {
        for (const l of listeners) l();
      });
    this.upNotify = notify;
    if (this.up.tracker && !this.firstPending) this.up.tracker.onMessage = notify;
    if (this.down.tracker) this.down.tracker.onMessage = notify;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** One call at the first client message, then the tracker goes back to what message faults set (or nothing). */
  private static firstMessage(this: FrameTracker): void {
    const session = this.watcher as WebSocketSession;
    session.firstPending = false;
    this.onMessage = session.upNotify;
    session.host.firstClientMessage();
    session.upNotify?.();
  }

  /** FrameWatcher: a control frame from either peer; a Close is recorded (and may end the proxy's own closing handshake). */
  controlFrame(tracker: FrameTracker, frame: ControlFrame): void {
    if (frame.opcode !== Opcode.Close) return;
    const from: Side = tracker === this.up.tracker ? 'client' : 'server';
    this.host.record.closeFrame(from, readClose(frame.payload).code);
    // The proxy started this closing handshake: the peer's answering Close completes it, and
    // as the server side of the client (and the client side of the server) we end TCP now.
    if (this.host.record.byProxy && this.closeThen === 'wait-echo') (from === 'client' ? this.host.client : this.host.upstream!).end();
  }
}
