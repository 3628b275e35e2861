/** Parsed mode: every chunk read goes to it (the message pipeline), which writes to the FrameOutput. */
export interface ParsedMode {
  /** `transient`: the chunk is a view of a read buffer, reused after the call: keep no view of it. */
  push(chunk: Buffer, transient?: boolean): void;
}

/** Makes a pipe's parsed mode at its first chunk, not when it engages: a switch with apply=all engages every open WebSocket's pipes at once (issue #13). */
export interface ParsedModeMaker {
  /** `pipe`: the pipe asking (it is also where the parsed mode writes). */
  parsedMode(pipe: FrameOutput, inMessage: boolean): ParsedMode;
}

/** How parsed mode writes toward the peer. */
export interface FrameOutput {
  /** Whole frames: a data message (at the next message boundary) or a control frame (next frame boundary). */
  writeFrames(bytes: Buffer, control?: boolean): void;
  /** The next bytes of a data message streaming through, and whether they end a frame and the message. */
  writeStream(bytes: Buffer, frameEnd: boolean, messageEnd: boolean): void;
}
