import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { DelayLine, type Stage } from './delay-line.js';
import { LEND_READS, lendReads, soleReader, type Borrower, type Lender } from './owned-reads.js';

/** What is held per direction before the source is paused (SPEC §4.2, docs/faults.md). */
export const DEFAULT_HOLD_CAP = 1024 * 1024;

export interface LinkStages {
  /** Client → proxy: applied to every byte the client sends, HTTP heads included. */
  upstream: Stage[];
  /** Proxy → client. */
  downstream: Stage[];
}

export interface LinkEvents {
  /** The client's RST, once the upstream stages let it through (they may hold it). */
  peerReset(error: Error): void;
  /** A stage cut the path after a piece (exactly N bytes passed): end the connection. */
  cut(): void;
}

/**
 * The client's socket as the rest of the proxy sees it when timing faults are active: a Duplex
 * whose reads come through the upstream DelayLine and whose writes go out through the downstream
 * one. Everything above it (head reader, HTTP server, Pipes) is unchanged, so the faults act
 * from the first byte on plain HTTP and WebSockets alike. FIN and RST travel the same path as
 * the data: a FIN leaves after the data it follows, and a stage that swallows data (a
 * blackhole) swallows ends too. Backpressure passes through both queues. Without timing faults
 * the raw socket is used and this class does not exist for that connection.
 */
export class ClientLink extends Duplex implements Lender {
  readonly up: DelayLine;
  readonly down: DelayLine;
  /** Bytes that entered the link each way (before any delay). */
  readonly totals = { up: 0, down: 0 };
  /** performance.now() of the last byte either way. */
  lastByteAt = performance.now();
  private readonly byteListeners = new Set<(direction: 'upstream' | 'downstream', totals: { up: number; down: number }) => void>();
  private readonly pendingWrites: (() => void)[] = [];
  private readonly capBytes: number;
  /** Who reads the link (its Pipe), offered views of the socket's reads that pass at once. */
  private reader: Borrower | null = null;
  /** While a view of the socket's read buffer passes: its memory, and whether a write kept it. */
  private borrowed: ArrayBufferLike | null = null;
  private kept = false;
  /** The upstream stages cut the path: the stream has ended for the reader. */
  private upstreamCut = false;

  constructor(
    readonly socket: Socket,
    stages: LinkStages,
    private readonly events: LinkEvents,
    capBytes = DEFAULT_HOLD_CAP,
  ) {
    // Not destroyed when both of its sides have ended: its socket may still be open (a cut ends
    // the reading side early), and destroying it with bytes unread would reset the client. The
    // link goes when its socket closes.
    super({ allowHalfOpen: true, autoDestroy: false, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
    this.capBytes = capBytes;
    this.up = new DelayLine(stages.upstream, {
      capBytes,
      write: (chunk) => this.deliver(chunk),
      pauseSource: () => socket.pause(),
      resumeSource: () => socket.resume(),
      cut: () => this.cutUpstream(),
    });
    this.down = new DelayLine(stages.downstream, {
      capBytes,
      write: (chunk) => socket.write(chunk),
      pauseSource: () => {},
      resumeSource: () => this.releaseWrites(),
      cut: () => events.cut(),
    });
    socket.on('data', (chunk: Buffer) => this.fromSocket(chunk));
    socket.on('end', () => this.up.end('fin', () => this.push(null)));
    socket.on('drain', () => this.down.drained());
    // The socket is gone either way; what the rest of the proxy hears is what the stages let by.
    socket.on('error', (error) => this.up.end('rst', () => events.peerReset(error)));
    // _destroy clears the queues (keeping an end a stage holds).
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
    // Readable has a take() of its own (an iterator helper): the Borrower is a small object.
    lendReads(socket, { take: (view) => this.takeView(view), deliver: (chunk) => this.fromSocket(chunk) });
    socket.resume();
  }

  /**
   * The upstream stages let their last byte through: the client's stream ends there for the rest
   * of the proxy (nothing after the cut is delivered), and the connection is cut once its reader
   * has taken every byte before the cut. Cutting at once lost them whenever they were not yet
   * written to the upstream: while it was being dialled, or behind a full socket.
   */
  private cutUpstream(): void {
    if (this.upstreamCut) return;
    this.upstreamCut = true;
    // First, so the connection ends as the proxy's act before it hears the stream's end.
    this.prependOnceListener('end', () => this.events.cut());
    this.push(null);
  }

  [LEND_READS](reader: Borrower): void {
    this.reader = reader;
  }

  /**
   * Owned reads' fast path (src/transport/owned-reads.ts): a view of the socket's private read
   * buffer. What the stages let through now goes to the reader as a view (or a copy pushed as
   * usual); what they hold back is copied before this returns. True if a write kept the view.
   */
  private takeView(view: Buffer): boolean | null {
    if (this.destroyed) return null;
    this.counted('upstream', view.length);
    this.borrowed = view.buffer;
    this.kept = false;
    try {
      this.up.push(view);
    } finally {
      this.borrowed = null;
      this.up.keep(view.buffer);
    }
    return this.kept;
  }

  /** A read of the socket's own (its 'data', or a small read handed over by owned reads). */
  private fromSocket(chunk: Buffer): void {
    this.counted('upstream', chunk.length);
    this.up.push(chunk);
  }

  /**
   * The upstream stages let `chunk` through: to the reader (a view if it takes one; a chunk of
   * its own straight to its deliver, as owned reads hand a socket's small reads), else pushed.
   */
  private deliver(chunk: Buffer): boolean {
    if (this.upstreamCut) return true;
    // The reader may have it only as the link's own read path would hand it: nothing before it.
    const reader = this.reader;
    const direct = reader !== null && soleReader(this);
    if (this.borrowed === null || chunk.buffer !== this.borrowed) {
      if (!direct || !reader.deliver) return this.push(chunk);
      reader.deliver(chunk);
      return true;
    }
    if (direct) {
      const kept = reader.take(chunk);
      if (kept !== null) {
        this.kept ||= kept;
        return true;
      }
    }
    return this.push(Buffer.from(chunk));
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get bytesRead(): number {
    return this.socket.bytesRead;
  }

  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }

  /** Bytes held in both directions right now. */
  get held(): number {
    return this.up.held + this.down.held;
  }

  /** The proxy's own RST (kill, reset fault): no stage holds it. */
  resetAndDestroy(): this {
    this.socket.resetAndDestroy();
    return this.destroy();
  }

  /** Passes the server's FIN on to the client, unless a stage swallows it. */
  relayEnd(): void {
    this.down.end('fin', () => this.end());
  }

  /** Passes the server's RST on to the client, unless a stage swallows it. */
  relayReset(): void {
    this.down.end('rst', () => this.resetAndDestroy());
  }

  /** Stages changed or a fault's window closed: ends no stage holds any more go on now. */
  reconsiderEnds(): void {
    this.up.reconsiderEnd();
    this.down.reconsiderEnd();
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  setTimeout(): this {
    return this;
  }

  override _read(): void {
    // The reader wants more: let the queue carry on (it pauses and resumes the socket itself).
    this.up.drained();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.counted('downstream', chunk.length);
    this.down.push(chunk);
    // Over the cap, the writer waits: that is the backpressure a full socket would give.
    if (this.down.held > this.capBytes) this.pendingWrites.push(() => callback());
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.down.whenEmpty(() => {
      this.socket.end();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.down.clear();
    if (!this.up.holdingEnd) this.up.clear();
    if (!this.socket.destroyed) this.socket.destroy();
    callback(error);
  }

  onBytes(listener: (direction: 'upstream' | 'downstream', totals: { up: number; down: number }) => void): () => void {
    this.byteListeners.add(listener);
    return () => this.byteListeners.delete(listener);
  }

  private counted(direction: 'upstream' | 'downstream', length: number): void {
    this.totals[direction === 'upstream' ? 'up' : 'down'] += length;
    this.lastByteAt = performance.now();
    for (const listener of this.byteListeners) listener(direction, this.totals);
  }

  private releaseWrites(): void {
    for (const release of this.pendingWrites.splice(0)) release();
  }
}
