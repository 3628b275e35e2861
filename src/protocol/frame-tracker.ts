import { isControl, Opcode } from './opcodes.js';

/** A control frame the tracker saw, payload unmasked (at most 125 bytes, so copying is fine). */
export interface ControlFrame {
  opcode: number;
  payload: Buffer;
}

/** Watches the trackers of both directions of a connection: one object, no closure per tracker. */
export interface FrameWatcher {
  controlFrame(tracker: FrameTracker, frame: ControlFrame): void;
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
  /** Called as each data message completes (its final frame's last byte), with the tracker as `this`. */
  onMessage?: (this: FrameTracker) => void;
  /** Told of each control frame after onControl. */
  watcher: FrameWatcher | null = null;

  private state = State.Header;
  /** Made only when a header arrives split across reads. */
  private header: Buffer | null = null;
  private headerHave = 0;
  private remaining = 0;
  private opcode = 0;
  private fin = false;
  private masked = false;
  private maskKey = 0;
  private control: Buffer | null = null;
  private controlHave = 0;

  /** True between frames: a frame written now would not split another one. */
  get atBoundary(): boolean {
    return !this.lost && this.state === State.Header && this.headerHave === 0;
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
    // Usually the whole header is in this read: read it in place, nothing copied or held.
    if (this.headerHave === 0) {
      const need = at + 1 < chunk.length ? headerLength(chunk[at + 1]!) : 0;
      if (need > 0 && chunk.length - at >= need) {
        this.startFrame(chunk, at);
        return at + need;
      }
    }
    // A header split across reads: its bytes wait in a buffer made only for this case.
    const header = (this.header ??= Buffer.alloc(14));
    while (at < chunk.length) {
      header[this.headerHave++] = chunk[at++]!;
      const need = this.headerHave < 2 ? 0 : headerLength(header[1]!);
      if (need > 0 && this.headerHave === need) {
        this.headerHave = 0;
        this.startFrame(header, 0);
        return at;
      }
    }
    return at;
  }

  /** Starts the frame whose header begins at `h[base]` (all of it is there). */
  private startFrame(h: Buffer, base: number): void {
    this.fin = (h[base]! & 0x80) !== 0;
    this.opcode = h[base]! & 0x0f;
    const len7 = h[base + 1]! & 0x7f;
    let offset = base + 2;
    let length = len7;
    if (len7 === 126) {
      length = h.readUInt16BE(base + 2);
      offset = base + 4;
    } else if (len7 === 127) {
      const high = h.readUInt32BE(base + 2);
      if (high > 0x1fffff) {
        this.lost = true;
        return;
      }
      length = high * 0x1_0000_0000 + h.readUInt32BE(base + 6);
      offset = base + 10;
    }
    // The masking key as a number: only a control frame's payload is unmasked (read here).
    this.masked = (h[base + 1]! & 0x80) !== 0;
    this.maskKey = this.masked ? h.readUInt32BE(offset) : 0;
    this.remaining = length;
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
      control[k] = this.masked ? chunk[at + i]! ^ ((this.maskKey >>> ((3 - (k & 3)) * 8)) & 0xff) : chunk[at + i]!;
    }
    this.controlHave += take;
  }

  private frameDone(): void {
    this.state = State.Header;
    if (this.control) {
      const frame = { opcode: this.opcode, payload: this.control };
      this.control = null;
      this.onControl?.(frame);
      this.watcher?.controlFrame(this, frame);
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

/** Length of a frame header, from its second byte. */
function headerLength(byte1: number): number {
  const len7 = byte1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (byte1 & 0x80 ? 4 : 0);
}

/** Code and reason of a Close frame payload (RFC 6455 §5.5.1); 1005 when it has no code. */
export function readClose(payload: Buffer): { code: number; reason: string } {
  if (payload.length < 2) return { code: 1005, reason: '' };
  return { code: payload.readUInt16BE(0), reason: payload.toString('utf8', 2) };
}

export { Opcode };
