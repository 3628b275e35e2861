import Type from '../../schema/type.js';
import { Size } from '../../scenario/units.js';
import { DirectionParam } from '../common.js';
import { defineFault, directionText } from '../define.js';
import type { Direction, MessageHooks, MessageUnit, MessageVerdict, UnitFrame } from '../hooks.js';
import { Opcode } from '../../protocol/opcodes.js';
import { collect, covers, decidedOnUnit, PASS, withFrames } from './units.js';

export const fragmentMessages = defineFault({
  type: 'fragment-messages',
  layer: 'messages',
  changesStream: true,
  summary: 're-fragments data messages into continuation frames (never control frames)',
  params: Type.Object({ size: Size({ exclusiveMinimum: 0, description: 'payload bytes per fragment' }), direction: DirectionParam('both') }),
  explain: (p) => `re-sends data messages as ${p.size}-byte fragments ${directionText(p.direction)}`,
  create: (p, ctx) => {
    let skipped = false;
    const joinAndSplit = (direction: Direction) => (unit: MessageUnit, next: (unit: MessageUnit) => void) => {
      const payload = unit.payload();
      const frames: UnitFrame[] = [];
      for (let at = 0; at < payload.length || frames.length === 0; at += p.size) {
        const part = payload.subarray(at, at + p.size);
        frames.push({ fin: at + p.size >= payload.length, rsv: 0, opcode: frames.length === 0 ? unit.opcode : Opcode.Continuation, payload: part, raw: null });
      }
      if (frames.length > 1) ctx.applied({ direction, frames: frames.length });
      next(frames.length > 1 ? withFrames(unit, frames) : unit);
    };
    const whole = { upstream: joinAndSplit('upstream'), downstream: joinAndSplit('downstream') };
    const decide: NonNullable<MessageHooks['decide']> = (header, direction) => {
      if (!covers(p.direction, direction)) return PASS;
      // Compressed messages are split by the compressor's own rules; leave them alone.
      if (header.compressed || header.rsv !== 0) {
        if (!skipped) ctx.applied({ skipped: 'extensions in use: messages are not re-fragmented' });
        skipped = true;
        return PASS;
      }
      const reframe: MessageVerdict = { action: 'reframe', size: p.size, reframed: (frames) => frames > 1 && ctx.applied({ direction, frames }) };
      // One frame: splitting it as it streams gives exactly what splitting it whole gave, unheld.
      if (header.fin) return reframe;
      // A fragmented message is joined and split evenly; one larger than the message buffer is
      // split frame by frame as it streams instead.
      return collect(whole[direction], reframe);
    };
    return { decide, onUnit: decidedOnUnit(decide) };
  },
});
