import type { Direction, MessageUnit } from '../hooks.js';
import { encodeFrame } from '../../protocol/frame-encode.js';
import { Opcode } from '../../protocol/opcodes.js';
import { changed, withFrames } from './units.js';

/**
 * The protocol violations corrupt-messages makes, each one a peer must reject: invalid UTF-8 in
 * a text message (1007), a flipped bit or a truncated payload (the application sees garbage),
 * an RSV bit without an extension, a reserved opcode, a masked server frame or an unmasked
 * client frame (1002). Returns null when the mode does not apply to this unit.
 */
export function corrupt(unit: MessageUnit, mode: string, direction: Direction, random: () => number): MessageUnit | null {
  const [first, ...rest] = unit.frames;
  if (!first) return null;
  const payload = unit.payload();
  const single = (frame: ReturnType<typeof changed>) => withFrames(unit, [frame]);
  switch (mode) {
    case 'invalid-utf8': {
      if (unit.opcode !== Opcode.Text || unit.compressed) return null;
      // 0xC3 0x28: a two-byte sequence whose second byte is not a continuation byte.
      const bad = Buffer.concat([payload.subarray(0, Math.floor(payload.length / 2)), Buffer.from([0xc3, 0x28]), payload.subarray(Math.floor(payload.length / 2))]);
      return single({ fin: true, rsv: 0, opcode: Opcode.Text, payload: bad, raw: null });
    }
    case 'bitflip': {
      if (payload.length === 0) return null;
      const flipped = Buffer.from(payload);
      const bit = Math.floor(random() * payload.length * 8);
      flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
      return single({ fin: true, rsv: first.rsv, opcode: unit.opcode, payload: flipped, raw: null });
    }
    case 'truncate':
      if (payload.length < 2) return null;
      return single({ fin: true, rsv: first.rsv, opcode: unit.opcode, payload: payload.subarray(0, Math.floor(payload.length / 2)), raw: null });
    case 'rsv-bit':
      return withFrames(unit, [changed(first, { rsv: first.rsv | (unit.compressed ? 0x20 : 0x40) }), ...rest]);
    case 'bad-opcode':
      return withFrames(unit, [changed(first, { opcode: 0x3 }), ...rest]);
    case 'masked-server-frame':
    case 'unmasked-client-frame': {
      // The wrong masking for the direction, handed on as finished bytes so nobody re-masks it.
      const wantMasked = mode === 'masked-server-frame';
      if ((direction === 'downstream') !== wantMasked) return null;
      return single({ fin: true, rsv: first.rsv, opcode: unit.opcode, payload, raw: encodeFrame(unit.opcode, payload, wantMasked) });
    }
    default:
      return null;
  }
}
