/**
 * The FrameTracker follows frames without holding data. Headers are read in place when a read
 * holds them whole and gathered byte by byte when split: however the bytes are cut into reads,
 * it must see the same messages, the same control frames (unmasked) and the same boundaries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/protocol/frame-encode.js';
import { FrameTracker } from '../../src/protocol/frame-tracker.js';

const frameArb = fc.record({
  opcode: fc.constantFrom(0x1, 0x2, 0x9, 0xa, 0x8),
  length: fc.oneof(fc.integer({ min: 0, max: 130 }), fc.constantFrom(125, 126, 65535, 65536, 70000)),
  masked: fc.boolean(),
  fin: fc.boolean(),
  fill: fc.integer({ min: 0, max: 255 }),
});

function observe(frames: { opcode: number; length: number; masked: boolean; fin: boolean; fill: number }[], cuts: number[]) {
  // Control frames are never fragmented and carry at most 125 bytes (RFC 6455 §5.5).
  const wire = Buffer.concat(
    frames.map((f) => {
      const control = f.opcode >= 0x8;
      const payload = Buffer.alloc(control ? Math.min(f.length, 125) : f.length, f.fill);
      if (control && payload.length >= 2 && f.opcode === 0x8) payload.writeUInt16BE(1000 + (f.fill % 10), 0);
      return encodeFrame(f.opcode, payload, f.masked, control ? true : f.fin);
    }),
  );
  const tracker = new FrameTracker();
  const controls: string[] = [];
  const boundaries: number[] = [];
  tracker.onMessage = () => boundaries.push(tracker.messages);
  tracker.onControl = (frame) => controls.push(`${frame.opcode}:${frame.payload.toString('hex')}`);
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (wire.length + 1)).sort((a, b) => a - b), wire.length]) {
    if (cut < at) continue;
    const chunk = wire.subarray(at, cut);
    // Mid-frame, feed up to the frame's end first, as Pipe does when it waits for a boundary.
    const first = tracker.atBoundary ? 0 : tracker.feed(chunk, true);
    if (first < chunk.length) expect(tracker.atBoundary).toBe(true);
    tracker.feed(chunk, false, first);
    at = cut;
  }
  return { messages: tracker.messages, controls, boundaries, atBoundary: tracker.atBoundary, inMessage: tracker.inMessage };
}

describe('FrameTracker', () => {
  it('sees the same frames however the bytes are cut into reads', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, cuts) => {
        const whole = observe(frames, []);
        expect(observe(frames, cuts)).toEqual(whole);
        // Every byte cut apart: every header split across reads.
        const bytewise = observe(frames, Array.from({ length: 400 }, (_, i) => i));
        expect(bytewise).toEqual(whole);
        expect(whole.atBoundary).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('unmasks control payloads and counts messages (fragments make one)', () => {
    const key = [encodeFrame(0x1, Buffer.from('ab'), true, false), encodeFrame(0x9, Buffer.from('ping!'), true), encodeFrame(0x0, Buffer.from('c'), true, true)];
    const tracker = new FrameTracker();
    const seen: string[] = [];
    tracker.onControl = (f) => seen.push(f.payload.toString());
    for (const frame of key) for (const byte of frame) tracker.feed(Buffer.from([byte]));
    expect(seen).toEqual(['ping!']);
    expect(tracker.messages).toBe(1);
    expect(tracker.atBoundary).toBe(true);
  });
});
