import { isControl, Opcode } from './opcodes.js';

/** A control frame the tracker saw, payload unmasked (at most 125 bytes, so copying is fine). */
export interface ControlFrame {
  opcode: number;
  payload: Buffer;
}

const enum State {
  Header,
  Payload,
}

/**
 * Knows where frame boundaries are in one direction of a WebSocket without holding data: it
 * reads each frame's 2–14 header bytes as they flow past and skips the payload by count. That is
 * what lets the proxy count messages, tell data from heartbeats and put a Close frame on the
 * wire at any moment without cutting a frame in half. Control frame payloads (≤ 125 bytes) are
 * kept so Close codes are known.
 *
 * It does not judge validity; a stream it cannot make sense of (a length beyond 2^53) is marked
 * `lost` and from then on only bytes are counted.
 */
export class FrameTracker {
  /** Data messages completed (a fragmented message counts once, at its final frame). */
  messages = 0;
  /** Time (ms, performance.now) of the last data frame byte, for idle detection. */
  lastDataAt = 0;
  /** Set once the tracker lost the frame structure. */
  lost = false;
  /** Between the frames of a fragmented data message. */
  inMessage = false;
  onControl?: (frame: ControlFrame) => void;
  /** Called as each data message completes (its final frame's last byte). */
  onMessage?: () => void;

  private state = State.Header;
  private header = Buffer.alloc(14);
  private headerHave = 0;
  private remaining = 0;
  private opcode = 0;
  private fin = false;
  private mask: Buffer | null = null;
  private control: Buffer | null = null;
  private controlHave = 0;

  /** True between frames: a frame written now would not split another one. */
  get atBoundary(): boolean {
    return this.state === State.Header && this.headerHave === 0;
  }

  /**
   * Reads `chunk` from `start`. Returns how many bytes were consumed: all of them, or with
   * `stopAtBoundary` only up to the end of the frame in progress (0 if already at a boundary).
   */
  feed(chunk: Buffer, stopAtBoundary = false, start = 0): number {
    let at = start;
    const end = chunk.length;
    if (stopAtBoundary && this.atBoundary) return 0;
    while (at < end && !this.lost) {
      if (this.state === State.Header) {
        at = this.readHeader(chunk, at);
      } else {
        const take = Math.min(this.remaining, end - at);
        if (this.control) this.copyControl(chunk, at, take);
        this.remaining -= take;
        at += take;
        if (this.remaining === 0) this.frameDone();
      }
      if (stopAtBoundary && this.atBoundary) return at - start;
    }
    return this.lost ? end - start : at - start;
  }

  private readHeader(chunk: Buffer, at: number): number {
    const header = this.header;
    // The fast path: the whole header is in this chunk and none is pending.
    while (at < chunk.length) {
      header[this.headerHave++] = chunk[at++]!;
      const need = this.headerLength();
      if (need > 0 && this.headerHave === need) {
        this.startFrame();
        return at;
      }
    }
    return at;
  }

  /** Header length once known (2 bytes are needed to know it), else 0. */
  private headerLength(): number {
    if (this.headerHave < 2) return 0;
    const len7 = this.header[1]! & 0x7f;
    const masked = (this.header[1]! & 0x80) !== 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  private startFrame(): void {
    const h = this.header;
    this.fin = (h[0]! & 0x80) !== 0;
    this.opcode = h[0]! & 0x0f;
    const len7 = h[1]! & 0x7f;
    let offset = 2;
    let length = len7;
    if (len7 === 126) {
      length = h.readUInt16BE(2);
      offset = 4;
    } else if (len7 === 127) {
      const high = h.readUInt32BE(2);
      if (high > 0x1fffff) {
        this.lost = true;
        return;
      }
      length = high * 0x1_0000_0000 + h.readUInt32BE(6);
      offset = 10;
    }
    this.mask = (h[1]! & 0x80) !== 0 ? Buffer.from(h.subarray(offset, offset + 4)) : null;
    this.remaining = length;
    this.headerHave = 0;
    this.state = State.Payload;
    if (isControl(this.opcode) && length <= 125) {
      this.control = Buffer.alloc(length);
      this.controlHave = 0;
    } else {
      this.control = null;
    }
    if (length === 0) this.frameDone();
  }

  private copyControl(chunk: Buffer, at: number, take: number): void {
    const control = this.control!;
    for (let i = 0; i < take; i++) {
      const k = this.controlHave + i;
      control[k] = this.mask ? chunk[at + i]! ^ this.mask[k & 3]! : chunk[at + i]!;
    }
    this.controlHave += take;
  }

  private frameDone(): void {
    this.state = State.Header;
    if (this.control) {
      const frame = { opcode: this.opcode, payload: this.control };
      this.control = null;
      this.onControl?.(frame);
    } else if (!isControl(this.opcode)) {
      this.lastDataAt = performance.now();
      this.inMessage = !this.fin;
      if (this.fin) {
        this.messages++;
        this.onMessage?.();
      }
    }
  }
}

/** Code and reason of a Close frame payload (RFC 6455 §5.5.1); 1005 when it has no code. */
export function readClose(payload: Buffer): { code: number; reason: string } {
  if (payload.length < 2) return { code: 1005, reason: '' };
  return { code: payload.readUInt16BE(0), reason: payload.toString('utf8', 2) };
}

export { Opcode };
