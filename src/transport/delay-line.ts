/**
 * One direction's ordered queue for the transport faults' stages.
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
  /**
   * The path is cut after this piece: once it is written the connection ends with FIN both
   * ways (a stage that lets exactly N bytes through sets it on the piece that reaches N).
   */
  cutAfter?: boolean;
}

/**
 * Maps one arriving chunk (with its arrival time) to scheduled pieces, in order; returning no
 * piece drops the chunk. `holdsEnd`, when present, says whether the stage also swallows a FIN or
 * RST that arrives at `at`: a path that drops packets drops those too, so the far peer learns
 * nothing until the stage lets ends through again. A stage keeps no chunk beyond the call but
 * in the pieces it returns: a chunk may be a view of a read buffer that the queue copies only
 * if the piece is still queued once the read is handled.
 */
export type Stage = ((piece: Piece) => Piece[]) & { holdsEnd?: (at: number) => boolean };

/** How a stream ended: FIN after the data, or RST at once. */
export type StreamEnd = 'fin' | 'rst';

export interface DelayLineOptions {
  /** Writes to the sink; false when the sink's buffer is full (wait for drain). */
  write(chunk: Buffer): boolean;
  /** Bytes held before the source is paused. */
  capBytes: number;
  pauseSource(): void;
  resumeSource(): void;
  /** A piece marked `cutAfter` was written: the path is cut. */
  cut?(): void;
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
  /** An end a stage swallowed, delivered if the stages let ends through again (reconsiderEnd). */
  private heldEnd: { end: StreamEnd; deliver: () => void } | null = null;

  constructor(
    /** Mutable: a fault that arrives later adds its stage. */
    readonly stages: Stage[],
    private readonly options: DelayLineOptions,
  ) {}

  push(chunk: Buffer, now = performance.now()): void {
    let pieces: Piece[] = [{ chunk, at: now }];
    for (const stage of this.stages) pieces = runStage(stage, pieces);
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

  /**
   * The source ended (FIN) or broke (RST): `deliver` passes that on, after the queued data for a
   * FIN, at once for a RST (which discards what is queued), or never while a stage holds ends.
   */
  end(end: StreamEnd, deliver: () => void, now = performance.now()): void {
    if (this.stages.some((stage) => stage.holdsEnd?.(now))) {
      this.heldEnd = { end, deliver };
      return;
    }
    if (end === 'rst') {
      this.clear();
      return deliver();
    }
    this.whenEmpty(deliver);
  }

  /** The stages changed or a window closed: an end that no stage holds any more goes on now. */
  reconsiderEnd(now = performance.now()): void {
    const held = this.heldEnd;
    if (!held || this.stages.some((stage) => stage.holdsEnd?.(now))) return;
    this.heldEnd = null;
    this.end(held.end, held.deliver, now);
  }

  /** True while an end is swallowed. */
  get holdingEnd(): boolean {
    return this.heldEnd !== null;
  }

  /** Pieces still queued that are views of `memory` (a read buffer about to be reused) become copies. */
  keep(memory: ArrayBufferLike): void {
    const queue = this.queue;
    for (let i = this.head; i < queue.length; i++) {
      const piece = queue[i]!;
      if (piece.chunk.buffer === memory) queue[i] = { ...piece, chunk: Buffer.from(piece.chunk) };
    }
  }

  /** Drops everything queued (the connection is going away). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.head = 0;
    this.held = 0;
    this.heldEnd = null;
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
      if (piece.cutAfter) this.options.cut?.();
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

/** Runs one stage over pieces in order; a piece's `cutAfter` moves to the last piece it became. */
function runStage(stage: Stage, pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const piece of pieces) {
    const produced = stage(piece);
    if (piece.cutAfter && produced.length > 0) {
      const last = produced.length - 1;
      produced[last] = { ...produced[last]!, cutAfter: true };
    }
    for (const p of produced) out.push(p);
  }
  return out;
}
