/**
 * The hooks a fault instance returns from create(), one interface per layer. The proxy's
 * connection pipeline calls them; a layer with no active fault installs nothing and costs
 * nothing.
 */
import type { HeaderField } from '../protocol/http-head.js';

export type Layer = 'handshake' | 'transport' | 'messages' | 'tls';
export type Direction = 'upstream' | 'downstream';

/** What a fault may use at run time: seeded randomness and a way to report what it did. */
export interface FaultContext {
  /** The fault's own seeded stream for this connection: uniform in [0, 1). */
  random(): number;
  /** Another independent seeded stream for one purpose (e.g. one per direction). */
  stream(label: string): () => number;
  /** Reports a `fault.applied` event for this fault on this connection. */
  applied(detail?: unknown): void;
  /** Reports a `fault.skipped` event: the fault could not act on something and let it pass (`reason` says why). */
  skipped(reason: string, detail?: unknown): void;
  /** Connection id (`c-17`), for logs and events. */
  readonly conn: string;
}

/** An upgrade request head as faults may change it (start line and header fields, in order). */
export interface HandshakeRequest {
  method: string;
  target: string;
  version: string;
  headers: HeaderField[];
}

/** The upstream's answer to an upgrade as faults may change it. */
export interface HandshakeResponse {
  version: string;
  status: number;
  reason: string;
  headers: HeaderField[];
}

/** A whole HTTP answer a fault gives in the upstream's place (status, headers, body). */
export interface MadeUpResponse {
  action: 'respond';
  status: number;
  headers: HeaderField[];
  body: string;
}

/** What the proxy does with an upgrade request instead of forwarding it. */
export type HandshakeVerdict =
  /** Answer it without contacting the upstream. */
  | MadeUpResponse
  /** Close the client connection after `afterMs` (0: at once; Infinity: never, a hang). */
  | { action: 'close'; how: 'fin' | 'rst'; afterMs: number };

/**
 * What a transport fault does with a connection it refuses at accept: close it at once (RST or
 * FIN), or answer the request head, when it arrives, with a response of the fault's making.
 */
export type AdmissionVerdict = MadeUpResponse | { action: 'close'; how: 'fin' | 'rst' };

export interface HandshakeHooks {
  /**
   * Before the upstream is dialled: change `request` in place, wait (return a promise), or
   * return a verdict that replaces forwarding. The first verdict wins.
   */
  onRequest?(request: HandshakeRequest): void | HandshakeVerdict | Promise<void | HandshakeVerdict>;
  /** After the upstream answered, before the client sees it: change `response` in place, or wait. */
  onResponse?(response: HandshakeResponse, request: HandshakeRequest): void | Promise<void>;
}

/** What a transport fault may do to the connection it is attached to. */
export interface TransportControl {
  /** performance.now() when the connection was accepted. */
  readonly openedAt: number;
  /** Ends the connection: RST both sides, FIN both sides, or a Close frame (WebSockets) then FIN. */
  kill(how: 'fin' | 'rst' | 'close-frame', code?: number, reason?: string): void;
  /** FIN toward one side or both, without a Close frame. */
  closeSide(side: 'client' | 'server' | 'both'): void;
  /** performance.now() of the last data frame (WebSockets; any byte otherwise), or of any byte. */
  lastActivity(kind: 'data' | 'any'): number;
  /** Hears every chunk that passes, with the running totals (limit-data, reset afterBytes). */
  onBytes(listener: (direction: Direction, totals: { up: number; down: number }) => void): () => void;
}

/** Stages of one direction, as the DelayLine runs them (see src/transport/). */
export type { Piece, Stage } from '../transport/delay-line.js';
import type { Stage } from '../transport/delay-line.js';

export interface TransportHooks {
  /** At accept: refuse this connection, or null to let it in; `open` counts the others. */
  admit?(open: number): AdmissionVerdict | null;
  /** Before the upstream is dialled. */
  beforeDial?(): Promise<void>;
  /**
   * Stages per direction, run on every byte between the client and the proxy: they may delay,
   * split, drop, swallow FIN/RST (`holdsEnd`) or cut the path after a piece (`cutAfter`).
   */
  stages?: { upstream?: Stage; downstream?: Stage };
  /** Starts what the fault does over time (from `after`, for `for`); returns its stop. */
  start?(control: TransportControl): (() => void) | void;
}

export interface CloseFrameOptions {
  to: 'client' | 'server' | 'both';
  code: number;
  reason: string;
  /** After the Close: wait for the answering Close (bounded), FIN, RST, or nothing. */
  then: 'wait-echo' | 'fin' | 'rst' | 'nothing';
}

/** What a message fault may do to an open WebSocket. */
export interface MessageControl {
  /** Puts a Close frame on the wire at the next frame boundary (RFC 6455 closing handshake). */
  sendClose(options: CloseFrameOptions): void;
  /** Sends a message nobody wrote, at the next frame boundary (masked toward the server). */
  inject(to: 'client' | 'server', opcode: number, payload: Buffer): void;
}

/** A frame as message faults see it; a changed frame is re-encoded, an unchanged one forwarded as `raw`. */
export interface UnitFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
  /** The original bytes; null once a fault changed the frame. */
  raw: Buffer | null;
}

/**
 * What message faults act on: a whole data message (all its frames) or one control frame.
 * `opcode` is the message's (text, binary) or the control frame's.
 */
export interface MessageUnit {
  kind: 'message' | 'control';
  opcode: number;
  frames: UnitFrame[];
  /** The message payload, joined and unmasked. */
  payload(): Buffer;
  /** Extensions were negotiated (permessage-deflate): payloads may be compressed. */
  compressed: boolean;
}

/**
 * A data message as its first frame header shows it, before any payload has arrived: what a
 * fault can decide from without holding the message.
 */
export interface MessageHeader {
  /** Text or binary. */
  opcode: number;
  /** The first frame is the whole message (not fragmented). */
  fin: boolean;
  /** RSV bits of the first frame (permessage-deflate sets RSV1 on a compressed message). */
  rsv: number;
  /** Payload bytes of the first frame: the message's size when `fin`. */
  length: number;
  /** Extensions were negotiated: payloads may be compressed. */
  compressed: boolean;
}

/**
 * What a fault does with a data message, decided at its header. The proxy streams the payload
 * through (cut-through) unless a fault needs it whole, so a fault that can decide early costs no
 * memory however large the message is.
 */
export type MessageVerdict =
  /** Not this fault's business: the message goes on unchanged. */
  | { action: 'pass' }
  /** The message vanishes, all its fragments; `dropped` hears its payload size once it has passed. */
  | { action: 'drop'; dropped?(bytes: number): void }
  /**
   * The message goes on re-framed as it streams: every frame split into frames of at most `size`
   * payload bytes (the payload itself unchanged); `reframed` hears how many frames were sent.
   */
  | { action: 'reframe'; size: number; reframed?(frames: number): void }
  /**
   * The fault needs the whole message: the proxy collects it (at most the message buffer, 16 MiB
   * by default) and calls `onMessage`, which passes it on with `next` (now, later, twice or not
   * at all). A larger message gets `tooLarge` instead; without it, it passes unchanged and the
   * proxy reports `fault.skipped`.
   */
  | { action: 'collect'; onMessage(unit: MessageUnit, next: (unit: MessageUnit) => void): void; tooLarge?: MessageVerdict };

export interface MessageHooks {
  /**
   * Sees every unit in one direction while the fault is active: pass it on with `next` (now,
   * later, twice or not at all). Faults with this hook make the proxy parse frames. A fault that
   * also has `decide` sees data messages here only when an earlier fault handed them on whole,
   * and must treat them as its verdict says (`decidedOnUnit` in src/faults/messages/units.ts).
   */
  onUnit?(unit: MessageUnit, direction: Direction, next: (unit: MessageUnit) => void): void;
  /**
   * Decides on a data message from its first frame header (control frames always go to
   * `onUnit`, whole). Without it, every data message is collected whole for `onUnit`.
   */
  decide?(header: MessageHeader, direction: Direction): MessageVerdict;
  /**
   * Starts once the WebSocket is open and the fault's `after` / `afterMessages` have passed;
   * returns its stop (called at `for`, on a scenario switch, or when the connection ends).
   */
  start?(control: MessageControl): (() => void) | void;
}

/** The first TLS record's ClientHello as the proxy read it, before answering anything. */
export interface TlsHello {
  /** The server name (SNI) the client asked for, or null (none, or an IP address). */
  sni: string | null;
  /** The ALPN protocols the client offered, in its order. */
  alpn: string[];
}

/** A certificate defect a TLS fault asks for (SPEC §10). */
export type CertProblem = 'expired' | 'not-yet-valid' | 'wrong-name' | 'self-signed' | 'unknown-ca' | 'missing-intermediate';

/** What the proxy does with a TLS connection once it has read the ClientHello. */
export type TlsVerdict =
  /** Never answer; close (FIN) after `afterMs` (Infinity: never, the client gives up). */
  | { action: 'stall'; afterMs: number }
  /** End the connection without a word: RST or FIN. */
  | { action: 'close'; how: 'fin' | 'rst' }
  /** Write these bytes (a TLS alert, a plain HTTP answer), then FIN. */
  | { action: 'reply'; bytes: Buffer }
  /** Go on with the TLS handshake, with a defective certificate or narrowed parameters. */
  | { action: 'serve'; certificate?: { problem: CertProblem; names?: string[] }; alpn?: string[]; version?: 'TLSv1' };

export interface TlsHooks {
  /**
   * After the ClientHello was read, before anything is answered: wait (return a promise), or
   * return a verdict. The first `stall`, `close` or `reply` wins; `serve` verdicts combine.
   */
  onClientHello?(hello: TlsHello): void | TlsVerdict | Promise<void | TlsVerdict>;
}

export interface LayerHooks {
  handshake: HandshakeHooks;
  transport: TransportHooks;
  messages: MessageHooks;
  tls: TlsHooks;
}
