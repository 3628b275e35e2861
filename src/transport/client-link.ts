import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { DelayLine, type Stage } from './delay-line.js';

/** What is held per direction before the source is paused (SPEC §4.2, docs/faults.md). */
export const DEFAULT_HOLD_CAP = 1024 * 1024;

export interface LinkStages {
  /** Client → proxy: applied to every byte the client sends, HTTP heads included. */
  upstream: Stage[];
  /** Proxy → client. */
  downstream: Stage[];
}

/**
 * The client's socket as the rest of the proxy sees it when timing faults are active: a Duplex
 * whose reads come through the upstream DelayLine and whose writes go out through the downstream
 * one. Everything above it (head reader, HTTP server, Pipes) is unchanged, so the faults act
 * from the first byte on plain HTTP and WebSockets alike. FIN is delayed behind the data it
 * follows; backpressure passes through both queues. Without timing faults the raw socket is
 * used and this class does not exist for that connection.
 */
export class ClientLink extends Duplex {
  readonly up: DelayLine;
  readonly down: DelayLine;
  /** Directions a blackhole swallows: read and dropped, never forwarded, nothing closed. */
  readonly dropping = { upstream: false, downstream: false };
  /** Bytes that entered the link each way (before any delay). */
  readonly totals = { up: 0, down: 0 };
  /** performance.now() of the last byte either way. */
  lastByteAt = performance.now();
  private readonly byteListeners = new Set<(direction: 'upstream' | 'downstream', totals: { up: number; down: number }) => void>();
  private readonly pendingWrites: (() => void)[] = [];
  private readonly capBytes: number;

  constructor(
    readonly socket: Socket,
    stages: LinkStages,
    capBytes = DEFAULT_HOLD_CAP,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
    this.capBytes = capBytes;
    this.up = new DelayLine(stages.upstream, {
      capBytes,
      write: (chunk) => this.push(chunk),
      pauseSource: () => socket.pause(),
      resumeSource: () => socket.resume(),
    });
    this.down = new DelayLine(stages.downstream, {
      capBytes,
      write: (chunk) => socket.write(chunk),
      pauseSource: () => {},
      resumeSource: () => this.releaseWrites(),
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.dropping.upstream) return;
      this.counted('upstream', chunk.length);
      this.up.push(chunk);
    });
    socket.on('end', () => this.up.whenEmpty(() => this.push(null)));
    socket.on('drain', () => this.down.drained());
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => {
      this.up.clear();
      this.down.clear();
      if (!this.destroyed) this.destroy();
    });
    socket.resume();
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

  resetAndDestroy(): this {
    this.socket.resetAndDestroy();
    return this.destroy();
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
    if (this.dropping.downstream) return callback();
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
    this.up.clear();
    this.down.clear();
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
