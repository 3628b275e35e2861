import type { Direction, MessageHeader, MessageUnit, UnitFrame } from '../faults/hooks.js';
import { decidedOnUnit, reframeUnit } from '../faults/messages/units.js';
import { encodeFrameWith } from '../protocol/frame-encode.js';
import { FrameError, FrameParser, ownedFrame, type Frame, type FrameHeader, type FrameSink } from '../protocol/frame-parser.js';
import { isControl, Opcode } from '../protocol/opcodes.js';
import { noteHeld } from './buffer-gauge.js';
import type { FaultInstance } from './fault-instances.js';
import { decideMessage, overflowMessage, type MessageDecision } from './message-decision.js';
import type { FrameOutput, ParsedMode } from './pipe.js';
import { StreamWriter } from './stream-writer.js';

export interface MessagePipelineOptions {
  direction: Direction;
  /** The stream-changing faults active now, in order (asked per message). */
  faults: () => FaultInstance<'messages'>[];
  /** Where frames go: the pipe toward the peer. */
  out: FrameOutput;
  /** Extensions were negotiated (permessage-deflate): payloads may be compressed, RSV bits used. */
  compressed: boolean;
  /** Engaged between the fragments of a message: its rest passes unchanged. */
  inMessage: boolean;
  /** Most bytes of one message held so faults can see it whole (Limits.maxMessageBuffer). */
  maxBuffer: number;
  /** The peer broke RFC 6455. */
  onError(error: FrameError): void;
}

/** The data message in progress and what the faults decided for it at its first header. */
interface Message {
  header: MessageHeader;
  faults: FaultInstance<'messages'>[];
  decision: MessageDecision;
  /** Payload bytes announced by its frame headers so far. */
  bytes: number;
  /** Collected frames, while a fault needs it whole. */
  frames: Frame[];
  /** Writes it as it streams, once nothing needs it whole. */
  writer: StreamWriter | null;
}

/**
 * One direction's message faults in parsed mode. At each data message's first frame header the
 * active faults decide (src/faults/hooks.ts `decide`): when all pass, drop or re-frame, the
 * payload streams through as it arrives (cut-through) and nothing is held; when one needs the
 * message whole, its frames are collected, at most `maxBuffer` bytes, then run through the faults
 * (`onMessage`, then the later faults' `onUnit`) and written as whole frames: unchanged ones as
 * their original bytes, changed ones re-encoded (masked with a fresh key toward the server). A
 * larger message passes unchanged, from where the buffer ran out, and the fault that needed it
 * reports `fault.skipped`. Control frames always go through the faults' `onUnit`, whole.
 */
export class MessagePipeline implements ParsedMode, FrameSink {
  /** Bytes held now to collect the message in progress, and the most held at once. */
  held = 0;
  peakHeld = 0;
  private readonly parser: FrameParser;
  private message: Message | null = null;
  /** The frame in progress: a control frame, or a data frame with its header. */
  private control = false;
  private frameHeader: FrameHeader | null = null;
  /** The chunk being parsed is a view of a read buffer: what outlives push() is copied. */
  private transient = false;

  constructor(private readonly options: MessagePipelineOptions) {
    const { direction, compressed, inMessage } = options;
    // permessage-deflate uses RSV1; any negotiated extension may use the RSV bits.
    this.parser = new FrameParser({ expectMasked: direction === 'upstream', allowedRsv: compressed ? 0x70 : 0, inMessage });
    if (inMessage) {
      // The message began before parsing did: its rest passes as it arrived, untouched.
      const header = { opcode: Opcode.Continuation, fin: false, rsv: 0, length: 0, compressed };
      this.message = { header, faults: [], decision: { reframes: [], drop: null, collect: null }, bytes: 0, frames: [], writer: new StreamWriter(options.out, []) };
    }
  }

  push(chunk: Buffer, transient = false): void {
    this.transient = transient;
    try {
      this.parser.feed(chunk, this, transient);
      // A streaming frame's header that arrived last waits for its payload (the next read).
      if (transient) this.message?.writer?.keep();
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.release();
      this.options.onError(error);
    }
  }

  header(header: FrameHeader): 'whole' | 'stream' | 'pass' {
    this.control = isControl(header.opcode);
    if (this.control) return 'whole';
    this.frameHeader = header;
    const message = header.opcode === Opcode.Continuation ? this.message! : this.start(header);
    message.bytes += header.length;
    // Nothing changes it: its bytes go on as they came, with the passing frames beside them.
    if (!message.decision.collect) return message.writer?.passes ? 'pass' : 'stream';
    if (this.held + header.length <= this.options.maxBuffer) {
      this.hold(header.length);
      return 'whole';
    }
    this.overflow(message);
    return 'stream';
  }

  frame(frame: Frame): void {
    // Faults may keep a control frame or a collected message (delay, reorder): never a view of a
    // read buffer. A frame that streams through is written before push() returns.
    if (this.control) return this.run(unitOf('control', frame.opcode, [this.transient ? ownedFrame(frame) : frame], this.options.compressed), 0);
    const message = this.message!;
    if (message.decision.collect) message.frames.push(this.transient ? ownedFrame(frame) : frame);
    else message.writer?.frame(frame);
    if (frame.fin) this.finish(message);
  }

  pass(bytes: Buffer, frameEnd: boolean, messageEnd: boolean): void {
    this.options.out.writeStream(bytes, frameEnd, messageEnd);
  }

  begin(head: Buffer): void {
    this.message!.writer?.begin(this.frameHeader!, head);
  }

  payload(bytes: Buffer, offset: number): void {
    this.message!.writer?.payload(bytes, offset);
  }

  end(): void {
    const message = this.message!;
    message.writer?.end();
    if (this.frameHeader!.fin) this.finish(message);
  }

  private start(first: FrameHeader): Message {
    const header: MessageHeader = { opcode: first.opcode, fin: first.fin, rsv: first.rsv, length: first.length, compressed: this.options.compressed };
    const faults = this.options.faults();
    const decision = decideMessage(faults, header, this.options.direction);
    const message: Message = { header, faults, decision, bytes: 0, frames: [], writer: null };
    if (!decision.collect && !decision.drop) message.writer = this.writer(decision);
    return (this.message = message);
  }

  private writer(decision: MessageDecision): StreamWriter {
    return new StreamWriter(this.options.out, decision.reframes.map((r) => r.size));
  }

  /** The buffer ran out: what was collected goes on as it arrived (or is dropped), the rest streams. */
  private overflow(message: Message): void {
    const { direction, maxBuffer } = this.options;
    overflowMessage(message.decision, message.faults, message.header, direction, (fault) =>
      fault.context.skipped('message-too-large', { direction, bytes: message.bytes, limit: maxBuffer }),
    );
    const collected = message.frames;
    message.frames = [];
    this.release();
    if (message.decision.drop) return;
    message.writer = this.writer(message.decision);
    for (const frame of collected) message.writer.frame(frame);
  }

  private finish(message: Message): void {
    this.message = null;
    const { drop, collect, reframes } = message.decision;
    if (drop) return drop.dropped?.(message.bytes);
    if (!collect) {
      for (const r of reframes) r.reframed?.(message.writer!.frames);
      return;
    }
    const { frames } = message;
    this.release();
    let unit = unitOf('message', frames[0]!.opcode, frames, this.options.compressed);
    // Faults before the collecting one re-framed it: it sees the frames they made.
    for (const r of reframes) {
      unit = reframeUnit(unit, r.size);
      r.reframed?.(unit.frames.length);
    }
    collect.verdict.onMessage(unit, (next) => this.run(next, collect.index + 1));
  }

  /** A whole unit through the active faults from `from` on, then out. */
  private run(unit: MessageUnit, from: number): void {
    const faults = this.options.faults();
    for (let i = from; i < faults.length; i++) {
      const { onUnit, decide } = faults[i]!.hooks;
      const hook = onUnit ?? (decide && decidedOnUnit(decide));
      if (!hook) continue;
      return hook(unit, this.options.direction, (next) => this.run(next, i + 1));
    }
    this.emit(unit);
  }

  private emit(unit: MessageUnit): void {
    const masked = this.options.direction === 'upstream';
    const parts = unit.frames.map((f) => f.raw ?? encodeFrameWith(f, masked));
    this.options.out.writeFrames(parts.length === 1 ? parts[0]! : Buffer.concat(parts), unit.kind === 'control');
  }

  private hold(bytes: number): void {
    this.held += bytes;
    if (this.held > this.peakHeld) this.peakHeld = this.held;
    noteHeld(this.held);
  }

  private release(): void {
    this.held = 0;
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
