import fc from 'fast-check';
import { Opcode } from '../../src/protocol/opcodes.js';

/** What a generated frame should parse back to. */
export interface FrameSpec {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
  maskKey: Buffer | null;
}

/** A reference encoder, written from RFC 6455 §5.2 alone, with the mask key given (deterministic). */
export function referenceEncode(spec: FrameSpec): Buffer {
  const n = spec.payload.length;
  const lengthBytes = n < 126 ? [n] : n < 65536 ? [126, n >> 8, n & 0xff] : [127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  const head = Buffer.from([(spec.fin ? 0x80 : 0) | spec.rsv | spec.opcode, ...lengthBytes, ...(spec.maskKey ?? [])]);
  if (spec.maskKey) head[1] = head[1]! | 0x80;
  const body = Buffer.from(spec.payload);
  if (spec.maskKey) for (let i = 0; i < n; i++) body[i] = body[i]! ^ spec.maskKey[i % 4]!;
  return Buffer.concat([head, body]);
}

/** Deterministic bytes, so a 70 000-byte payload costs one integer to generate and shrink. */
function bytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Payload sizes: mostly small, often on the 7/16/64-bit length boundaries, sometimes large. */
const size = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 300 }) },
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 124, 125, 126, 127, 65535, 65536) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }) },
);
const payload = (arbSize: fc.Arbitrary<number>) => fc.tuple(arbSize, fc.integer()).map(([n, seed]) => bytes(n, seed));
const closeCodes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];

/** A control frame: ping/pong with ≤ 125 bytes, or a Close that is empty or has a code and reason. */
const control = fc.oneof(
  fc.record({ opcode: fc.constantFrom(Opcode.Ping, Opcode.Pong), payload: payload(fc.integer({ min: 0, max: 125 })) }),
  fc.record({ opcode: fc.constant(Opcode.Close), payload: fc.constant(Buffer.alloc(0)) }),
  fc.record({
    opcode: fc.constant(Opcode.Close),
    payload: fc.tuple(fc.constantFrom(...closeCodes), fc.string({ maxLength: 30 })).map(([code, reason]) => {
      const text = Buffer.from(reason, 'utf8').subarray(0, 123);
      const out = Buffer.alloc(2 + text.length);
      out.writeUInt16BE(code, 0);
      text.copy(out, 2);
      return out;
    }),
  }),
);

/**
 * Any sequence of valid frames: data messages of 1–4 fragments (text or binary first, then
 * continuations, FIN on the last) with control frames between fragments, and control frames
 * between messages. Masked with a generated key when `masked`; RSV bits only with `rsv`.
 */
export function frameSequence(options: { masked: boolean; rsv?: boolean; maxItems?: number }): fc.Arbitrary<FrameSpec[]> {
  const rsvBits = options.rsv ? fc.constantFrom(0, 0x40, 0x20, 0x10, 0x70) : fc.constant(0);
  const fragmentArb = fc.record({ payload: payload(size), rsv: rsvBits, between: fc.array(control, { maxLength: 2 }) });
  const message = fc.record({ kind: fc.constant('message' as const), opcode: fc.constantFrom(Opcode.Text, Opcode.Binary), fragments: fc.array(fragmentArb, { minLength: 1, maxLength: 4 }) });
  const lone = fc.record({ kind: fc.constant('control' as const), frame: control });
  const key = options.masked ? fc.uint8Array({ minLength: 4, maxLength: 4 }).map((k) => Buffer.from(k)) : fc.constant(null);
  return fc
    .tuple(fc.array(fc.oneof(message, lone), { maxLength: options.maxItems ?? 8 }), fc.array(key, { minLength: 1, maxLength: 5 }))
    .map(([items, keys]) => {
      const specs: FrameSpec[] = [];
      const push = (fin: boolean, rsv: number, opcode: number, body: Buffer) => specs.push({ fin, rsv, opcode, payload: body, maskKey: keys[specs.length % keys.length]! });
      for (const item of items) {
        if (item.kind === 'control') {
          push(true, 0, item.frame.opcode, item.frame.payload);
          continue;
        }
        item.fragments.forEach((f, i) => {
          const last = i === item.fragments.length - 1;
          push(last, f.rsv, i === 0 ? item.opcode : Opcode.Continuation, f.payload);
          if (!last) for (const c of f.between) push(true, 0, c.opcode, c.payload);
        });
      }
      return specs;
    });
}

/** Piece lengths to cut a stream at: often a byte or a few (headers split), sometimes large. */
export const cuts = fc.array(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 80_000 })), { minLength: 1, maxLength: 30 });

/** Cuts `stream` into pieces of the given lengths, cycling; each piece is a fresh copy (as sockets give). */
export function split(stream: Buffer, lengths: number[]): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0, i = 0; at < stream.length; i++) {
    const piece = Buffer.from(stream.subarray(at, at + lengths[i % lengths.length]!));
    pieces.push(piece);
    at += piece.length;
  }
  return pieces;
}
