/**
 * Bulk byte streams for the owned-reads tests (plain, wss:// and through faults): a raw upgrade
 * both ways, seeded payloads, frames sent in 256 KiB writes, and a slow reader that hashes what
 * it gets, so a view of a read buffer overwritten while still queued shows as a wrong hash.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { encodeHeader } from '../../src/protocol/frame-encode.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { streamFor } from '../../src/scenario/prng.js';

export const REQUEST = 'GET /bulk HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
export const RESPONSE = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
export const MIB = 1024 * 1024;

/** `bytes` seeded random bytes from the stream `streamFor(seed, ...names)` (src/scenario/prng.ts). */
export function seededBytes(bytes: number, seed: number, ...names: string[]): Buffer {
  const random = streamFor(seed, ...names);
  const out = Buffer.allocUnsafe(bytes);
  for (let at = 0; at < bytes; at += 4) out.writeUInt32LE(Math.floor(random() * 4294967296), at);
  return out;
}

/** Writes `bytes` in 256 KiB writes, waiting for drain. */
export async function send(socket: Socket, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length; at += 256 * 1024) {
    if (!socket.write(bytes.subarray(at, at + 256 * 1024))) await new Promise((resolve) => socket.once('drain', resolve));
  }
}

/** The header of one binary frame carrying `length` bytes (masked with a fixed key toward a server). */
export function frameHeader(length: number, masked: boolean): Buffer {
  return encodeHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, length }, masked ? Buffer.from([1, 2, 3, 4]) : null);
}

/** One binary frame of `payload.length` bytes, sent as the header then the payload in 256 KiB writes. */
export async function sendFrame(socket: Socket, payload: Buffer, masked: boolean): Promise<void> {
  socket.write(frameHeader(payload.length, masked));
  await send(socket, payload);
}

/**
 * A slow reader: hashes `length` bytes read after `skip` bytes (not the proxy's Close at
 * shutdown) and stops reading for 5 ms after every MiB, so the proxy's writes toward it are left
 * queued: the case where a view of a read buffer is still referenced when the next read comes
 * in. With `holdUntil`, it stops after the first MiB until that is true: the socket buffers
 * between fill, and a write left queued lends its read buffer.
 */
export function slowSink(socket: Socket, skip: number, length: number, holdUntil?: () => boolean) {
  const hash = createHash('sha256');
  let seen = 0;
  let sincePause = 0;
  let held = holdUntil === undefined;
  const sink = { bytes: 0, digest: () => hash.digest('hex') };
  socket.on('data', (chunk: Buffer) => {
    const from = Math.max(0, Math.min(chunk.length, skip - seen));
    const to = Math.max(from, Math.min(chunk.length, skip + length - seen));
    seen += chunk.length;
    if (from < to) {
      hash.update(chunk.subarray(from, to));
      sink.bytes += to - from;
    }
    sincePause += chunk.length;
    if (sincePause < MIB) return;
    sincePause = 0;
    socket.pause();
    if (held) {
      setTimeout(() => socket.resume(), 5);
      return;
    }
    held = true;
    const poll = setInterval(() => {
      if (!holdUntil!()) return;
      clearInterval(poll);
      socket.resume();
    }, 10);
  });
  return sink;
}

export const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
