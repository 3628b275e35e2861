import type { Direction, MessageHeader, MessageHooks, MessageUnit, MessageVerdict, UnitFrame } from '../hooks.js';
import { Opcode } from '../../protocol/opcodes.js';

/** Helpers the message faults share for looking at and changing units. */

export function covers(setting: Direction | 'both', direction: Direction): boolean {
  return setting === 'both' || setting === direction;
}

export function kindOf(unit: { opcode: number }): 'text' | 'binary' | 'ping' | 'pong' | 'close' {
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

/** The verdict of a fault that lets a message go by (one shared object: no allocation per message). */
export const PASS: MessageVerdict = Object.freeze({ action: 'pass' });

export const drop = (dropped?: (bytes: number) => void): MessageVerdict => ({ action: 'drop', dropped });

export const collect = (onMessage: (unit: MessageUnit, next: (unit: MessageUnit) => void) => void, tooLarge?: MessageVerdict): MessageVerdict => ({
  action: 'collect',
  onMessage,
  tooLarge,
});

/** A whole unit's header, as `decide` would have seen it at the first frame. */
export function headerOf(unit: MessageUnit): MessageHeader {
  const first = unit.frames[0];
  return { opcode: unit.opcode, fin: unit.frames.length === 1 && (first?.fin ?? true), rsv: first?.rsv ?? 0, length: first?.payload.length ?? 0, compressed: unit.compressed };
}

/**
 * `onUnit` for a fault that decides at the header: a data message that reaches it whole (an
 * earlier fault collected it) gets the same verdict, so both paths act alike and draw the same
 * random numbers. Control frames go to `control`, or straight on.
 */
export function decidedOnUnit(decide: NonNullable<MessageHooks['decide']>, control?: MessageHooks['onUnit']): NonNullable<MessageHooks['onUnit']> {
  return (unit, direction, next) => {
    if (unit.kind === 'control') return control ? control(unit, direction, next) : next(unit);
    const verdict = decide(headerOf(unit), direction);
    switch (verdict.action) {
      case 'pass':
        return next(unit);
      case 'drop':
        return verdict.dropped?.(unit.payload().length);
      case 'reframe': {
        const reframed = reframeUnit(unit, verdict.size);
        verdict.reframed?.(reframed.frames.length);
        return next(reframed);
      }
      case 'collect':
        return verdict.onMessage(unit, next);
    }
  };
}

/** Every frame split into frames of at most `size` payload bytes; the unit itself when none is longer. */
export function reframeUnit(unit: MessageUnit, size: number): MessageUnit {
  if (unit.frames.every((f) => f.payload.length <= size)) return unit;
  const frames: UnitFrame[] = [];
  for (const frame of unit.frames) {
    const { payload } = frame;
    if (payload.length <= size) {
      frames.push(frame);
      continue;
    }
    for (let at = 0; at < payload.length; at += size) {
      const first = at === 0;
      frames.push({ fin: frame.fin && at + size >= payload.length, rsv: first ? frame.rsv : 0, opcode: first ? frame.opcode : Opcode.Continuation, payload: payload.subarray(at, at + size), raw: null });
    }
  }
  return withFrames(unit, frames);
}
