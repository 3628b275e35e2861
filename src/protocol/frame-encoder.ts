import { encodeFrameWith } from './frame-encode.js';
import { frameChanged } from './frame-parser.js';
import type { Message } from './message-assembler.js';
import { isControl, Opcode } from './opcodes.js';

export { encodeClose, encodeFrame, encodeFrameWith } from './frame-encode.js';

/**
 * A frame to put on the wire: a parsed Frame, or one a fault built. `raw`, when present and the
 * frame unchanged, is sent as is; `rsv` holds RSV1–3 as the first byte's bits (0x70).
 */
export interface OutFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
  raw?: Buffer | null;
}

/**
 * The bytes of one frame: its original `raw` bytes when unchanged (a chaos proxy forwards what
 * the peer sent), else re-encoded: masked with a fresh crypto-random key toward the server,
 * unmasked toward the client (RFC 6455 §5.1, §5.3).
 */
export function frameBytes(frame: OutFrame, masked: boolean): Buffer {
  if (frame.raw && !frameChanged(frame)) return frame.raw;
  if (!Number.isInteger(frame.opcode) || frame.opcode < 0 || frame.opcode > 0xf) {
    // Wider values would spill into the FIN/RSV bits of the first byte.
    throw new RangeError(`opcode ${frame.opcode} does not fit in 4 bits`);
  }
  return encodeFrameWith(frame, masked);
}

/** The bytes of several frames, joined once. */
export function framesBytes(frames: readonly OutFrame[], masked: boolean): Buffer {
  if (frames.length === 1) return frameBytes(frames[0]!, masked);
  return Buffer.concat(frames.map((f) => frameBytes(f, masked)));
}

/**
 * A data message as `size`-byte fragments: the first frame with its opcode (and its RSV bits,
 * which permessage-deflate sets on the first frame only, RFC 7692 §6), the rest continuation
 * frames, FIN on the last (RFC 6455 §5.4). Control frames must never be fragmented (§5.5).
 */
export function fragment(message: Pick<Message, 'opcode' | 'payload'> & { frames?: readonly { rsv: number }[] }, size: number): OutFrame[] {
  if (isControl(message.opcode) || message.opcode === Opcode.Continuation) throw new RangeError(`only a data message can be fragmented (opcode ${message.opcode})`);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`fragment size must be a positive integer, got ${size}`);
  const payload = message.payload();
  const rsv = message.frames?.[0]?.rsv ?? 0;
  const frames: OutFrame[] = [];
  let at = 0;
  do {
    const part = payload.subarray(at, at + size);
    at += size;
    frames.push({ fin: at >= payload.length, rsv: frames.length === 0 ? rsv : 0, opcode: frames.length === 0 ? message.opcode : Opcode.Continuation, payload: part, raw: null });
  } while (at < payload.length);
  return frames;
}

/** A whole message as one frame; a control frame's payload must fit in 125 bytes (§5.5). */
export function encodeMessage(opcode: number, payload: Buffer, masked: boolean, rsv1 = false): Buffer {
  if (isControl(opcode) && payload.length > 125) throw new RangeError(`control frame payload of ${payload.length} bytes (at most 125)`);
  return frameBytes({ fin: true, rsv: rsv1 ? 0x40 : 0, opcode, payload }, masked);
}
