import type { Direction, MessageUnit, UnitFrame } from '../hooks.js';
import { Opcode } from '../../protocol/opcodes.js';

/** Helpers the message faults share for looking at and changing units. */

export function covers(setting: Direction | 'both', direction: Direction): boolean {
  return setting === 'both' || setting === direction;
}

export function kindOf(unit: MessageUnit): 'text' | 'binary' | 'ping' | 'pong' | 'close' {
  switch (unit.opcode) {
    case Opcode.Text:
      return 'text';
    case Opcode.Binary:
      return 'binary';
    case Opcode.Ping:
      return 'ping';
    case Opcode.Pong:
      return 'pong';
    default:
      return 'close';
  }
}

/** A frame with some fields changed: it will be re-encoded (and re-masked toward the server). */
export function changed(frame: UnitFrame, changes: Partial<Omit<UnitFrame, 'raw'>>): UnitFrame {
  return { fin: frame.fin, rsv: frame.rsv, opcode: frame.opcode, payload: frame.payload, ...changes, raw: null };
}

/** A unit with new frames. */
export function withFrames(unit: MessageUnit, frames: UnitFrame[]): MessageUnit {
  let joined: Buffer | null = null;
  return { ...unit, frames, payload: () => (joined ??= Buffer.concat(frames.map((f) => f.payload))) };
}

/** The same unit sent again as new frames (a duplicate must not reuse the original mask). */
export function copyOf(unit: MessageUnit): MessageUnit {
  return withFrames(
    unit,
    unit.frames.map((f) => changed(f, {})),
  );
}
