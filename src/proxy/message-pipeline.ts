import type { Direction, MessageUnit, UnitFrame } from '../faults/hooks.js';
import { encodeFrameWith } from '../protocol/frame-encode.js';
import type { Frame } from '../protocol/frame-parser.js';
import { isControl } from '../protocol/opcodes.js';
import type { FaultInstance } from './fault-instances.js';

/**
 * One direction's message faults in parsed mode: frames are grouped into units (a data message
 * with all its fragments, or one control frame), passed through the active faults in order, and
 * written as whole frames: unchanged ones as their original bytes, changed ones re-encoded
 * (masked with a fresh key toward the server).
 */
export class MessagePipeline {
  private fragments: Frame[] = [];

  constructor(
    private readonly direction: Direction,
    private readonly activeFaults: () => FaultInstance<'messages'>[],
    private readonly write: (bytes: Buffer) => void,
    private readonly compressed: boolean,
    /** Engaged between the fragments of a message: its rest passes unchanged. */
    private passUntilFin = false,
  ) {}

  frames(frames: Frame[]): void {
    for (const frame of frames) {
      if (this.passUntilFin && !isControl(frame.opcode)) {
        this.write(frame.raw);
        if (frame.fin) this.passUntilFin = false;
        continue;
      }
      if (isControl(frame.opcode)) {
        this.run(unitOf('control', frame.opcode, [frame], this.compressed), 0);
        continue;
      }
      this.fragments.push(frame);
      if (!frame.fin) continue;
      const parts = this.fragments;
      this.fragments = [];
      this.run(unitOf('message', parts[0]!.opcode, parts, this.compressed), 0);
    }
  }

  private run(unit: MessageUnit, from: number): void {
    const faults = this.activeFaults();
    for (let i = from; i < faults.length; i++) {
      const onUnit = faults[i]!.hooks.onUnit;
      if (!onUnit) continue;
      return onUnit(unit, this.direction, (next) => this.run(next, i + 1));
    }
    this.emit(unit);
  }

  private emit(unit: MessageUnit): void {
    const masked = this.direction === 'upstream';
    const parts = unit.frames.map((f) => f.raw ?? encodeFrameWith(f, masked));
    this.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }
}

function unitOf(kind: 'message' | 'control', opcode: number, frames: Frame[], compressed: boolean): MessageUnit {
  const unitFrames: UnitFrame[] = frames.map((f) => ({
    fin: f.fin,
    rsv: f.rsv,
    opcode: f.opcode,
    raw: f.raw,
    get payload() {
      return f.payload;
    },
    set payload(value: Buffer) {
      Object.defineProperty(this, 'payload', { value, writable: true, enumerable: true });
    },
  }));
  let joined: Buffer | null = null;
  return {
    kind,
    opcode,
    frames: unitFrames,
    compressed,
    payload: () => (joined ??= unitFrames.length === 1 ? unitFrames[0]!.payload : Buffer.concat(unitFrames.map((f) => f.payload))),
  };
}
