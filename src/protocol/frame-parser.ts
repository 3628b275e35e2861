import { FrameViolations, type FrameViolationCode } from './frame-violations.js';
import { isControl, Opcode } from './opcodes.js';

/** One parsed frame. `raw` is its exact bytes (a view when it arrived in one chunk). */
export interface Frame {
  fin: boolean;
  /** RSV1–3 as the top bits of the first byte (0x40, 0x20, 0x10). */
  rsv: number;
  opcode: number;
  masked: boolean;
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

/**
 * A streaming RFC 6455 frame parser for one direction. Chunks are kept as a list and frames are
 * sliced out of them: a frame that lies in one chunk is a view of it, not a copy. It checks what
 * a proxy must not pass on silently (unknown opcodes, unexpected RSV bits, long or fragmented
 * control frames, continuation out of place, masking on the wrong side, oversized payloads) and
 * stops at the first violation.
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private inMessage = false;
  private failed = false;

  constructor(private readonly options: FrameParserOptions) {
    this.inMessage = options.inMessage ?? false;
  }

  /** Feeds bytes; returns the complete frames, or throws a FrameError (then the parser is done). */
  push(chunk: Buffer): Frame[] {
    if (this.failed) return [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      let frame: Frame | null;
      try {
        frame = this.next();
      } catch (error) {
        // The frames completed before the violation are valid: the caller forwards them.
        if (error instanceof FrameError) error.frames = frames;
        throw error;
      }
      if (!frame) return frames;
      frames.push(frame);
    }
  }

  /** True when no partial frame is held (a frame written now would not split one). */
  get atBoundary(): boolean {
    return this.buffered === 0;
  }

  private next(): Frame | null {
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
    if (this.buffered < headerLength + length) return null;
    const raw = this.take(headerLength + length);
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    if (!isControl(opcode)) this.inMessage = !fin;
    return makeFrame(raw, fin, b0 & 0x70, opcode, masked, headerLength);
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

function makeFrame(raw: Buffer, fin: boolean, rsv: number, opcode: number, masked: boolean, headerLength: number): Frame {
  let payload: Buffer | null = null;
  return {
    fin,
    rsv,
    opcode,
    masked,
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
