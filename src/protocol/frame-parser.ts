import { isControl, Opcode } from './opcodes.js';

/**
 * One parsed frame (RFC 6455 §5.2). `raw` is its exact original bytes: a view of the chunk it
 * arrived in when it lies in one, a single concatenation when it spans chunks. Unchanged frames
 * are forwarded as `raw`; setting `fin`, `rsv*`, `opcode` or `payload` marks the frame changed
 * (see `frameChanged`), and the encoder then re-encodes it.
 */
export interface Frame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  /** RSV1–3 as the bits of the first byte (0x40, 0x20, 0x10). */
  rsv: number;
  opcode: number;
  readonly masked: boolean;
  /** The 4-byte masking key (a view of `raw`), only on masked frames. */
  readonly maskKey?: Buffer;
  /**
   * The payload, unmasked: a view of `raw` when unmasked, a copy made on first use when masked
   * (so frames that are only forwarded are never unmasked). Replace it rather than editing it in
   * place: an in-place edit of a masked frame's payload is not seen as a change.
   */
  payload: Buffer;
  readonly raw: Buffer;
}

export type FrameErrorCode =
  | 'WS_ERR_INVALID_OPCODE'
  | 'WS_ERR_UNEXPECTED_RSV'
  | 'WS_ERR_CONTROL_TOO_LONG'
  | 'WS_ERR_FRAGMENTED_CONTROL'
  | 'WS_ERR_INVALID_CLOSE_LENGTH'
  | 'WS_ERR_UNEXPECTED_CONTINUATION'
  | 'WS_ERR_EXPECTED_CONTINUATION'
  | 'WS_ERR_MASK_EXPECTED'
  | 'WS_ERR_UNEXPECTED_MASK'
  | 'WS_ERR_PAYLOAD_TOO_BIG';

/** A protocol violation: `code` names it, `closeCode` is what the peer gets (RFC 6455 §7.4.1). */
export class FrameError extends Error {
  /** Valid frames that completed earlier in the same `push`: they may still be forwarded. */
  frames: Frame[] = [];

  constructor(
    readonly code: FrameErrorCode,
    message: string,
    readonly closeCode: 1002 | 1009 = 1002,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

export interface FrameParserOptions {
  /** Client→server frames must be masked, server→client frames must not (RFC 6455 §5.1). */
  expectMasked: boolean;
  /** Largest data message (all its fragments) or frame accepted; beyond it 1009. */
  maxPayload?: number;
  /**
   * An extension was negotiated: RSV bits may mean something the proxy does not know, so they
   * are reported and passed on, never judged (RFC 6455 §5.2).
   */
  extensionsNegotiated?: boolean;
  /** RSV bits allowed without `extensionsNegotiated` (e.g. 0x40 for permessage-deflate). */
  allowedRsv?: number;
  /** The parser starts between the fragments of a message (engaged mid-stream). */
  inMessage?: boolean;
}

// Parser states, in the order a frame's bytes arrive (RFC 6455 §5.2).
const INFO = 0; // FIN, RSV, opcode, MASK, 7-bit length: 2 bytes
const EXTENDED_LENGTH = 1; // 16- or 64-bit length
const MASKING_KEY = 2;
const PAYLOAD = 3;

/** 2^53 / 2^32: a 64-bit length whose high word is beyond this cannot be a JS number. */
const MAX_HIGH_WORD = 0x1fffff;

/**
 * A streaming RFC 6455 frame parser for one direction. It walks each chunk once through a few
 * numeric states, copying only header bytes (≤ 14 per frame); payload bytes are skipped by count
 * and each frame's bytes are sliced out of the chunk as a view. It checks what a proxy must not
 * pass on silently and stops at the first violation by throwing a FrameError.
 */
export class FrameParser {
  private state = INFO;
  /** Header bytes of the frame in progress (2 + 8 + 4 at most). */
  private readonly head = Buffer.alloc(14);
  private headHave = 0;
  /** Header bytes the current state needs in all. */
  private headNeed = 2;
  private payloadLength = 0;
  private remaining = 0;
  /** Earlier chunks' parts of a frame that spans chunks; joined once when it completes. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private inMessage: boolean;
  /** Payload bytes of the data message in progress, for maxPayload. */
  private messageLength = 0;
  private failed = false;
  private readonly allowedRsv: number;

  constructor(private readonly options: FrameParserOptions) {
    this.inMessage = options.inMessage ?? false;
    this.allowedRsv = options.extensionsNegotiated ? 0x70 : (options.allowedRsv ?? 0) & 0x70;
  }

  /** True when no partial frame is held: a frame written now would not split one. */
  get atBoundary(): boolean {
    return this.state === INFO && this.headHave === 0;
  }

  /** True between the fragments of a data message. */
  get betweenFragments(): boolean {
    return this.inMessage;
  }

  /**
   * Feeds one chunk; returns the frames it completed. Throws a FrameError at a violation (with
   * the frames completed before it); from then on the parser returns nothing.
   */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    if (this.failed || chunk.length === 0) return frames;
    try {
      this.walk(chunk, frames);
    } catch (error) {
      if (error instanceof FrameError) error.frames = frames;
      throw error;
    }
    return frames;
  }

  private walk(chunk: Buffer, frames: Frame[]): void {
    const end = chunk.length;
    // Where the frame in progress starts in this chunk (0 when it began in an earlier one).
    let frameStart = 0;
    let at = 0;
    while (at < end) {
      if (this.state === PAYLOAD) {
        const take = Math.min(this.remaining, end - at);
        this.remaining -= take;
        at += take;
      } else {
        if (this.atBoundary) frameStart = at;
        const take = Math.min(this.headNeed - this.headHave, end - at);
        chunk.copy(this.head, this.headHave, at, at + take);
        this.headHave += take;
        at += take;
        if (this.headHave < this.headNeed) break;
        this.headerStep();
      }
      if (this.state === PAYLOAD && this.remaining === 0) {
        frames.push(this.complete(chunk, frameStart, at));
        frameStart = at;
      }
    }
    if (!this.atBoundary) {
      const part = frameStart === 0 ? chunk : chunk.subarray(frameStart);
      this.parts.push(part);
      this.partsLength += part.length;
    }
  }

  /** The current state has all its header bytes: judge them and move on. */
  private headerStep(): void {
    const head = this.head;
    switch (this.state) {
      case INFO: {
        this.checkInfo(head[0]!, head[1]!);
        const len7 = head[1]! & 0x7f;
        if (len7 >= 126) {
          this.state = EXTENDED_LENGTH;
          this.headNeed = len7 === 126 ? 4 : 10;
          return;
        }
        return this.lengthKnown(len7);
      }
      case EXTENDED_LENGTH: {
        if (this.headNeed === 4) return this.lengthKnown(head.readUInt16BE(2));
        const high = head.readUInt32BE(2);
        if (high > MAX_HIGH_WORD) this.fail('WS_ERR_PAYLOAD_TOO_BIG', 'payload length beyond 2^53 - 1', 1009);
        return this.lengthKnown(high * 0x1_0000_0000 + head.readUInt32BE(6));
      }
      case MASKING_KEY:
        return this.startPayload();
    }
  }

  /** Everything the first two bytes can tell (RFC 6455 §5.2, §5.4, §5.5). */
  private checkInfo(b0: number, b1: number): void {
    const fin = (b0 & 0x80) !== 0;
    const rsv = b0 & 0x70;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    if (opcode !== Opcode.Continuation && opcode !== Opcode.Text && opcode !== Opcode.Binary && opcode !== Opcode.Close && opcode !== Opcode.Ping && opcode !== Opcode.Pong) {
      this.fail('WS_ERR_INVALID_OPCODE', `invalid opcode ${opcode}`);
    }
    if ((rsv & ~this.allowedRsv) !== 0) this.fail('WS_ERR_UNEXPECTED_RSV', `RSV bits 0x${rsv.toString(16)} set without an extension`);
    if (isControl(opcode)) {
      if (!fin) this.fail('WS_ERR_FRAGMENTED_CONTROL', 'fragmented control frame');
      if (len7 > 125) this.fail('WS_ERR_CONTROL_TOO_LONG', 'control frame over 125 bytes');
      // A Close body starts with a 2-byte code (§5.5.1): one byte cannot be a Close payload.
      if (opcode === Opcode.Close && len7 === 1) this.fail('WS_ERR_INVALID_CLOSE_LENGTH', 'Close frame with a 1-byte payload');
    } else if (opcode === Opcode.Continuation) {
      if (!this.inMessage) this.fail('WS_ERR_UNEXPECTED_CONTINUATION', 'continuation frame without a message to continue');
    } else if (this.inMessage) {
      this.fail('WS_ERR_EXPECTED_CONTINUATION', 'new data frame before the last message ended');
    }
    if (masked !== this.options.expectMasked) {
      if (masked) this.fail('WS_ERR_UNEXPECTED_MASK', 'a server frame was masked');
      this.fail('WS_ERR_MASK_EXPECTED', 'a client frame was not masked');
    }
  }

  private lengthKnown(length: number): void {
    const max = this.options.maxPayload;
    if (max !== undefined) {
      // Data messages count all their fragments, as an endpoint's limit would.
      const total = isControl(this.head[0]! & 0x0f) ? length : this.messageLength + length;
      if (total > max) this.fail('WS_ERR_PAYLOAD_TOO_BIG', `payload of ${total} bytes over the ${max}-byte limit`, 1009);
    }
    this.payloadLength = length;
    if ((this.head[1]! & 0x80) !== 0) {
      this.state = MASKING_KEY;
      this.headNeed += 4;
      return;
    }
    this.startPayload();
  }

  private startPayload(): void {
    this.state = PAYLOAD;
    this.remaining = this.payloadLength;
  }

  /** The frame ends at `end` of `chunk`: its bytes are a view unless it spans chunks. */
  private complete(chunk: Buffer, frameStart: number, end: number): Frame {
    let raw: Buffer;
    if (this.parts.length === 0) raw = chunk.subarray(frameStart, end);
    else {
      this.parts.push(chunk.subarray(0, end));
      raw = Buffer.concat(this.parts, this.partsLength + end);
      this.parts = [];
      this.partsLength = 0;
    }
    const frame = new ParsedFrame(raw, this.headHave);
    if (!isControl(frame.opcode)) {
      this.inMessage = !frame.fin;
      this.messageLength = frame.fin ? 0 : this.messageLength + this.payloadLength;
    }
    this.state = INFO;
    this.headHave = 0;
    this.headNeed = 2;
    return frame;
  }

  private fail(code: FrameErrorCode, message: string, closeCode: 1002 | 1009 = 1002): never {
    this.failed = true;
    this.parts = [];
    throw new FrameError(code, message, closeCode);
  }
}

/**
 * A frame read off the wire. It keeps the original first byte and payload so it can tell
 * whether a fault changed it: unchanged frames go out as `raw`, byte for byte.
 */
class ParsedFrame implements Frame {
  fin: boolean;
  rsv: number;
  opcode: number;
  readonly masked: boolean;
  readonly maskKey?: Buffer;
  readonly raw: Buffer;
  readonly #headerLength: number;
  #payload: Buffer | null = null;
  #payloadReplaced = false;

  constructor(raw: Buffer, headerLength: number) {
    this.raw = raw;
    this.#headerLength = headerLength;
    this.fin = (raw[0]! & 0x80) !== 0;
    this.rsv = raw[0]! & 0x70;
    this.opcode = raw[0]! & 0x0f;
    this.masked = (raw[1]! & 0x80) !== 0;
    if (this.masked) this.maskKey = raw.subarray(headerLength - 4, headerLength);
  }

  get payload(): Buffer {
    if (this.#payload) return this.#payload;
    const body = this.raw.subarray(this.#headerLength);
    if (!this.maskKey) return (this.#payload = body);
    // RFC 6455 §5.3: octet i is XORed with key octet i mod 4. Unmasked into a copy: raw stays as sent.
    const key = this.maskKey;
    const out = Buffer.allocUnsafe(body.length);
    for (let i = 0; i < body.length; i++) out[i] = body[i]! ^ key[i & 3]!;
    return (this.#payload = out);
  }

  set payload(value: Buffer) {
    this.#payload = value;
    this.#payloadReplaced = true;
  }

  get rsv1(): boolean {
    return (this.rsv & 0x40) !== 0;
  }
  set rsv1(on: boolean) {
    this.rsv = on ? this.rsv | 0x40 : this.rsv & ~0x40;
  }
  get rsv2(): boolean {
    return (this.rsv & 0x20) !== 0;
  }
  set rsv2(on: boolean) {
    this.rsv = on ? this.rsv | 0x20 : this.rsv & ~0x20;
  }
  get rsv3(): boolean {
    return (this.rsv & 0x10) !== 0;
  }
  set rsv3(on: boolean) {
    this.rsv = on ? this.rsv | 0x10 : this.rsv & ~0x10;
  }

  /** A fault set a field to something other than what arrived. */
  get changed(): boolean {
    return this.#payloadReplaced || ((this.fin ? 0x80 : 0) | (this.rsv & 0x70) | this.opcode) !== this.raw[0];
  }
}

/** True when `frame` differs from its original bytes (always false for frames not from a parser). */
export function frameChanged(frame: object): boolean {
  return frame instanceof ParsedFrame && frame.changed;
}
