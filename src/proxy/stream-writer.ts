import { randomFillSync } from 'node:crypto';
import { encodeHeader } from '../protocol/frame-encode.js';
import type { Frame, FrameHeader } from '../protocol/frame-parser.js';
import { Opcode } from '../protocol/opcodes.js';
import type { FrameOutput } from './pipe.js';

/** A payload part this long is written by itself rather than copied into a joined write. */
const LARGE = 16 * 1024;

/** The output frame being written while its input frame is split (re-framing). */
interface Split {
  input: FrameHeader;
  /** Lengths of the output frames still to open, one looked ahead so the last one gets FIN. */
  segments: Generator<number>;
  ahead: IteratorResult<number>;
  first: boolean;
  /** Bytes left in the output frame that is open, and its masking key (toward the server). */
  left: number;
  key: Buffer | null;
  at: number;
}

/**
 * Writes one data message that streams through the proxy (cut-through): each frame as it
 * arrived, or, when faults re-frame it, split into frames of at most their sizes as the payload
 * passes. It holds nothing beyond the piece in hand, so a message of any size costs no memory.
 * Several re-framing sizes nest: each splits what the one before it made.
 */
export class StreamWriter {
  /** Frames written so far. */
  frames = 0;
  private readonly smallest: number;
  /** The input frame streaming now, when it passes as it arrived, and its header bytes until written. */
  private raw: { header: FrameHeader; head: Buffer | null } | null = null;
  private split: Split | null = null;
  private inKey: Buffer | null = null;

  constructor(
    private readonly out: FrameOutput,
    private readonly sizes: number[],
  ) {
    this.smallest = Math.min(...sizes);
  }

  /** It writes every frame as it arrived (no re-framing): the parser may pass the bytes on itself. */
  get passes(): boolean {
    return this.sizes.length === 0;
  }

  /** A whole input frame. */
  frame(frame: Frame): void {
    if (frame.length <= this.smallest) {
      this.frames++;
      return this.out.writeStream(frame.raw, true, frame.fin);
    }
    this.startSplit(frame);
    this.splitPiece(frame.payload, frame.masked);
  }

  /** An input frame starts streaming: its header and the header's bytes. */
  begin(header: FrameHeader, head: Buffer): void {
    if (header.length <= this.smallest) {
      this.raw = { header, head };
      return;
    }
    // Copied: it is used for the whole frame, beyond the read buffer the head is a view of.
    this.inKey = header.masked ? Buffer.from(head.subarray(head.length - 4)) : null;
    this.startSplit(header);
  }

  /** The next bytes of the streaming input frame, as they arrived (still masked), from `offset`. */
  payload(bytes: Buffer, offset: number): void {
    if (this.raw) {
      const { header, head } = this.raw;
      const frameEnd = offset + bytes.length === header.length;
      this.raw.head = null;
      if (frameEnd) this.frames++;
      return this.out.writeStream(head ? joined(head, bytes) : bytes, frameEnd, frameEnd && header.fin);
    }
    if (!this.inKey) return this.splitPiece(bytes, false);
    // Unmasked into a buffer of our own, which splitPiece may then mask in place.
    const plain = Buffer.allocUnsafe(bytes.length);
    for (let i = 0; i < bytes.length; i++) plain[i] = bytes[i]! ^ this.inKey[(offset + i) & 3]!;
    this.splitPiece(plain, true);
  }

  /** The read the held header is a view of will be reused: keep a copy of it instead. */
  keep(): void {
    if (this.raw?.head) this.raw.head = Buffer.from(this.raw.head);
  }

  /** The streaming input frame has ended. */
  end(): void {
    // A frame with no payload whose header came in pieces: only its header is left to write.
    if (this.raw?.head) {
      this.frames++;
      this.out.writeStream(this.raw.head, true, this.raw.header.fin);
    }
    this.raw = null;
  }

  private startSplit(input: FrameHeader): void {
    const segments = nested(input.length, this.sizes, 0);
    this.split = { input, segments, ahead: segments.next(), first: true, left: 0, key: null, at: 0 };
  }

  /** `plain` is unmasked; `own` says it is a buffer of ours that may be masked in place. */
  private splitPiece(plain: Buffer, own: boolean): void {
    const split = this.split!;
    const { input } = split;
    // Small parts (headers, short frames) are joined into one write; a large one is written as it
    // is, since copying it would only make garbage the size of the message.
    const writes: Buffer[] = [];
    let small: Buffer[] = [];
    const joinSmall = () => {
      if (small.length > 0) writes.push(small.length === 1 ? small[0]! : Buffer.concat(small));
      small = [];
    };
    const add = (part: Buffer) => {
      if (part.length < LARGE) return void small.push(part);
      joinSmall();
      writes.push(part);
    };
    let at = 0;
    while (at < plain.length) {
      if (split.left === 0) {
        const length = split.ahead.value as number;
        split.ahead = split.segments.next();
        split.key = input.masked ? randomFillSync(Buffer.allocUnsafe(4)) : null;
        const fin = input.fin && split.ahead.done === true;
        add(encodeHeader({ fin, rsv: split.first ? input.rsv : 0, opcode: split.first ? input.opcode : Opcode.Continuation, length }, split.key));
        split.first = false;
        split.left = length;
        split.at = 0;
        this.frames++;
      }
      const n = Math.min(split.left, plain.length - at);
      let part = plain.subarray(at, at + n);
      if (split.key) {
        if (!own) part = Buffer.from(part);
        for (let i = 0; i < n; i++) part[i] = part[i]! ^ split.key[(split.at + i) & 3]!;
      }
      add(part);
      at += n;
      split.left -= n;
      split.at += n;
    }
    const frameEnd = split.left === 0;
    const messageEnd = frameEnd && split.ahead.done === true && input.fin;
    if (frameEnd && split.ahead.done) this.split = null;
    joinSmall();
    // The last write says where the output stands; the ones before it end inside this piece.
    const last = writes.length - 1;
    for (let i = 0; i < last; i++) this.out.writeStream(writes[i]!, false, false);
    this.out.writeStream(writes[last]!, frameEnd, messageEnd);
  }
}

/**
 * A header and the payload after it as one write: a view of both when they lie side by side in
 * one read (the usual case: no copy of the payload), else a copy.
 */
function joined(head: Buffer, bytes: Buffer): Buffer {
  if (head.buffer === bytes.buffer && head.byteOffset + head.length === bytes.byteOffset) return Buffer.from(head.buffer, head.byteOffset, head.length + bytes.length);
  return Buffer.concat([head, bytes]);
}

/** Output frame lengths for an input frame of `length` bytes split by each size in turn. */
function* nested(length: number, sizes: number[], depth: number): Generator<number> {
  if (depth === sizes.length) return yield length;
  const size = sizes[depth]!;
  for (let at = 0; at < length; at += size) yield* nested(Math.min(size, length - at), sizes, depth + 1);
}
