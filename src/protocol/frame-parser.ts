import { FrameViolations, type FrameViolationCode } from './frame-violations.js';
import { isControl, Opcode } from './opcodes.js';

/** One parsed frame. `raw` is its exact bytes (a view when it arrived in one chunk). */
export interface Frame {
  fin: boolean;
  /** RSV1–3 as the top bits of the first byte (0x40, 0x20, 0x10). */
  rsv: number;
  opcode: number;
  masked: boolean;
  /** Payload bytes. */
  length: number;
  /** The payload, unmasked (computed on first use: unchanged frames are forwarded as `raw`). */
  readonly payload: Buffer;
  raw: Buffer;
}

/** A protocol violation: the stable code names it (src/protocol/frame-violations.ts), `closeCode` is what the peer gets. */
export class FrameError extends Error {
  /** Valid frames that completed earlier in the same push, before the violation. */
  frames: Frame[] = [];
  readonly closeCode: 1002 | 1009;

  constructor(
    readonly code: FrameViolationCode,
    message: string,
  ) {
    super(message);
    this.closeCode = FrameViolations[code].close;
  }
}

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

/** A frame's header, read and checked before its payload has arrived. */
export interface FrameHeader {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** Payload bytes. */
  length: number;
}

/**
 * Where `feed` delivers a direction's frames. At each header the sink says whether it wants the
 * frame whole or its payload in pieces as they arrive; a streamed frame that already lies whole
 * in one chunk is still delivered by `frame` (one view, no copy).
 */
export interface FrameSink {
  header(header: FrameHeader): 'whole' | 'stream';
  frame(frame: Frame): void;
  /** A streamed frame starts: its 2–14 header bytes as they arrived (the masking key last). */
  begin(head: Buffer): void;
  /** The streamed frame's next payload bytes as they arrived (still masked), from `offset`. */
  payload(bytes: Buffer, offset: number): void;
  /** The streamed frame's last byte has arrived. */
  end(): void;
}

/** The frame being delivered: held until whole, or streamed with `remaining` bytes to come. */
interface Current {
  header: FrameHeader;
  headerLength: number;
  stream: boolean;
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
  private buffered = 0;
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
    this.deliver(sink);
    if (!transient) return;
    const chunks = this.chunks;
    for (let i = 0; i < chunks.length; i++) if (chunks[i]!.buffer === chunk.buffer) chunks[i] = Buffer.from(chunks[i]!);
  }

  private deliver(sink: FrameSink): void {
    for (;;) {
      const current = this.current ?? this.nextHeader(sink);
      if (!current) return;
      const { header, headerLength } = current;
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
        const piece = this.take(Math.min(remaining, this.chunks[0]!.length));
        sink.payload(piece, current.offset);
        current.offset += piece.length;
        if (current.offset < header.length) continue;
      }
      this.current = null;
      sink.end();
    }
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
    const whole = sink.header(header) === 'whole';
    // Already here in one chunk: one view beats a header and a piece, even when streaming.
    const stream = !whole && !(this.buffered >= total && this.chunks[0]!.length >= total);
    this.current = { header, headerLength, stream, offset: 0 };
    if (stream) sink.begin(this.take(headerLength));
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
    this.buffered = 0;
    this.current = null;
    throw new FrameError(code, message);
  }

  private peek(index: number): number {
    for (const chunk of this.chunks) {
      if (index < chunk.length) return chunk[index]!;
      index -= chunk.length;
    }
    throw new RangeError('peek past the buffered bytes');
  }

  /** Removes `n` bytes from the front: a view when they lie in the first chunk. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (n <= first.length) {
      const out = first.subarray(0, n);
      if (n === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.length, n - at);
      chunk.copy(out, at, 0, part);
      at += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    return out;
  }
}

/** The same frame over a copy of its bytes, for one kept beyond a transient chunk. */
export function ownedFrame(frame: Frame): Frame {
  return makeFrame(Buffer.from(frame.raw), frame, frame.raw.length - frame.length);
}

function makeFrame(raw: Buffer, { fin, rsv, opcode, masked, length }: FrameHeader, headerLength: number): Frame {
  let payload: Buffer | null = null;
  return {
    fin,
    rsv,
    opcode,
    masked,
    length,
    raw,
    get payload(): Buffer {
      if (payload) return payload;
      const body = raw.subarray(headerLength);
      if (!masked) return (payload = body);
      const key = raw.subarray(headerLength - 4, headerLength);
      payload = Buffer.allocUnsafe(body.length);
      for (let i = 0; i < body.length; i++) payload[i] = body[i]! ^ key[i & 3]!;
      return payload;
    },
  };
}
