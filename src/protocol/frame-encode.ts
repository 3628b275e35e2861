import { randomFillSync } from 'node:crypto';
import { Opcode } from './opcodes.js';

/**
 * Encodes one complete frame. Frames toward a server must be masked with a fresh random key
 * (RFC 6455 §5.3); frames toward a client must not be.
 */
export function encodeFrame(opcode: number, payload: Buffer, masked: boolean, fin = true): Buffer {
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + extended + (masked ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = (masked ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) head.writeUInt16BE(length, 2);
  if (extended === 8) head.writeBigUInt64BE(BigInt(length), 2);
  if (!masked) return Buffer.concat([head, payload]);
  const key = head.subarray(2 + extended);
  randomFillSync(key);
  const body = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) body[i] = payload[i]! ^ key[i & 3]!;
  return Buffer.concat([head, body]);
}

/** A Close frame with a code and a reason (trimmed to fit a control frame's 125 bytes). */
export function encodeClose(code: number, reason: string, masked: boolean): Buffer {
  let text = Buffer.from(reason, 'utf8');
  if (text.length > 123) {
    // Cut at a character boundary: a Close reason must be valid UTF-8 (RFC 6455 §5.5.1).
    let cut = 123;
    while (cut > 0 && (text[cut]! & 0xc0) === 0x80) cut--;
    text = text.subarray(0, cut);
  }
  const payload = Buffer.alloc(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return encodeFrame(Opcode.Close, payload, masked);
}

/**
 * Encodes a frame with RSV bits (a frame a fault changed keeps its extension bits unless the
 * fault changes them); masked toward the server with a fresh key.
 */
export function encodeFrameWith(frame: { fin: boolean; rsv: number; opcode: number; payload: Buffer }, masked: boolean): Buffer {
  const out = encodeFrame(frame.opcode, frame.payload, masked, frame.fin);
  out[0] = out[0]! | (frame.rsv & 0x70);
  return out;
}

/**
 * The header of a frame whose payload follows separately (a frame written as its payload streams
 * through); with `mask`, the masking key goes last and the caller masks the payload with it.
 */
export function encodeHeader(frame: { fin: boolean; rsv: number; opcode: number; length: number }, mask: Buffer | null): Buffer {
  const { length } = frame;
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const head = Buffer.allocUnsafe(2 + extended + (mask ? 4 : 0));
  head[0] = (frame.fin ? 0x80 : 0) | (frame.rsv & 0x70) | frame.opcode;
  head[1] = (mask ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) head.writeUInt16BE(length, 2);
  if (extended === 8) head.writeBigUInt64BE(BigInt(length), 2);
  if (mask) mask.copy(head, 2 + extended);
  return head;
}
