import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameTracker, readClose, type ControlFrame } from '../../src/protocol/frame-tracker.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { cuts, frameSequence, referenceEncode, split, type FrameSpec } from './frame-arbitrary.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function watch(tracker: FrameTracker): { controls: ControlFrame[]; messages: number } {
  const seen = { controls: [] as ControlFrame[], messages: 0 };
  tracker.onControl = (frame) => seen.controls.push(frame);
  tracker.onMessage = () => seen.messages++;
  return seen;
}

/** What the tracker should see in `specs`: data messages completed, control frames in order. */
function expected(specs: FrameSpec[]) {
  return {
    messages: specs.filter((s) => s.opcode < 8 && s.fin).length,
    controls: specs.filter((s) => s.opcode >= 8).map((s) => ({ opcode: s.opcode, payload: s.payload.toString('hex') })),
    closeCodes: specs.filter((s) => s.opcode === Opcode.Close).map((s) => readClose(s.payload).code),
  };
}

describe('FrameTracker fixtures', () => {
  it('counts a fragmented message once, at its final frame, and sees the ping between its fragments', () => {
    const tracker = new FrameTracker();
    const seen = watch(tracker);
    tracker.feed(hex('01 03 48 65 6c  89 05 48 65 6c 6c 6f'));
    expect([tracker.messages, tracker.inMessage, tracker.atBoundary]).toEqual([0, true, true]);
    tracker.feed(hex('80 02 6c 6f'));
    expect([tracker.messages, tracker.inMessage, seen.messages]).toEqual([1, false, 1]);
    expect(seen.controls.map((c) => [c.opcode, c.payload.toString()])).toEqual([[Opcode.Ping, 'Hello']]);
  });

  it('reads Close codes: empty (1005), with a reason, masked', () => {
    const tracker = new FrameTracker();
    const seen = watch(tracker);
    tracker.feed(Buffer.concat([hex('88 00  88 05 03 f4'), Buffer.from('bye'), hex('88 82 00 01 00 00 03 e9')]));
    expect(seen.controls.map((c) => readClose(c.payload))).toEqual([
      { code: 1005, reason: '' },
      { code: 1012, reason: 'bye' },
      { code: 1000, reason: '' },
    ]);
  });

  it('skips 16- and 64-bit payloads by count', () => {
    const tracker = new FrameTracker();
    tracker.feed(Buffer.concat([hex('82 7e 01 00'), Buffer.alloc(256), hex('82 7f 00 00 00 00 00 01 00 00'), Buffer.alloc(65536), hex('81 00')]));
    expect([tracker.messages, tracker.atBoundary]).toEqual([3, true]);
  });

  it('a length beyond 2^53 loses the structure; from then on it only counts bytes', () => {
    const tracker = new FrameTracker();
    expect(tracker.feed(hex('82 7f 00 20 00 00 00 00 00 00 01 02'))).toBe(12);
    expect(tracker.lost).toBe(true);
  });

  it('feed(chunk, true) returns 0 at a boundary and the rest of the frame in progress otherwise', () => {
    const tracker = new FrameTracker();
    const stream = hex('81 02 68 69  82 01 ff');
    expect(tracker.feed(stream, true)).toBe(0);
    expect(tracker.feed(stream.subarray(0, 3))).toBe(3);
    expect(tracker.feed(stream.subarray(3), true)).toBe(1);
    expect(tracker.atBoundary).toBe(true);
    expect(tracker.feed(stream, false, 4)).toBe(3);
    expect(tracker.messages).toBe(2);
  });
});

describe('property: FrameTracker at arbitrary split points (the parser property generator)', () => {
  for (const masked of [false, true]) {
    it(`${masked ? 'masked' : 'unmasked'}: the same messages and control frames (Close codes) as the frames`, () => {
      fc.assert(
        fc.property(frameSequence({ masked, rsv: true }), cuts, (specs, lengths) => {
          const tracker = new FrameTracker();
          const seen = watch(tracker);
          for (const piece of split(Buffer.concat(specs.map(referenceEncode)), lengths)) expect(tracker.feed(piece)).toBe(piece.length);
          const want = expected(specs);
          expect([tracker.messages, seen.messages]).toEqual([want.messages, want.messages]);
          expect(seen.controls.map((c) => ({ opcode: c.opcode, payload: c.payload.toString('hex') }))).toEqual(want.controls);
          expect(seen.controls.filter((c) => c.opcode === Opcode.Close).map((c) => readClose(c.payload).code)).toEqual(want.closeCodes);
          expect([tracker.atBoundary, tracker.inMessage, tracker.lost]).toEqual([true, false, false]);
        }),
        { numRuns: 150 },
      );
    });

    it(`${masked ? 'masked' : 'unmasked'}: feed(chunk, true) stops exactly at the end of the frame in progress`, () => {
      fc.assert(
        fc.property(frameSequence({ masked }), cuts, (specs, lengths) => {
          const frames = specs.map(referenceEncode);
          const boundaries = new Set<number>([0]);
          let total = 0;
          for (const f of frames) boundaries.add((total += f.length));
          const nextBoundary = (at: number) => {
            let b = at + 1;
            while (!boundaries.has(b)) b++;
            return b;
          };
          const tracker = new FrameTracker();
          let at = 0;
          for (const piece of split(Buffer.concat(frames), lengths)) {
            const end = at + piece.length;
            const upTo = tracker.feed(piece, true);
            expect(upTo).toBe(boundaries.has(at) ? 0 : Math.min(nextBoundary(at), end) - at);
            expect(tracker.atBoundary).toBe(boundaries.has(at + upTo));
            // The pipe goes on from there with the same chunk.
            expect(tracker.feed(piece, false, upTo)).toBe(piece.length - upTo);
            expect(tracker.atBoundary).toBe(boundaries.has(end));
            at = end;
          }
          expect(tracker.messages).toBe(expected(specs).messages);
        }),
        { numRuns: 150 },
      );
    });
  }
});
