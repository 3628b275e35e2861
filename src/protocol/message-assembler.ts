import type { Frame } from './frame-parser.js';
import { isControl, Opcode } from './opcodes.js';

/**
 * What message faults act on. `message`: a whole data message, all its fragments (RFC 6455
 * §5.4), opcode text or binary. `control`: one control frame, passed on at once even between
 * fragments (§5.5). `tail`: one fragment of a message that began before parsing did; faults
 * cannot act on half a message, so these go on as they come.
 */
export interface Message {
  kind: 'message' | 'control' | 'tail';
  opcode: number;
  frames: Frame[];
  /** The payload of all frames, joined once and unmasked. */
  payload(): Buffer;
}

/** Groups parsed frames into messages; the parser has already checked the fragmentation rules. */
export class MessageAssembler {
  private fragments: Frame[] = [];
  private tail: boolean;

  /** `inMessage`: parsing began between the fragments of a message. */
  constructor(options: { inMessage?: boolean } = {}) {
    this.tail = options.inMessage ?? false;
  }

  /** True while fragments of a message are held. */
  get pending(): boolean {
    return this.fragments.length > 0;
  }

  /** Adds one frame; returns the unit it completes, if any. */
  add(frame: Frame): Message | null {
    if (isControl(frame.opcode)) return unit('control', frame.opcode, [frame]);
    if (this.tail) {
      if (frame.opcode === Opcode.Continuation) {
        if (frame.fin) this.tail = false;
        return unit('tail', Opcode.Continuation, [frame]);
      }
      this.tail = false;
    }
    if (frame.fin && this.fragments.length === 0) return unit('message', frame.opcode, [frame]);
    this.fragments.push(frame);
    if (!frame.fin) return null;
    const frames = this.fragments;
    this.fragments = [];
    return unit('message', frames[0]!.opcode, frames);
  }

  /** Adds frames; returns the units they complete, in order. */
  push(frames: Frame[]): Message[] {
    const out: Message[] = [];
    for (const frame of frames) {
      const done = this.add(frame);
      if (done) out.push(done);
    }
    return out;
  }
}

function unit(kind: Message['kind'], opcode: number, frames: Frame[]): Message {
  let joined: Buffer | null = null;
  return {
    kind,
    opcode,
    frames,
    payload: () => (joined ??= frames.length === 1 ? frames[0]!.payload : Buffer.concat(frames.map((f) => f.payload))),
  };
}
