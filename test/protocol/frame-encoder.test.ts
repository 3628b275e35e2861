import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeClose, encodeFrame, encodeMessage, fragment, frameBytes, framesBytes, type OutFrame } from '../../src/protocol/frame-encoder.js';
import { FrameParser, type Frame } from '../../src/protocol/frame-parser.js';
import { MessageAssembler } from '../../src/protocol/message-assembler.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { cuts, frameSequence, referenceEncode, split } from './frame-arbitrary.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const parseOne = (bytes: Buffer, expectMasked: boolean, extensionsNegotiated = false): Frame => {
  const frames = new FrameParser({ expectMasked, extensionsNegotiated }).push(bytes);
  expect(frames).toHaveLength(1);
  return frames[0]!;
};
const clientHello = () => parseOne(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), true);
const serverHello = () => parseOne(hex('81 05 48 65 6c 6c 6f'), false);

describe('frameBytes', () => {
  it('an unchanged frame is its original bytes, the same Buffer', () => {
    for (const [frame, masked] of [[clientHello(), true], [serverHello(), false]] as const) {
      expect(frameBytes(frame, masked)).toBe(frame.raw);
    }
  });

  it('setting a field to the value it already has leaves the frame unchanged', () => {
    const frame = clientHello();
    frame.fin = true;
    frame.rsv1 = false;
    frame.opcode = Opcode.Text;
    expect(frameBytes(frame, true)).toBe(frame.raw);
  });

  it('a changed client→server frame is re-masked with a fresh key', () => {
    const frame = clientHello();
    frame.payload = Buffer.from('Howdy');
    const a = frameBytes(frame, true);
    const b = frameBytes(frame, true);
    const [pa, pb] = [parseOne(a, true), parseOne(b, true)];
    expect(pa.payload.toString()).toBe('Howdy');
    expect(pb.payload.toString()).toBe('Howdy');
    // Fresh crypto-random keys: equal by chance once in 2^32.
    expect(pa.maskKey!.equals(frame.maskKey!) && pb.maskKey!.equals(pa.maskKey!)).toBe(false);
    expect(a.equals(b)).toBe(false);
    // The original bytes are untouched.
    expect(frame.raw.equals(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'))).toBe(true);
  });

  it('a changed server→client frame goes out unmasked', () => {
    const frame = serverHello();
    frame.payload = Buffer.alloc(300, 7);
    const out = frameBytes(frame, false);
    expect(out.subarray(0, 4).equals(hex('81 7e 01 2c'))).toBe(true);
    expect(parseOne(out, false).payload.equals(Buffer.alloc(300, 7))).toBe(true);
  });

  it.each([
    ['fin', (f: Frame) => (f.fin = false), '01 05'],
    ['opcode', (f: Frame) => (f.opcode = Opcode.Binary), '82 05'],
    ['rsv1', (f: Frame) => (f.rsv1 = true), 'c1 05'],
    ['rsv2', (f: Frame) => (f.rsv2 = true), 'a1 05'],
    ['rsv3', (f: Frame) => (f.rsv3 = true), '91 05'],
  ])('a changed %s is re-encoded, the rest kept', (_field, change, head) => {
    const frame = serverHello();
    change(frame);
    expect(frameBytes(frame, false).equals(Buffer.concat([hex(head), Buffer.from('Hello')]))).toBe(true);
  });

  it('RSV bits survive a payload change', () => {
    const frame = parseOne(hex('c1 01 00'), false, true);
    frame.payload = Buffer.from('x');
    expect(frameBytes(frame, false).equals(hex('c1 01 78'))).toBe(true);
  });

  it('frames a fault built: raw, when given, is sent as is; without it they are encoded', () => {
    const prebuilt: OutFrame = { fin: true, rsv: 0, opcode: Opcode.Text, payload: Buffer.from('a'), raw: hex('81 81 00 00 00 00 61') };
    expect(frameBytes(prebuilt, false)).toBe(prebuilt.raw);
    expect(framesBytes([{ ...prebuilt, raw: null }, { fin: true, rsv: 0, opcode: Opcode.Ping, payload: Buffer.alloc(0) }], false).equals(hex('81 01 61 89 00'))).toBe(true);
  });

  it('an opcode wider than 4 bits is refused rather than spilling into the RSV bits', () => {
    const frame = serverHello();
    frame.opcode = 0x11;
    expect(() => frameBytes(frame, false)).toThrow(RangeError);
  });
});

describe('fragment', () => {
  const message = (payload: Buffer, opcode: number = Opcode.Binary) => ({ opcode, payload: () => payload });

  it('1 000 bytes in 10-byte fragments: opcode first, continuations after, FIN on the last only', () => {
    const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
    const frames = fragment(message(payload, Opcode.Text), 10);
    expect(frames).toHaveLength(100);
    expect(frames.map((f) => f.opcode)).toEqual([Opcode.Text, ...Array(99).fill(Opcode.Continuation)]);
    expect(frames.map((f) => f.fin)).toEqual([...Array(99).fill(false), true]);
    for (const masked of [true, false]) {
      const parsed = new FrameParser({ expectMasked: masked }).push(framesBytes(frames, masked));
      const [unit] = new MessageAssembler().push(parsed);
      expect(unit!.payload().equals(payload)).toBe(true);
    }
  });

  it('the last fragment holds the remainder; an empty message is one empty frame', () => {
    expect(fragment(message(Buffer.alloc(25)), 10).map((f) => f.payload.length)).toEqual([10, 10, 5]);
    expect(fragment(message(Buffer.alloc(10)), 10).map((f) => f.payload.length)).toEqual([10]);
    expect(fragment(message(Buffer.alloc(0)), 10).map((f) => [f.fin, f.payload.length])).toEqual([[true, 0]]);
  });

  it('RSV bits of the message (permessage-deflate) stay on the first frame only', () => {
    const frames = fragment({ ...message(Buffer.alloc(5)), frames: [{ rsv: 0x40 }] }, 2);
    expect(frames.map((f) => f.rsv)).toEqual([0x40, 0, 0]);
  });

  it('control frames are never fragmented; the size must be a positive integer', () => {
    for (const opcode of [Opcode.Ping, Opcode.Pong, Opcode.Close, Opcode.Continuation]) expect(() => fragment(message(Buffer.alloc(4), opcode), 1)).toThrow(RangeError);
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => fragment(message(Buffer.alloc(4)), size)).toThrow(RangeError);
  });

  it('property: any message, any size, either direction, parses back to the same message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 4000 }), fc.boolean(), fc.constantFrom(Opcode.Text, Opcode.Binary), (bytes, size, masked, opcode) => {
        const payload = Buffer.from(bytes);
        const frames = fragment(message(payload, opcode), size);
        expect(frames).toHaveLength(Math.max(1, Math.ceil(payload.length / size)));
        const units = new MessageAssembler().push(new FrameParser({ expectMasked: masked }).push(framesBytes(frames, masked)));
        expect(units).toHaveLength(1);
        expect([units[0]!.opcode, units[0]!.payload().equals(payload)]).toEqual([opcode, true]);
      }),
    );
  });
});

describe('encodeMessage', () => {
  it('one frame, masked or not, RSV1 on request', () => {
    expect(encodeMessage(Opcode.Text, Buffer.from('Hello'), false).equals(hex('81 05 48 65 6c 6c 6f'))).toBe(true);
    expect(encodeMessage(Opcode.Binary, Buffer.from('x'), false, true).equals(hex('c2 01 78'))).toBe(true);
    const masked = parseOne(encodeMessage(Opcode.Text, Buffer.from('Hello'), true), true);
    expect([masked.masked, masked.payload.toString()]).toEqual([true, 'Hello']);
  });

  it('a control frame holds at most 125 bytes', () => {
    expect(parseOne(encodeMessage(Opcode.Ping, Buffer.alloc(125), false), false).payload.length).toBe(125);
    expect(() => encodeMessage(Opcode.Ping, Buffer.alloc(126), false)).toThrow(RangeError);
  });
});

describe('frame-encode.ts (encodeFrame, encodeClose)', () => {
  it('property: encodeFrame gives the RFC bytes (minimal length, FIN, opcode), with a fresh key when masked', () => {
    fc.assert(
      fc.property(frameSequence({ masked: false, maxItems: 4 }), fc.boolean(), cuts, (specs, masked, lengths) => {
        const stream = Buffer.concat(specs.map((s) => encodeFrame(s.opcode, s.payload, masked, s.fin)));
        const parser = new FrameParser({ expectMasked: masked });
        const frames = split(stream, lengths).flatMap((piece) => parser.push(piece));
        expect(frames).toHaveLength(specs.length);
        frames.forEach((f, i) => {
          const spec = specs[i]!;
          expect(f.payload.equals(spec.payload)).toBe(true);
          expect(f.raw.equals(referenceEncode({ ...spec, maskKey: masked ? f.maskKey! : null }))).toBe(true);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('encodeClose: code and reason; a long reason is cut to 123 bytes at a character boundary', () => {
    const close = parseOne(encodeClose(1012, 'restarting', false), false);
    expect([close.opcode, close.payload.readUInt16BE(0), close.payload.toString('utf8', 2)]).toEqual([Opcode.Close, 1012, 'restarting']);
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    for (const reason of ['€'.repeat(100), 'a' + '€'.repeat(100), 'ab' + '😀'.repeat(60), 'x'.repeat(200)]) {
      const frame = parseOne(encodeClose(1000, reason, true), true);
      expect(frame.payload.length).toBeLessThanOrEqual(125);
      expect(frame.payload.length).toBeGreaterThan(125 - 4);
      const text = utf8.decode(frame.payload.subarray(2));
      expect(reason.startsWith(text)).toBe(true);
    }
  });
});
