/**
 * The protocol violations wsfault itself finds while it parses frames, in wsfault's own
 * vocabulary: a user reading `WSFAULT_FRAME_*` in an event knows the proxy saw it, and never
 * confuses it with the `WS_ERR_*` their ws client reports. `close` is the code the offending peer
 * gets (RFC 6455 §7.4.1: 1002 protocol error, 1009 message too big).
 */
export const FrameViolations = {
  WSFAULT_FRAME_RESERVED_OPCODE: { close: 1002, summary: 'an opcode RFC 6455 reserves (3–7, 0xB–0xF)' },
  WSFAULT_FRAME_UNEXPECTED_RSV: { close: 1002, summary: 'an RSV bit no negotiated extension uses, or any RSV bit on a control frame' },
  WSFAULT_FRAME_CONTROL_TOO_LONG: { close: 1002, summary: 'a control frame with more than 125 payload bytes' },
  WSFAULT_FRAME_FRAGMENTED_CONTROL: { close: 1002, summary: 'a control frame without FIN' },
  WSFAULT_FRAME_UNEXPECTED_CONTINUATION: { close: 1002, summary: 'a continuation frame with no message to continue' },
  WSFAULT_FRAME_MISSING_CONTINUATION: { close: 1002, summary: 'a new text or binary frame before the fragmented message ended' },
  WSFAULT_FRAME_EXPECTED_MASK: { close: 1002, summary: 'an unmasked frame from the client' },
  WSFAULT_FRAME_UNEXPECTED_MASK: { close: 1002, summary: 'a masked frame from the server' },
  WSFAULT_FRAME_TOO_LARGE: { close: 1009, summary: 'a payload length beyond 2^53, or over the parser limit' },
} as const;

export type FrameViolationCode = keyof typeof FrameViolations;
