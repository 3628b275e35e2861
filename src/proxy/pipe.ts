import type { Socket } from 'node:net';
import type { Direction } from '../faults/hooks.js';
import { FrameTracker } from '../protocol/frame-tracker.js';
import { isControl } from '../protocol/opcodes.js';
import { lendReads, ownsReads, type Borrower } from '../transport/owned-reads.js';
import type { FrameOutput, ParsedMode, ParsedModeMaker } from './parsed-mode.js';

export type { FrameOutput, ParsedMode, ParsedModeMaker } from './parsed-mode.js';

/**
 * How much may wait in the sink's buffer before the source is paused. A socket's own high-water
 * mark (16 KiB) is below one 64 KiB message, so pausing at it would stop reading after every
 * large write and cost a round of drain/resume each time; this keeps memory bounded per
 * direction while letting a burst through.
 */
const PAUSE_AT = 256 * 1024;
/** A view written behind a queue holds its whole read buffer: at least 1/4 of it must be the view's. */
const LEND_MIN_RATIO = 4;

/** The pipe that reads a stream, and the one that writes to it, kept on the stream itself. */
const READER: unique symbol = Symbol('wsfault.pipe.reader');
const WRITER: unique symbol = Symbol('wsfault.pipe.writer');
type Piped = Socket & { [READER]?: Pipe; [WRITER]?: Pipe };

/**
 * One direction of a connection: bytes from `source` written to `sink` as they arrive, with
 * backpressure (a sink that cannot keep up pauses the source). On a WebSocket a FrameTracker
 * follows the frame structure without holding data; it reads headers only.
 *
 * A pipe can be told to finish with a frame of the proxy's own (a Close): it forwards up to the
 * end of the frame in progress, writes that frame, and from then on reads but forwards nothing,
 * because nothing may follow a Close frame (RFC 6455 §5.5.1).
 *
 * In parsed mode a message may stream through part by part, so the output has boundaries of its
 * own: whole frames written meanwhile (a delayed message, an injected one) wait for the end of
 * the streaming message, control frames and a final Close only for the end of its frame.
 */
export class Pipe implements FrameOutput, Borrower {
  private frameTracker: FrameTracker | null = null;
  /** Set once the pipe forwards nothing more. */
  private stopped = false;
  private finalFrame: Buffer | null = null;
  /** Parsed mode: who makes it (once engaged), whether it engaged inside a message, what it made. */
  private parsing: ParsedModeMaker | null = null;
  private parsingInMessage = false;
  private parsed: ParsedMode | null = null;
  private pendingParsed: ParsedModeMaker | null = null;
  /** Frames to inject at the next boundary; made at the first one that has to wait. */
  private injections: Buffer[] | null = null;
  private afterFinal: (() => void) | null = null;
  /** Parsed mode's output: inside a streaming frame, inside a streaming message, and what waits. */
  private outFrameOpen = false;
  private outMessageOpen = false;
  /** What waits for the output's boundary; made at the first write that has to wait. */
  private waiting: { bytes: Buffer; control: boolean }[] | null = null;
  /**
   * While a read is parsed: the output written so far and not yet handed to the sink, so that
   * pieces lying side by side in the read (the end of one message, the next one's header and
   * payload) go out as one view and one write.
   */
  private gathering = false;
  private gathered: Buffer | null = null;

  constructor(
    readonly source: Socket,
    readonly sink: Socket,
    readonly direction: Direction,
  ) {
    // One listener function for every pipe, finding its pipe on the stream, rather than two
    // closures per pipe: 10 000 idle WebSockets hold 40 000 fewer functions (issue #13).
    (source as Piped)[READER] = this;
    (sink as Piped)[WRITER] = this;
    source.on('data', Pipe.sourceData);
    sink.on('drain', Pipe.sinkDrain);
    lendReads(source, this);
  }

  /**
   * Owned reads' fast path (src/transport/owned-reads.ts): a view of the source's private read
   * buffer, forwarded without a copy while the pipe only forwards (or parses) and the sink is a
   * plain socket, so nothing but the write can keep the view. Returns whether it kept it: true
   * whenever something waits in the sink, the view or not. A sink with bytes already queued
   * still takes the view: the read buffer is then lent (one fresh buffer for the next read),
   * where a copy would also cost the buffer back and BULK_RUN copied reads to get it again.
   */
  take(view: Buffer): boolean | null {
    if (this.stopped || this.pendingParsed || this.injections?.length || this.finalFrame) return null;
    const sink = this.sink;
    // Owned reads offer views only while the source has one 'data' listener: this pipe's.
    if (!ownsReads(sink) || !sink.writable || sink.destroyed) return null;
    // Behind a queue the view would be lent, and a lent 64 KiB buffer stays with the sink while
    // any view of it waits there: a small read is copied instead (the buffer stays the
    // socket's), so queued views pin at most LEND_MIN_RATIO× their own bytes.
    const asView = sink.writableLength === 0 || view.length * LEND_MIN_RATIO >= view.buffer.byteLength;
    const bytes = asView ? view : Buffer.from(view);
    // Cut-through in parsed mode: what passes is written as views of the read; the pipeline copies what it holds.
    if (this.parsing) this.parse(bytes, asView);
    else {
      this.frameTracker?.feed(bytes);
      this.forward(bytes);
    }
    return asView && sink.writableLength > 0;
  }

  private static sourceData(this: Piped, chunk: Buffer): void {
    this[READER]!.deliver(chunk);
  }

  private static sinkDrain(this: Piped): void {
    this[WRITER]!.onDrain();
  }

  /** The frame tracker, once frames are followed (counts, Close codes, idle detection). */
  get tracker(): FrameTracker | null {
    return this.frameTracker;
  }

  /** Not a WebSocket after all (no 101): the bytes are an opaque tunnel from now on. */
  untrack(): void {
    this.frameTracker = null;
  }

  /** Follows frames from now on (after the 101). */
  trackFrames(): FrameTracker {
    this.frameTracker ??= new FrameTracker();
    return this.frameTracker;
  }

  /** Forwards bytes that were read before the pipe existed (after a head). */
  push(chunk: Buffer): void {
    if (chunk.length > 0) this.deliver(chunk);
  }

  start(): void {
    this.source.resume();
  }

  /** Writes `frame` at the next frame boundary, then forwards nothing more; `then` runs once it is written. */
  finishWith(frame: Buffer, then?: () => void): void {
    if (this.stopped || this.finalFrame) return;
    this.finalFrame = frame;
    this.afterFinal = then ?? null;
    // In parsed mode the output's own frame boundary counts (writeStream writes it there).
    if (this.parsing ? !this.outFrameOpen : !this.frameTracker || this.frameTracker.atBoundary) this.writeFinalFrame();
  }

  /** Writes a frame of the proxy's own at the next frame boundary and carries on forwarding. */
  inject(frame: Buffer): void {
    if (this.stopped || this.finalFrame) return;
    if (this.parsing) this.writeFrames(frame, isControl(frame[0]! & 0x0f));
    else if (!this.frameTracker || this.frameTracker.atBoundary) this.forwardRaw(frame);
    else (this.injections ??= []).push(frame);
  }

  /**
   * Switches to parsed mode at the next frame boundary (message faults that change the stream).
   * `make` is told whether the boundary falls between the fragments of a message.
   */
  parseFrames(make: ParsedModeMaker): void {
    if (this.parsing || this.stopped) return;
    if (!this.frameTracker || this.frameTracker.atBoundary) this.engage(make);
    else this.pendingParsed = make;
  }

  writeFrames(bytes: Buffer, control = false): void {
    if (this.stopped || this.finalFrame) return;
    const now = !this.outFrameOpen && (control || (!this.outMessageOpen && !this.waiting?.length));
    if (now) this.forwardRaw(bytes);
    else (this.waiting ??= []).push({ bytes, control });
  }

  writeStream(bytes: Buffer, frameEnd: boolean, messageEnd: boolean): void {
    if (this.stopped) return;
    this.forwardRaw(bytes);
    this.outFrameOpen = !frameEnd;
    this.outMessageOpen = !messageEnd;
    if (!frameEnd) return;
    if (this.finalFrame) return this.writeFinalFrame();
    // What waited for this boundary, in order: control frames now, messages once the message ended.
    const waiting = this.waiting;
    while (waiting && waiting.length > 0 && (waiting[0]!.control || !this.outMessageOpen)) this.forwardRaw(waiting.shift()!.bytes);
  }

  private engage(make: ParsedModeMaker): void {
    const inMessage = this.frameTracker?.inMessage ?? false;
    // Between the fragments of a message forwarded as it was: the output is inside it too.
    this.outMessageOpen = inMessage;
    this.parsingInMessage = inMessage;
    this.parsing = make;
  }

  /** The peer broke the protocol: write `frame` (a Close) at once, since input stops at a boundary. */
  abortWith(frame: Buffer): void {
    if (this.stopped) return;
    this.flushGathered();
    this.stopped = true;
    if (!this.sink.destroyed && this.sink.writable) this.sink.write(frame);
  }

  /** Stops forwarding at once (the bytes are still read, so the tracker keeps seeing frames). */
  stop(): void {
    this.stopped = true;
  }

  /** Bytes read from the source: its 'data' event, or a small read owned reads hand over directly (a copy of its own). */
  deliver(chunk: Buffer): void {
    if (this.stopped) {
      this.frameTracker?.feed(chunk);
      return;
    }
    if (this.parsing) return this.parse(chunk);
    if (this.pendingParsed || this.injections?.length) {
      // Forward up to the end of the frame in progress; there the parser (or injection) starts.
      const upToBoundary = this.frameTracker!.feed(chunk, true);
      this.forward(chunk.subarray(0, upToBoundary));
      if (!this.frameTracker!.atBoundary) return;
      if (this.injections) for (const frame of this.injections.splice(0)) this.forwardRaw(frame);
      if (this.pendingParsed) {
        this.engage(this.pendingParsed);
        this.pendingParsed = null;
        return this.parse(chunk.subarray(upToBoundary));
      }
      return this.deliver(chunk.subarray(upToBoundary));
    }
    if (this.finalFrame) {
      // Forward the rest of the frame in progress, then the final frame; drop what follows.
      const upToBoundary = this.frameTracker!.feed(chunk, true);
      this.forward(upToBoundary === chunk.length ? chunk : chunk.subarray(0, upToBoundary));
      if (this.frameTracker!.atBoundary) {
        this.writeFinalFrame();
        if (upToBoundary < chunk.length) this.frameTracker!.feed(chunk, false, upToBoundary);
      }
      return;
    }
    this.frameTracker?.feed(chunk);
    this.forward(chunk);
  }

  private parse(chunk: Buffer, transient = false): void {
    // The tracker still follows the input: message counts, Close codes, idle detection.
    this.frameTracker?.feed(chunk);
    this.gathering = true;
    try {
      (this.parsed ??= this.parsing!.parsedMode(this, this.parsingInMessage)).push(chunk, transient);
    } finally {
      this.gathering = false;
      this.flushGathered();
    }
  }

  private forward(chunk: Buffer): void {
    // The proxy ended the sink (a cut, a kill) and reads on: a write would error and reset the peer.
    if (chunk.length === 0 || !this.sink.writable) return;
    if (!this.sink.write(chunk) && this.sink.writableLength >= PAUSE_AT) this.source.pause();
  }

  /** Parsed mode writes here: it pauses the source at the same mark as forwarding does (PAUSE_AT). */
  private writeOut(bytes: Buffer): void {
    if (!this.sink.destroyed && this.sink.writable && !this.sink.write(bytes) && this.sink.writableLength >= PAUSE_AT) this.source.pause();
  }

  private forwardRaw(bytes: Buffer): void {
    if (this.gathering) {
      const before = this.gathered;
      if (before === null) return void (this.gathered = bytes);
      if (before.buffer === bytes.buffer && before.byteOffset + before.length === bytes.byteOffset) {
        this.gathered = Buffer.from(bytes.buffer, before.byteOffset, before.length + bytes.length);
        return;
      }
      this.flushGathered();
      this.gathered = bytes;
      return;
    }
    this.writeOut(bytes);
  }

  private flushGathered(): void {
    const bytes = this.gathered;
    if (bytes === null) return;
    this.gathered = null;
    this.writeOut(bytes);
  }

  private writeFinalFrame(): void {
    const frame = this.finalFrame!;
    this.flushGathered();
    this.stopped = true;
    this.waiting = null;
    if (!this.sink.destroyed && this.sink.writable) this.sink.write(frame);
    // Keep reading: the peer's answering Close must be seen, and a paused source would stall it.
    this.source.resume();
    this.afterFinal?.();
    this.afterFinal = null;
  }

  private onDrain(): void {
    if (!this.stopped) this.source.resume();
  }
}
