/**
 * One direction's ordered queue for timing faults (latency, bandwidth, packet-loss, slice).
 *
 * Each chunk is stamped when it arrives and broken into pieces with a release time by the
 * direction's stages; pieces leave strictly in order, each no earlier than its time, so a burst
 * is delayed once (not cumulatively) and order is kept. What the queue holds is capped: above the
 * cap the source is paused, below it resumed, and a sink that cannot keep up stops the queue,
 * so backpressure reaches the sender end to end.
 */

export interface Piece {
  chunk: Buffer;
  /** performance.now() time at which the piece may be written. */
  at: number;
}

/** Maps one arriving chunk (with its arrival time) to scheduled pieces, in order. */
export type Stage = (piece: Piece) => Piece[];

export interface DelayLineOptions {
  /** Writes to the sink; false when the sink's buffer is full (wait for drain). */
  write(chunk: Buffer): boolean;
  /** Bytes held before the source is paused. */
  capBytes: number;
  pauseSource(): void;
  resumeSource(): void;
}

export class DelayLine {
  /** Bytes queued and not yet written. */
  held = 0;
  /** The most this direction has held at once (reported in tests and metrics). */
  peakHeld = 0;
  private readonly queue: Piece[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private sinkFull = false;
  private sourcePaused = false;
  private onEmpty: (() => void) | null = null;

  constructor(
    /** Mutable: a fault that arrives later adds its stage. */
    readonly stages: Stage[],
    private readonly options: DelayLineOptions,
  ) {}

  push(chunk: Buffer, now = performance.now()): void {
    let pieces: Piece[] = [{ chunk, at: now }];
    for (const stage of this.stages) pieces = pieces.flatMap(stage);
    for (const piece of pieces) {
      this.queue.push(piece);
      this.held += piece.chunk.length;
    }
    if (this.held > this.peakHeld) this.peakHeld = this.held;
    if (this.held > this.options.capBytes && !this.sourcePaused) {
      this.sourcePaused = true;
      this.options.pauseSource();
    }
    // Pieces are scheduled in order, so a pending timer for the head covers the new ones too.
    if (!this.timer) this.pump();
  }

  /** The sink drained: carry on writing. */
  drained(): void {
    this.sinkFull = false;
    if (!this.timer) this.pump();
  }

  /** Calls `done` once everything queued has been written (a FIN goes after the data). */
  whenEmpty(done: () => void): void {
    if (this.head === this.queue.length) return done();
    this.onEmpty = done;
  }

  /** Drops everything queued (the connection is going away). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.head = 0;
    this.held = 0;
  }

  private pump = (): void => {
    this.timer = null;
    const now = performance.now();
    while (this.head < this.queue.length && !this.sinkFull) {
      const piece = this.queue[this.head]!;
      if (piece.at > now + 0.5) {
        this.timer = setTimeout(this.pump, piece.at - now);
        return;
      }
      this.queue[this.head++] = undefined as unknown as Piece;
      this.held -= piece.chunk.length;
      if (!this.options.write(piece.chunk)) this.sinkFull = true;
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      const done = this.onEmpty;
      this.onEmpty = null;
      done?.();
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.sourcePaused && this.held <= this.options.capBytes / 2) {
      this.sourcePaused = false;
      this.options.resumeSource();
    }
  };
}
