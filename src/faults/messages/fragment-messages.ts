import Type from 'typebox';
import { Size } from '../../scenario/units.js';
import { DirectionParam } from '../common.js';
import { defineFault, directionText } from '../define.js';
import type { UnitFrame } from '../hooks.js';
import { Opcode } from '../../protocol/opcodes.js';
import { covers, withFrames } from './units.js';

export const fragmentMessages = defineFault({
  type: 'fragment-messages',
  layer: 'messages',
  changesStream: true,
  summary: 're-fragments data messages into continuation frames (never control frames)',
  params: Type.Object({ size: Size({ exclusiveMinimum: 0, description: 'payload bytes per fragment' }), direction: DirectionParam('both') }),
  explain: (p) => `re-sends data messages as ${p.size}-byte fragments ${directionText(p.direction)}`,
  create: (p, ctx) => {
    let skipped = false;
    return {
      onUnit(unit, direction, next) {
        if (unit.kind !== 'message' || !covers(p.direction, direction)) return next(unit);
        // Compressed messages are split by the compressor's own rules; leave them alone.
        if (unit.compressed || unit.frames.some((f) => f.rsv !== 0)) {
          if (!skipped) ctx.applied({ skipped: 'extensions in use: messages are not re-fragmented' });
          skipped = true;
          return next(unit);
        }
        const payload = unit.payload();
        const frames: UnitFrame[] = [];
        for (let at = 0; at < payload.length || frames.length === 0; at += p.size) {
          const part = payload.subarray(at, at + p.size);
          frames.push({ fin: at + p.size >= payload.length, rsv: 0, opcode: frames.length === 0 ? unit.opcode : Opcode.Continuation, payload: part, raw: null });
        }
        if (frames.length > 1) ctx.applied({ direction, frames: frames.length });
        next(frames.length > 1 ? withFrames(unit, frames) : unit);
      },
    };
  },
});
