import { FrameError, makeFrame, type Frame, type FrameHeader, type FrameSink } from './frames.js';
import type { FrameViolationCode } from './frame-violations.js';
import { isControl, Opcode } from './opcodes.js';

export { FrameError, ownedFrame, type Frame, type FrameHeader, type FrameSink } from './frames.js';

export interface FrameParserOptions {
  /** Client→server frames must be masked, server→client frames must not (RFC 6455 §5.1). */
  expectMasked: boolean;
  /** RSV bits an extension negotiated (permessage-deflate: 0x40); others are an error. */
  allowedRsv?: number;
  /** Largest payload accepted (1009 beyond). */
  maxPayload?: number;
  /** The parser starts between the fragments of a message (engaged mid-stream). */
  inMessage?: boolean;
}

const KNOWN = new Set<number>([Opcode.Continuation, Opcode.Text, Opcode.Binary, Opcode.Close, Opcode.Ping, Opcode.Pong]);

/** The frame being delivered: held until whole, streamed, or passing; `offset` counts what went (passing: with the header). */
interface Current {
  header: FrameHeader;
  headerLength: number;
  stream: boolean;
  pass: boolean;
  offset: number;
}

/**
 * A streaming RFC 6455 frame parser for one direction. Chunks are kept as a list and frames are
 * sliced out of them: a frame that lies in one chunk is a view of it, not a copy. It checks what
 * a proxy must not pass on silently (unknown opcodes, unexpected RSV bits, long or fragmented
 * control frames, continuation out of place, masking on the wrong side, oversized payloads) and
 * stops at the first violation. With `feed`, a frame's payload can be handed on as it arrives,
 * so a message of any size passes while the parser holds at most one chunk.
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  /** Where the unread bytes of chunks[0] start: reading moves this, not a new view per frame. */
  private at = 0;
  private buffered = 0;
  /** Passing bytes not yet handed to the sink: chunk[runStart, runEnd), and where they end. */
  private run: Buffer | null = null;
  private runStart = 0;
  private runEnd = 0;
  private runFrameEnd = false;
  private runMessageEnd = false;
  private inMessage = false;
  private failed = false;
  private current: Current | null = null;

  constructor(private readonly options: FrameParserOptions) {
    this.inMessage = options.inMessage ?? false;
  }

  /** Feeds bytes; returns the complete frames, or throws a FrameError (then the parser is done). */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    try {
      this.feed(chunk, { header: () => 'whole', frame: (f) => frames.push(f), begin() {}, payload() {}, end() {} });
    } catch (error) {
      // The frames completed before the violation are valid: the caller forwards them.
      if (error instanceof FrameError) error.frames = frames;
      throw error;
    }
    return frames;
  }

  /**
   * Feeds bytes, delivering to `sink` as far as they go; throws a FrameError at a violation.
   * `transient`: the chunk's memory is reused once this call returns (a view of a read buffer),
   * so what the parser holds of it beyond the call (a header or frame not yet whole) is copied.
   */
  feed(chunk: Buffer, sink: FrameSink, transient = false): void {
    if (this.failed) return;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    try {
      this.deliver(sink);
    } finally {
      // Before a violation propagates too: the valid frames before it are forwarded.
      this.flushRun(sink);
    }
    if (!transient) return;
    const chunks = this.chunks;
    for (let i = 0; i < chunks.length; i++) {
      if (chunks[i]!.buffer !== chunk.buffer) continue;
      chunks[i] = Buffer.from(i === 0 ? chunks[0]!.subarray(this.at) : chunks[i]!);
      if (i === 0) this.at = 0;
    }
  }

  private deliver(sink: FrameSink): void {
    for (;;) {
      const current = this.current ?? this.nextHeader(sink);
      if (!current) return;
      const { header, headerLength } = current;
      if (current.pass) {
        const total = headerLength + header.length;
        while (current.offset < total) {
          if (this.buffered === 0) return;
          current.offset += this.passOn(sink, total - current.offset);
        }
        this.current = null;
        this.runFrameEnd = true;
        this.runMessageEnd = header.fin && !isControl(header.opcode);
        sink.end();
        continue;
      }
      this.flushRun(sink);
      if (!current.stream) {
        if (this.buffered < headerLength + header.length) return;
        this.current = null;
        sink.frame(makeFrame(this.take(headerLength + header.length), header, headerLength));
        continue;
      }
      const remaining = header.length - current.offset;
      if (remaining > 0) {
        if (this.buffered === 0) return;
        // One chunk at a time, so every piece is a view.
        const piece = this.take(Math.min(remaining, this.chunks[0]!.length - this.at));
        sink.payload(piece, current.offset);
        current.offset += piece.length;
        if (current.offset < header.length) continue;
      }
      this.current = null;
      sink.end();
    }
  }

  /** Up to `n` bytes of chunks[0] join the passing run (a new run where they do not adjoin it); returns how many. */
  private passOn(sink: FrameSink, n: number): number {
    const chunk = this.chunks[0]!;
    const take = Math.min(n, chunk.length - this.at);
    if (this.run !== chunk || this.runEnd !== this.at) {
      this.flushRun(sink);
      this.run = chunk;
      this.runStart = this.at;
    }
    this.runEnd = this.at + take;
    this.runFrameEnd = false;
    this.runMessageEnd = false;
    this.buffered -= take;
    this.at += take;
    if (this.at === chunk.length) {
      this.chunks.shift();
      this.at = 0;
    }
    return take;
  }

  private flushRun(sink: FrameSink): void {
    const run = this.run;
    if (run === null) return;
    this.run = null;
    sink.pass!(this.runStart === 0 && this.runEnd === run.length ? run : run.subarray(this.runStart, this.runEnd), this.runFrameEnd, this.runMessageEnd);
  }

  /** True when no partial frame is held (a frame written now would not split one). */
  get atBoundary(): boolean {
    return this.buffered === 0 && this.current === null;
  }

  /** Reads and checks the next header and asks the sink how to deliver the frame. */
  private nextHeader(sink: FrameSink): Current | null {
    if (this.buffered < 2) return null;
    const b0 = this.peek(0);
    const b1 = this.peek(1);
    const len7 = b1 & 0x7f;
    const masked = (b1 & 0x80) !== 0;
    const headerLength = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
    if (this.buffered < headerLength) return null;
    let length = len7;
    if (len7 === 126) length = this.peek(2) * 256 + this.peek(3);
    else if (len7 === 127) {
      const high = this.peek(2) * 2 ** 24 + this.peek(3) * 2 ** 16 + this.peek(4) * 2 ** 8 + this.peek(5);
      const low = this.peek(6) * 2 ** 24 + this.peek(7) * 2 ** 16 + this.peek(8) * 2 ** 8 + this.peek(9);
      if (high > 0x1fffff) this.fail('WSFAULT_FRAME_TOO_LARGE', 'payload length beyond 2^53');
      length = high * 2 ** 32 + low;
    }
    this.check(b0, masked, length);
    const header: FrameHeader = { fin: (b0 & 0x80) !== 0, rsv: b0 & 0x70, opcode: b0 & 0x0f, masked, length };
    if (!isControl(header.opcode)) this.inMessage = !header.fin;
    const total = headerLength + length;
    const mode = sink.header(header);
    if (mode === 'pass') return (this.current = { header, headerLength, stream: false, pass: true, offset: 0 });
    // Already here in one chunk: one view beats a header and a piece, even when streaming.
    const stream = mode === 'stream' && !(this.buffered >= total && this.chunks[0]!.length - this.at >= total);
    this.current = { header, headerLength, stream, pass: false, offset: 0 };
    if (stream) {
      this.flushRun(sink);
      sink.begin(this.take(headerLength));
    }
    return this.current;
  }

  private check(b0: number, masked: boolean, length: number): void {
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    const rsv = b0 & 0x70;
    if (!KNOWN.has(opcode)) this.fail('WSFAULT_FRAME_RESERVED_OPCODE', `invalid opcode ${opcode}`);
    if (rsv & ~(this.options.allowedRsv ?? 0) || (rsv && isControl(opcode))) this.fail('WSFAULT_FRAME_UNEXPECTED_RSV', `RSV bits 0x${rsv.toString(16)} set without an extension`);
    if (isControl(opcode)) {
      if (length > 125) this.fail('WSFAULT_FRAME_CONTROL_TOO_LONG', `control frame of ${length} bytes (at most 125)`);
      if (!fin) this.fail('WSFAULT_FRAME_FRAGMENTED_CONTROL', 'fragmented control frame');
    } else if (opcode === Opcode.Continuation && !this.inMessage) {
      this.fail('WSFAULT_FRAME_UNEXPECTED_CONTINUATION', 'continuation frame without a message to continue');
    } else if (opcode !== Opcode.Continuation && this.inMessage) {
      this.fail('WSFAULT_FRAME_MISSING_CONTINUATION', 'new data frame before the last message ended');
    }
    if (masked !== this.options.expectMasked) {
      this.fail(masked ? 'WSFAULT_FRAME_UNEXPECTED_MASK' : 'WSFAULT_FRAME_EXPECTED_MASK', masked ? 'a server frame was masked' : 'a client frame was not masked');
    }
    if (this.options.maxPayload !== undefined && length > this.options.maxPayload) {
      this.fail('WSFAULT_FRAME_TOO_LARGE', `payload of ${length} bytes over the ${this.options.maxPayload}-byte limit`);
    }
  }

  private fail(code: FrameViolationCode, message: string): never {
    this.failed = true;
    this.chunks = [];
    this.at = 0;
    this.buffered = 0;
    this.current = null;
    throw new FrameError(code, message);
  }

  private peek(index: number): number {
    index += this.at;
    const chunks = this.chunks;
    for (let i = 0; i < chunks.length; i++) {
      if (index < chunks[i]!.length) return chunks[i]![index]!;
      index -= chunks[i]!.length;
    }
    throw new RangeError('peek past the buffered bytes');
  }

  /** Removes `n` bytes from the front: a view when they lie in the first chunk. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (n <= first.length - this.at) {
      const out = this.at === 0 && n === first.length ? first : first.subarray(this.at, this.at + n);
      this.at += n;
      if (this.at === first.length) {
        this.chunks.shift();
        this.at = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.length - this.at, n - done);
      chunk.copy(out, done, this.at, this.at + part);
      done += part;
      this.at += part;
      if (this.at === chunk.length) {
        this.chunks.shift();
        this.at = 0;
      }
    }
    return out;
  }
}

