import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameBytes } from '../../src/protocol/frame-encoder.js';
import { FrameError, FrameParser, type Frame, type FrameParserOptions } from '../../src/protocol/frame-parser.js';
import { MessageAssembler } from '../../src/protocol/message-assembler.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { cuts, frameSequence, referenceEncode, split } from './frame-arbitrary.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const text = (s: string) => Buffer.from(s).toString('hex');
const shape = (f: Frame) => ({ fin: f.fin, rsv: [f.rsv1, f.rsv2, f.rsv3], opcode: f.opcode, masked: f.masked, maskKey: f.maskKey?.toString('hex'), payload: f.payload.toString('hex') });

/** Parses `bytes` whole and byte by byte; both must give the same frames, whose raw bytes re-make the input. */
function parse(bytes: Buffer, options: Partial<FrameParserOptions> = {}): Frame[] {
  const whole = new FrameParser({ expectMasked: false, ...options }).push(bytes);
  const bytewise = new FrameParser({ expectMasked: false, ...options });
  const frames = [...bytes].flatMap((b) => bytewise.push(Buffer.from([b])));
  expect(frames.map(shape)).toEqual(whole.map(shape));
  expect(Buffer.concat(whole.map((f) => f.raw)).equals(bytes)).toBe(true);
  expect(Buffer.concat(frames.map((f) => f.raw)).equals(bytes)).toBe(true);
  return whole;
}

const unmasked = (opcode: number, payload: string, fin = true) => ({ fin, rsv: [false, false, false], opcode, masked: false, maskKey: undefined, payload });

describe('RFC 6455 §5.7 examples', () => {
  it('a single-frame unmasked text message', () => {
    expect(parse(hex('81 05 48 65 6c 6c 6f')).map(shape)).toEqual([unmasked(Opcode.Text, text('Hello'))]);
  });

  it('a single-frame masked text message', () => {
    const [frame] = parse(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), { expectMasked: true });
    expect(shape(frame!)).toEqual({ fin: true, rsv: [false, false, false], opcode: Opcode.Text, masked: true, maskKey: '37fa213d', payload: text('Hello') });
  });

  it('a fragmented unmasked text message', () => {
    expect(parse(hex('01 03 48 65 6c  80 02 6c 6f')).map(shape)).toEqual([unmasked(Opcode.Text, text('Hel'), false), unmasked(Opcode.Continuation, text('lo'))]);
  });

  it('unmasked ping, masked pong', () => {
    expect(parse(hex('89 05 48 65 6c 6c 6f')).map(shape)).toEqual([unmasked(Opcode.Ping, text('Hello'))]);
    const [pong] = parse(hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'), { expectMasked: true });
    expect([pong!.opcode, pong!.payload.toString()]).toEqual([Opcode.Pong, 'Hello']);
  });

  it('256 bytes of binary in one unmasked frame (16-bit length)', () => {
    const body = Buffer.alloc(256, 0xab);
    expect(parse(Buffer.concat([hex('82 7e 01 00'), body])).map(shape)).toEqual([unmasked(Opcode.Binary, body.toString('hex'))]);
  });

  it('64 KiB of binary in one unmasked frame (64-bit length)', () => {
    const body = Buffer.alloc(65536, 0xcd);
    const [frame] = new FrameParser({ expectMasked: false }).push(Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), body]));
    expect(frame!.payload.equals(body)).toBe(true);
  });
});

describe('other frame shapes', () => {
  it.each([
    [125, '7d'],
    [126, '7e 00 7e'],
    [65535, '7e ff ff'],
    [65536, '7f 00 00 00 00 00 01 00 00'],
  ])('%i bytes use the length field %s, masked and unmasked', (n, length) => {
    const body = Buffer.alloc(n, 0x5a);
    const [plain] = new FrameParser({ expectMasked: false }).push(Buffer.concat([hex('82'), hex(length), body]));
    expect(plain!.payload.equals(body)).toBe(true);
    const key = hex('01 02 03 04');
    const maskedHead = hex(length);
    maskedHead[0] = maskedHead[0]! | 0x80;
    const maskedBody = Buffer.from(body.map((b, i) => b ^ key[i % 4]!));
    const [masked] = new FrameParser({ expectMasked: true }).push(Buffer.concat([hex('82'), maskedHead, key, maskedBody]));
    expect(masked!.payload.equals(body)).toBe(true);
    expect(masked!.maskKey!.equals(key)).toBe(true);
  });

  it('fragmented text with a ping between the fragments', () => {
    expect(parse(hex('01 03 48 65 6c  89 05 48 65 6c 6c 6f  80 02 6c 6f')).map(shape)).toEqual([
      unmasked(Opcode.Text, text('Hel'), false),
      unmasked(Opcode.Ping, text('Hello')),
      unmasked(Opcode.Continuation, text('lo')),
    ]);
  });

  it('an empty Close, a Close with code and reason, a masked Close, an empty text frame', () => {
    const frames = parse(Buffer.concat([hex('88 00'), hex('88 05 03 e8'), Buffer.from('bye'), hex('81 00')]));
    expect(frames.map(shape)).toEqual([unmasked(Opcode.Close, ''), unmasked(Opcode.Close, '03e8' + text('bye')), unmasked(Opcode.Text, '')]);
    const [masked] = parse(hex('88 82 00 01 00 00 03 e9'), { expectMasked: true });
    expect(masked!.payload.readUInt16BE(0)).toBe(1000);
  });

  it('RSV bits are reported, not judged, when an extension was negotiated (even on control frames)', () => {
    const frames = parse(hex('c1 01 00  b2 00  89 00  e9 00'), { extensionsNegotiated: true });
    expect(frames.map((f) => [f.rsv1, f.rsv2, f.rsv3, f.rsv])).toEqual([
      [true, false, false, 0x40],
      [false, true, true, 0x30],
      [false, false, false, 0],
      [true, true, false, 0x60],
    ]);
  });

  it('allowedRsv permits only the bits it names', () => {
    expect(new FrameParser({ expectMasked: false, allowedRsv: 0x40 }).push(hex('c1 00'))[0]!.rsv1).toBe(true);
    expect(() => new FrameParser({ expectMasked: false, allowedRsv: 0x40 }).push(hex('a1 00'))).toThrow(expect.objectContaining({ code: 'WS_ERR_UNEXPECTED_RSV' }));
  });

  it('a parser engaged between fragments accepts the rest of the message', () => {
    const parser = new FrameParser({ expectMasked: false, inMessage: true });
    expect(parser.betweenFragments).toBe(true);
    expect(parser.push(hex('00 01 61  80 01 62  81 00')).map((f) => f.opcode)).toEqual([Opcode.Continuation, Opcode.Continuation, Opcode.Text]);
    expect(parser.betweenFragments).toBe(false);
  });

  it('atBoundary is false while any byte of a frame is held', () => {
    const parser = new FrameParser({ expectMasked: false });
    expect(parser.atBoundary).toBe(true);
    parser.push(hex('81'));
    expect(parser.atBoundary).toBe(false);
    parser.push(hex('02 68'));
    expect(parser.atBoundary).toBe(false);
    expect(parser.push(hex('69')).map((f) => f.payload.toString())).toEqual(['hi']);
    expect(parser.atBoundary).toBe(true);
  });
});

describe('zero copy', () => {
  it('a frame that lies in one chunk is a view of it: raw, unmasked payload and mask key share its memory', () => {
    const chunk = hex('81 05 48 65 6c 6c 6f  82 02 00 01');
    const [first, second] = new FrameParser({ expectMasked: false }).push(chunk);
    for (const frame of [first!, second!]) {
      expect(frame.raw.buffer).toBe(chunk.buffer);
      expect(frame.payload.buffer).toBe(chunk.buffer);
    }
    expect(second!.raw.byteOffset).toBe(chunk.byteOffset + 7);
    const masked = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const [m] = new FrameParser({ expectMasked: true }).push(masked);
    expect(m!.raw.buffer).toBe(masked.buffer);
    expect(m!.maskKey!.buffer).toBe(masked.buffer);
    // The unmasked payload is a copy: raw must stay the bytes the peer sent.
    expect(m!.payload.toString()).toBe('Hello');
    expect(m!.raw.equals(masked)).toBe(true);
  });

  it('a frame that spans chunks is joined once into its exact bytes', () => {
    const parser = new FrameParser({ expectMasked: false });
    const a = hex('82 7e 01');
    const b = Buffer.concat([hex('00'), Buffer.alloc(100, 1)]);
    const c = Buffer.concat([Buffer.alloc(156, 1), hex('81 00')]);
    expect(parser.push(a)).toEqual([]);
    expect(parser.push(b)).toEqual([]);
    const [big, small] = parser.push(c);
    expect(big!.raw.equals(Buffer.concat([a, b, c.subarray(0, 156)]))).toBe(true);
    expect(small!.raw.buffer).toBe(c.buffer);
  });
});

describe('protocol violations', () => {
  const cases: [string, Buffer, boolean, string, number][] = [
    ['a reserved data opcode', hex('83 00'), false, 'WS_ERR_INVALID_OPCODE', 1002],
    ['a reserved control opcode', hex('8b 00'), false, 'WS_ERR_INVALID_OPCODE', 1002],
    ['RSV1 without an extension', hex('c1 00'), false, 'WS_ERR_UNEXPECTED_RSV', 1002],
    ['RSV3 on a ping without an extension', hex('99 00'), false, 'WS_ERR_UNEXPECTED_RSV', 1002],
    ['a control frame over 125 bytes', Buffer.concat([hex('89 7e 00 7e'), Buffer.alloc(126)]), false, 'WS_ERR_CONTROL_TOO_LONG', 1002],
    ['a fragmented control frame', hex('09 00'), false, 'WS_ERR_FRAGMENTED_CONTROL', 1002],
    ['a Close with a 1-byte body', hex('88 01 03'), false, 'WS_ERR_INVALID_CLOSE_LENGTH', 1002],
    ['a continuation with nothing to continue', hex('80 00'), false, 'WS_ERR_UNEXPECTED_CONTINUATION', 1002],
    ['a new message before the last one ended', hex('01 00 81 00'), false, 'WS_ERR_EXPECTED_CONTINUATION', 1002],
    ['an unmasked client frame', hex('81 00'), true, 'WS_ERR_MASK_EXPECTED', 1002],
    ['a masked server frame', hex('81 80 00 00 00 00'), false, 'WS_ERR_UNEXPECTED_MASK', 1002],
    ['a 64-bit length beyond 2^53', hex('82 7f 00 20 00 00 00 00 00 00'), false, 'WS_ERR_PAYLOAD_TOO_BIG', 1009],
  ];

  it.each(cases)('%s → %s, close %i (whole and byte by byte)', (_what, bytes, expectMasked, code, closeCode) => {
    for (const pieces of [[bytes], [...bytes].map((b) => Buffer.from([b]))]) {
      const parser = new FrameParser({ expectMasked });
      let error: unknown = null;
      try {
        for (const piece of pieces) parser.push(piece);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FrameError);
      expect(error).toMatchObject({ code, closeCode });
      // The parser stops for good.
      expect(parser.push(expectMasked ? hex('81 80 00 00 00 00') : hex('81 00'))).toEqual([]);
    }
  });

  it('the violation is found from the header alone, before the payload arrives', () => {
    expect(() => new FrameParser({ expectMasked: false }).push(hex('89 7e'))).toThrow(expect.objectContaining({ code: 'WS_ERR_CONTROL_TOO_LONG' }));
  });

  it('frames completed before the violation in the same chunk come with the error', () => {
    try {
      new FrameParser({ expectMasked: false }).push(hex('81 02 68 69  89 00  83 00'));
      expect.unreachable();
    } catch (e) {
      expect((e as FrameError).frames.map((f) => f.opcode)).toEqual([Opcode.Text, Opcode.Ping]);
    }
  });

  it('maxPayload: a frame or a fragmented message over the limit → 1009', () => {
    const limit = { expectMasked: false, maxPayload: 10 };
    expect(new FrameParser(limit).push(Buffer.concat([hex('82 0a'), Buffer.alloc(10)]))).toHaveLength(1);
    expect(() => new FrameParser(limit).push(hex('82 0b'))).toThrow(expect.objectContaining({ code: 'WS_ERR_PAYLOAD_TOO_BIG', closeCode: 1009 }));
    const fragmented = new FrameParser(limit);
    expect(fragmented.push(Buffer.concat([hex('02 06'), Buffer.alloc(6)]))).toHaveLength(1);
    expect(() => fragmented.push(hex('80 05'))).toThrow(expect.objectContaining({ closeCode: 1009 }));
    // The count starts again with the next message.
    const next = new FrameParser(limit);
    next.push(Buffer.concat([hex('02 06'), Buffer.alloc(6), hex('80 04'), Buffer.alloc(4)]));
    expect(next.push(Buffer.concat([hex('82 0a'), Buffer.alloc(10)]))).toHaveLength(1);
  });
});

describe('MessageAssembler', () => {
  it('groups fragments into one message and passes control frames between them at once', () => {
    const frames = new FrameParser({ expectMasked: false }).push(hex('01 03 48 65 6c  89 01 21  00 01 6c  80 01 6f  82 01 ff'));
    const units = new MessageAssembler().push(frames);
    expect(units.map((u) => [u.kind, u.opcode, u.frames.length, u.payload().toString('hex')])).toEqual([
      ['control', Opcode.Ping, 1, '21'],
      ['message', Opcode.Text, 3, text('Hello')],
      ['message', Opcode.Binary, 1, 'ff'],
    ]);
  });

  it('hands on one frame at a time, completing the message at FIN', () => {
    const assembler = new MessageAssembler();
    const [a, b] = new FrameParser({ expectMasked: true }).push(hex('01 81 00 00 00 00 61  80 81 01 01 01 01 63'));
    expect(assembler.add(a!)).toBeNull();
    expect(assembler.pending).toBe(true);
    expect(assembler.add(b!)!.payload().toString()).toBe('ab');
    expect(assembler.pending).toBe(false);
  });

  it('engaged mid-message, the rest goes on fragment by fragment as a tail', () => {
    const frames = new FrameParser({ expectMasked: false, inMessage: true }).push(hex('00 01 61  89 00  80 01 62  81 01 63'));
    expect(new MessageAssembler({ inMessage: true }).push(frames).map((u) => [u.kind, u.payload().toString()])).toEqual([
      ['tail', 'a'],
      ['control', ''],
      ['tail', 'b'],
      ['message', 'c'],
    ]);
  });
});

describe('property: valid frames split at arbitrary byte boundaries', () => {
  const variants = [
    { name: 'unmasked (server→client)', masked: false, rsv: false },
    { name: 'masked (client→server)', masked: true, rsv: false },
    { name: 'with RSV bits and an extension negotiated', masked: true, rsv: true },
  ];
  for (const v of variants) {
    it(`${v.name}: parse back to the same frames and re-encode unchanged to identical bytes`, () => {
      fc.assert(
        fc.property(frameSequence({ masked: v.masked, rsv: v.rsv }), cuts, (specs, lengths) => {
          const stream = Buffer.concat(specs.map(referenceEncode));
          const parser = new FrameParser({ expectMasked: v.masked, extensionsNegotiated: v.rsv });
          const assembler = new MessageAssembler();
          const frames: Frame[] = [];
          const messages: Buffer[] = [];
          for (const piece of split(stream, lengths)) {
            const got = parser.push(piece);
            frames.push(...got);
            for (const unit of assembler.push(got)) if (unit.kind === 'message') messages.push(unit.payload());
          }
          expect(parser.atBoundary).toBe(true);
          expect(parser.betweenFragments).toBe(false);
          expect(frames.length).toBe(specs.length);
          frames.forEach((f, i) => {
            const spec = specs[i]!;
            expect([f.fin, f.rsv, f.opcode, f.masked]).toEqual([spec.fin, spec.rsv, spec.opcode, spec.maskKey !== null]);
            expect(f.maskKey?.equals(spec.maskKey!) ?? spec.maskKey === null).toBe(true);
            expect(f.payload.equals(spec.payload)).toBe(true);
            expect(frameBytes(f, v.masked)).toBe(f.raw);
          });
          expect(Buffer.concat(frames.map((f) => frameBytes(f, v.masked))).equals(stream)).toBe(true);
          // Messages: each data message's fragments joined.
          const expected: Buffer[] = [];
          let current: Buffer[] = [];
          for (const spec of specs) {
            if (spec.opcode >= 8) continue;
            current.push(spec.payload);
            if (spec.fin) expected.push(Buffer.concat(current)), (current = []);
          }
          expect(messages.map((m) => m.toString('hex'))).toEqual(expected.map((m) => m.toString('hex')));
        }),
        { numRuns: 150 },
      );
    });
  }
});
