/** The parsed frame, its header, the sink `FrameParser.feed` delivers to, and the violation error (src/protocol/frame-parser.ts). */
import { FrameViolations, type FrameViolationCode } from './frame-violations.js';

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
 * frame whole, its payload in pieces as they arrive (a streamed frame that already lies whole in
 * one chunk is still delivered by `frame`: one view, no copy), or its bytes passed on as they
 * came: `pass` then gets them, header included, joined with the passing frames beside them in
 * the chunk, one view per chunk at most, and `end` marks each passing frame's end.
 */
export interface FrameSink {
  header(header: FrameHeader): 'whole' | 'stream' | 'pass';
  frame(frame: Frame): void;
  /** Passing bytes exactly as they arrived; whether they end a frame and a data message. */
  pass?(bytes: Buffer, frameEnd: boolean, messageEnd: boolean): void;
  /** A streamed frame starts: its 2–14 header bytes as they arrived (the masking key last). */
  begin(head: Buffer): void;
  /** The streamed frame's next payload bytes as they arrived (still masked), from `offset`. */
  payload(bytes: Buffer, offset: number): void;
  /** The streamed frame's last byte has arrived. */
  end(): void;
}

/** The same frame over a copy of its bytes, for one kept beyond a transient chunk. */
export function ownedFrame(frame: Frame): Frame {
  return makeFrame(Buffer.from(frame.raw), frame, frame.raw.length - frame.length);
}

export function makeFrame(raw: Buffer, { fin, rsv, opcode, masked, length }: FrameHeader, headerLength: number): Frame {
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
