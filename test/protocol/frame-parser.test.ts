import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/protocol/frame-encode.js';
import { FrameError, FrameParser, type Frame, type FrameSink } from '../../src/protocol/frame-parser.js';
import { FrameViolations } from '../../src/protocol/frame-violations.js';
import { FrameTracker } from '../../src/protocol/frame-tracker.js';
import { Opcode } from '../../src/protocol/opcodes.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const parse = (bytes: Buffer, expectMasked = false) => new FrameParser({ expectMasked }).push(bytes);
const shape = (f: Frame) => ({ fin: f.fin, opcode: f.opcode, masked: f.masked, payload: f.payload.toString('hex') });

describe('RFC 6455 §5.7 examples and other frame shapes', () => {
  it('a single-frame unmasked text message', () => {
    const [frame] = parse(hex('81 05 48 65 6c 6c 6f'));
    expect(shape(frame!)).toEqual({ fin: true, opcode: Opcode.Text, masked: false, payload: Buffer.from('Hello').toString('hex') });
  });

  it('a single-frame masked text message', () => {
    const [frame] = parse(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), true);
    expect(frame!.payload.toString()).toBe('Hello');
    expect(frame!.raw.equals(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'))).toBe(true);
  });

  it('a fragmented unmasked text message, with a ping between the fragments', () => {
    const frames = parse(hex('01 03 48 65 6c  89 05 48 65 6c 6c 6f  80 02 6c 6f'));
    expect(frames.map(shape)).toEqual([
      { fin: false, opcode: Opcode.Text, masked: false, payload: Buffer.from('Hel').toString('hex') },
      { fin: true, opcode: Opcode.Ping, masked: false, payload: Buffer.from('Hello').toString('hex') },
      { fin: true, opcode: Opcode.Continuation, masked: false, payload: Buffer.from('lo').toString('hex') },
    ]);
  });

  it('unmasked ping and pong', () => {
    expect(parse(hex('89 05 48 65 6c 6c 6f 8a 05 48 65 6c 6c 6f')).map((f) => f.opcode)).toEqual([Opcode.Ping, Opcode.Pong]);
  });

  it('256 bytes of binary (16-bit length) and 64 KiB (64-bit length)', () => {
    const [a] = parse(Buffer.concat([hex('82 7e 01 00'), Buffer.alloc(256, 1)]));
    expect(a!.payload.length).toBe(256);
    const [b] = parse(Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), Buffer.alloc(65536, 2)]));
    expect(b!.payload.length).toBe(65536);
  });

  it('an empty Close and a Close with code and reason', () => {
    const [empty, withReason] = parse(Buffer.concat([hex('88 00'), hex('88 08 03 e8'), Buffer.from('bye!!!')]));
    expect(empty!.payload.length).toBe(0);
    expect(withReason!.payload.readUInt16BE(0)).toBe(1000);
    expect(withReason!.payload.toString('utf8', 2)).toBe('bye!!!');
  });

  it('an unchanged frame that lies in one chunk is a view of it, not a copy', () => {
    const chunk = hex('81 05 48 65 6c 6c 6f 82 01 00');
    const [first] = parse(chunk);
    expect(first!.raw.buffer).toBe(chunk.buffer);
  });
});

describe('protocol violations', () => {
  it.each([
    ['a reserved opcode', hex('83 00'), false, 'WSFAULT_FRAME_RESERVED_OPCODE', 1002],
    ['RSV1 without an extension', hex('c1 00'), false, 'WSFAULT_FRAME_UNEXPECTED_RSV', 1002],
    ['a control frame over 125 bytes', Buffer.concat([hex('89 7e 00 7e'), Buffer.alloc(126)]), false, 'WSFAULT_FRAME_CONTROL_TOO_LONG', 1002],
    ['a fragmented control frame', hex('09 00'), false, 'WSFAULT_FRAME_FRAGMENTED_CONTROL', 1002],
    ['a continuation with nothing to continue', hex('80 00'), false, 'WSFAULT_FRAME_UNEXPECTED_CONTINUATION', 1002],
    ['a new message before the last one ended', hex('01 00 81 00'), false, 'WSFAULT_FRAME_MISSING_CONTINUATION', 1002],
    ['an unmasked client frame', hex('81 00'), true, 'WSFAULT_FRAME_EXPECTED_MASK', 1002],
    ['a masked server frame', hex('81 80 00 00 00 00'), false, 'WSFAULT_FRAME_UNEXPECTED_MASK', 1002],
  ])('%s → %s, close %i', (_what, bytes, expectMasked, code, closeCode) => {
    const parser = new FrameParser({ expectMasked });
    let error: FrameError | null = null;
    try {
      parser.push(bytes);
    } catch (e) {
      error = e as FrameError;
    }
    expect(error).toBeInstanceOf(FrameError);
    expect(error).toMatchObject({ code, closeCode });
    expect(parser.push(hex('81 00'))).toEqual([]); // it stays stopped
  });

  it('a payload over maxPayload → 1009', () => {
    expect(() => new FrameParser({ expectMasked: false, maxPayload: 10 }).push(hex('82 0b'))).toThrow(expect.objectContaining({ closeCode: 1009 }));
  });

  it('oversized payloads are WSFAULT_FRAME_TOO_LARGE; every code is in the catalogue, none is ws\'s WS_ERR_*', () => {
    expect(() => new FrameParser({ expectMasked: false, maxPayload: 10 }).push(hex('82 0b'))).toThrow(expect.objectContaining({ code: 'WSFAULT_FRAME_TOO_LARGE' }));
    expect(() => new FrameParser({ expectMasked: false }).push(hex('82 7f 00 40 00 00 00 00 00 00'))).toThrow(expect.objectContaining({ code: 'WSFAULT_FRAME_TOO_LARGE', closeCode: 1009 }));
    for (const code of Object.keys(FrameViolations)) expect(code).toMatch(/^WSFAULT_FRAME_[A-Z_]+$/);
  });
});

/** Any sequence of valid frames: data messages (maybe fragmented) with control frames in between. */
const frameSequence = (masked: boolean) =>
  fc
    .array(
      fc.oneof(
        fc.record({
          kind: fc.constant('message' as const),
          opcode: fc.constantFrom(Opcode.Text, Opcode.Binary),
          parts: fc.array(fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constantFrom(125, 126, 65535, 65536, 70_000)), { minLength: 1, maxLength: 3 }),
          control: fc.option(fc.constantFrom(Opcode.Ping, Opcode.Pong), { nil: undefined }),
        }),
        fc.record({ kind: fc.constant('control' as const), opcode: fc.constantFrom(Opcode.Ping, Opcode.Pong, Opcode.Close), size: fc.integer({ min: 0, max: 125 }) }),
      ),
      { maxLength: 8 },
    )
    .map((items) => {
      const frames: Buffer[] = [];
      for (const item of items) {
        if (item.kind === 'control') {
          frames.push(encodeFrame(item.opcode, Buffer.alloc(item.size, 7), masked));
          continue;
        }
        item.parts.forEach((size, i) => {
          frames.push(encodeFrame(i === 0 ? item.opcode : Opcode.Continuation, Buffer.alloc(size, i + 1), masked, i === item.parts.length - 1));
          if (i === 0 && item.control !== undefined && item.parts.length > 1) frames.push(encodeFrame(item.control, Buffer.from('hb'), masked));
        });
      }
      return frames;
    });

describe('property: frames split at arbitrary boundaries parse back to the same frames', () => {
  for (const masked of [false, true]) {
    it(`${masked ? 'masked (client→server)' : 'unmasked (server→client)'} frames`, () => {
      fc.assert(
        fc.property(frameSequence(masked), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }), (frames, cuts) => {
          const stream = Buffer.concat(frames);
          const parser = new FrameParser({ expectMasked: masked });
          const tracker = new FrameTracker();
          const parsed: Frame[] = [];
          let at = 0;
          let i = 0;
          while (at < stream.length) {
            const piece = stream.subarray(at, at + cuts[i++ % cuts.length]!);
            parsed.push(...parser.push(piece));
            expect(tracker.feed(piece)).toBe(piece.length);
            at += piece.length;
          }
          // Same frames, and their raw bytes re-assemble the stream exactly.
          expect(parsed.map((f) => f.raw.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
          expect(parser.atBoundary).toBe(true);
          expect(tracker.atBoundary).toBe(true);
          const dataEnds = parsed.filter((f) => f.fin && f.opcode < 8).length;
          expect(tracker.messages).toBe(dataEnds);
        }),
        { numRuns: 300 },
      );
    });
  }
});

/** A text frame of 200 bytes: its length takes the 16-bit form, so its header is 4 bytes (8 masked). */
function splitHeaderFrame(masked: boolean): Buffer {
  const head = masked ? [0x81, 0xfe, 0x00, 200, 1, 2, 3, 4] : [0x81, 0x7e, 0x00, 200];
  return Buffer.concat([Buffer.from(head), Buffer.alloc(200, 0x61)]);
}

describe('property: feed hands out whole frames or streamed pieces, as the sink chooses', () => {
  for (const masked of [false, true]) {
    it(`${masked ? 'masked' : 'unmasked'}: the bytes delivered re-assemble every frame; streamed pieces are views, never copies`, () => {
      fc.assert(
        fc.property(frameSequence(masked), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }), (frames, cuts, choices) => {
          const stream = Buffer.concat(frames);
          const parser = new FrameParser({ expectMasked: masked });
          const delivered: Buffer[] = [];
          let open: Buffer[] | null = null;
          let openBytes = 0;
          let n = 0;
          // Checked per piece without expect() (cheap: pieces can be single bytes), asserted after.
          const wrong: string[] = [];
          const sink: FrameSink = {
            header: (h) => {
              if (open || h.masked !== masked) wrong.push('header inside a streamed frame, or masking');
              return choices[n++ % choices.length] ? 'stream' : 'whole';
            },
            frame: (f) => {
              if (open) wrong.push('a whole frame inside a streamed one');
              delivered.push(f.raw);
            },
            begin: (head) => {
              open = [head];
              openBytes = 0;
            },
            payload: (bytes, offset) => {
              if (bytes.length === 0 || offset !== openBytes) wrong.push(`piece at ${offset}, expected ${openBytes}`);
              if (bytes.buffer !== stream.buffer) wrong.push('a copied piece'); // views of what was read
              openBytes += bytes.length;
              open!.push(bytes);
            },
            end: () => {
              delivered.push(Buffer.concat(open!));
              open = null;
            },
          };
          let at = 0;
          let i = 0;
          while (at < stream.length) {
            const piece = stream.subarray(at, at + cuts[i++ % cuts.length]!);
            parser.feed(piece, sink);
            at += piece.length;
          }
          expect(wrong).toEqual([]);
          expect(delivered.map((f) => f.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
          expect(open).toBeNull();
          expect(parser.atBoundary).toBe(true);
        }),
        { numRuns: 200 },
      );
    });
  }

  for (const masked of [false, true]) {
    it(`${masked ? 'masked' : 'unmasked'}: passing frames come out as they went in, one view per chunk at most, with their ends marked`, () => {
      fc.assert(
        fc.property(frameSequence(masked), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }), fc.array(fc.constantFrom('whole', 'stream', 'pass'), { minLength: 1, maxLength: 16 }), (frames, cuts, choices) => {
          const stream = Buffer.concat(frames);
          const parser = new FrameParser({ expectMasked: masked });
          const out: Buffer[] = [];
          const wrong: string[] = [];
          let n = 0;
          let mode: string | null = null;
          let fin = false;
          let control = false;
          let passes = 0;
          let lastPass: { frameEnd: boolean; messageEnd: boolean } | null = null;
          const sink: FrameSink = {
            header: (h) => {
              mode = h.opcode >= 8 ? 'whole' : choices[n++ % choices.length]!;
              fin = h.fin;
              control = h.opcode >= 8;
              return mode as 'whole' | 'stream' | 'pass';
            },
            frame: (f) => out.push(f.raw),
            begin: (head) => out.push(head),
            payload: (bytes) => out.push(bytes),
            pass: (bytes, frameEnd, messageEnd) => {
              if (bytes.buffer !== stream.buffer) wrong.push('a copied pass');
              passes++;
              lastPass = { frameEnd, messageEnd };
              out.push(bytes);
            },
            end: () => {
              // A passing frame's end comes before its last bytes are handed out (they may join the next frame's).
              if (mode === 'pass') lastPass = null;
            },
          };
          let at = 0;
          let i = 0;
          // Chunks fed since the last pass: held (a header split across them), each passes on as a view of its own once the header is whole.
          let held = 0;
          while (at < stream.length) {
            const piece = stream.subarray(at, at + cuts[i++ % cuts.length]!);
            const before = passes;
            parser.feed(piece, sink);
            if (passes - before > frames.length + 1 + held) wrong.push('more pass calls than frames in a chunk, and chunks held before it');
            held = passes === before ? held + 1 : 0;
            at += piece.length;
          }
          expect(wrong).toEqual([]);
          expect(Buffer.concat(out).equals(stream)).toBe(true);
          expect(parser.atBoundary).toBe(true);
          // The last frame passing: its last bytes said they end the frame (and the message, with FIN).
          if (mode === 'pass' && lastPass !== null) expect(lastPass).toEqual({ frameEnd: true, messageEnd: fin && !control });
        }),
        // Always tried: a header fed one byte at a time (held over four chunks, then passed as four views).
        { numRuns: 200, examples: [[[splitHeaderFrame(masked)], [1], ['pass']]] },
      );
    });
  }

  it('consecutive passing frames in one chunk are one view of it; a violation after them still hands them out first', () => {
    const parser = new FrameParser({ expectMasked: false });
    const passed: [number, boolean, boolean][] = [];
    const ends: number[] = [];
    const sink: FrameSink = {
      header: () => 'pass',
      frame: () => {},
      begin: () => {},
      payload: () => {},
      pass: (bytes, frameEnd, messageEnd) => passed.push([bytes.length, frameEnd, messageEnd]),
      end: () => ends.push(passed.length),
    };
    const three = Buffer.concat([encodeFrame(Opcode.Binary, Buffer.alloc(300), false, false), encodeFrame(Opcode.Continuation, Buffer.alloc(10), false), encodeFrame(Opcode.Text, Buffer.alloc(5), false)]);
    parser.feed(three.subarray(0, 100), sink);
    expect(passed).toEqual([[100, false, false]]);
    parser.feed(three.subarray(100), sink);
    // The rest of the first frame and the two after it: one view, ending a frame and a message.
    expect(passed).toEqual([[100, false, false], [three.length - 100, true, true]]);
    expect(ends).toEqual([1, 1, 1]);
    expect(() => parser.feed(Buffer.concat([encodeFrame(Opcode.Binary, Buffer.alloc(20), false), Buffer.from([0x83, 0x00])]), sink)).toThrow(expect.objectContaining({ code: 'WSFAULT_FRAME_RESERVED_OPCODE' }));
    expect(passed.at(-1)).toEqual([22, true, true]);
  });

  it('a violation in a later header still throws after a streamed frame was handed out', () => {
    const parser = new FrameParser({ expectMasked: false });
    const pieces: number[] = [];
    const sink: FrameSink = { header: () => 'stream', frame: () => {}, begin: () => {}, payload: (b) => pieces.push(b.length), end: () => {} };
    parser.feed(Buffer.concat([hex('82 7e 10 00'), Buffer.alloc(100)]), sink);
    parser.feed(Buffer.alloc(4096 - 100), sink);
    expect(pieces).toEqual([100, 3996]);
    expect(() => parser.feed(hex('83 00'), sink)).toThrow(expect.objectContaining({ code: 'WSFAULT_FRAME_RESERVED_OPCODE' }));
  });
});
