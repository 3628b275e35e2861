import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/protocol/frame-encode.js';
import { FrameParser, type Frame, type FrameHeader } from '../../src/protocol/frame-parser.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import type { FrameOutput } from '../../src/proxy/pipe.js';
import { StreamWriter } from '../../src/proxy/stream-writer.js';

/** A StreamWriter fed by a parser that streams every frame, as the message pipeline does in cut-through. */
function streamThrough(input: Buffer, masked: boolean, sizes: number[], cuts: number[]) {
  const writes: { bytes: Buffer; frameEnd: boolean; messageEnd: boolean }[] = [];
  const out: FrameOutput = { writeFrames: () => expect.fail('a streamed message writes no whole frames'), writeStream: (bytes, frameEnd, messageEnd) => writes.push({ bytes, frameEnd, messageEnd }) };
  const writer = new StreamWriter(out, sizes);
  const parser = new FrameParser({ expectMasked: masked });
  let header: FrameHeader | null = null;
  const sink = {
    header: (h: FrameHeader) => ((header = h), 'stream' as const),
    frame: (f: Frame) => writer.frame(f),
    begin: (head: Buffer) => writer.begin(header!, head),
    payload: (bytes: Buffer, offset: number) => writer.payload(bytes, offset),
    end: () => writer.end(),
  };
  for (let at = 0, i = 0; at < input.length; i++) {
    const piece = input.subarray(at, at + cuts[i % cuts.length]!);
    parser.feed(piece, sink);
    at += piece.length;
  }
  return { writes, frames: writer.frames };
}

const message = fc.record({
  opcode: fc.constantFrom(Opcode.Text, Opcode.Binary),
  parts: fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(1000, 70_000)), { minLength: 1, maxLength: 4 }),
});

describe('StreamWriter: a message streaming through, as it arrived or re-framed', () => {
  for (const masked of [false, true]) {
    it(`${masked ? 'masked (client→server)' : 'unmasked (server→client)'}: same payload, valid frames, each at most the smallest size`, () => {
      fc.assert(
        fc.property(
          message,
          fc.array(fc.integer({ min: 16, max: 2000 }), { maxLength: 2 }),
          fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 8 }),
          ({ opcode, parts }, sizes, cuts) => {
            const payloads = parts.map((n, i) => {
              const p = Buffer.allocUnsafe(n);
              for (let j = 0; j < n; j++) p[j] = (i + 1 + j) & 0xff;
              return p;
            });
            const input = Buffer.concat(payloads.map((p, i) => encodeFrame(i === 0 ? opcode : Opcode.Continuation, p, masked, i === parts.length - 1)));
            const { writes, frames } = streamThrough(input, masked, sizes, cuts);
            const output = Buffer.concat(writes.map((w) => w.bytes));
            // Parsed as the peer would: masking right for the direction, continuation in place.
            const out = new FrameParser({ expectMasked: masked }).push(output);
            expect(out.length).toBe(frames);
            expect(Buffer.concat(out.map((f) => f.payload)).equals(Buffer.concat(payloads))).toBe(true);
            expect(out.map((f) => f.opcode)).toEqual(out.map((_, i) => (i === 0 ? opcode : Opcode.Continuation)));
            expect(out.map((f) => f.fin)).toEqual(out.map((_, i) => i === out.length - 1));
            if (sizes.length === 0) expect(output.equals(input)).toBe(true);
            else expect(Math.max(...out.map((f) => f.length))).toBeLessThanOrEqual(Math.min(...sizes));
            // The flags say where the output stands: the message ends with the last write only.
            expect(writes.map((w) => w.messageEnd)).toEqual(writes.map((_, i) => i === writes.length - 1));
            expect(writes[writes.length - 1]!.frameEnd).toBe(true);
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('a frame no longer than the size passes as its original bytes (the mask kept)', () => {
    const frame = encodeFrame(Opcode.Binary, Buffer.alloc(100, 7), true);
    const { writes } = streamThrough(frame, true, [100], [frame.length]);
    expect(Buffer.concat(writes.map((w) => w.bytes)).equals(frame)).toBe(true);
  });

  it('re-framing masks every new frame with a fresh key', () => {
    const { writes } = streamThrough(encodeFrame(Opcode.Binary, Buffer.alloc(64, 0), true), true, [16], [7]);
    const keys = new FrameParser({ expectMasked: true }).push(Buffer.concat(writes.map((w) => w.bytes))).map((f) => f.raw.subarray(2, 6).toString('hex'));
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(4);
  });
});
