/**
 * The hooks a fault instance returns from create(), one interface per layer. The proxy's
 * connection pipeline calls them; a layer with no active fault installs nothing and costs
 * nothing.
 */
import type { HeaderField } from '../protocol/http-head.js';

export type Layer = 'handshake' | 'transport' | 'messages';
export type Direction = 'upstream' | 'downstream';

/** What a fault may use at run time: seeded randomness and a way to report what it did. */
export interface FaultContext {
  /** The fault's own seeded stream for this connection: uniform in [0, 1). */
  random(): number;
  /** Reports a `fault.applied` event for this fault on this connection. */
  applied(detail?: unknown): void;
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

/** What the proxy does with an upgrade request instead of forwarding it. */
export type HandshakeVerdict =
  /** Answer it without contacting the upstream (status). */
  | { action: 'respond'; status: number; headers: HeaderField[]; body: string }
  /** Close the client connection after `afterMs` (0: at once; Infinity: never, a hang). */
  | { action: 'close'; how: 'fin' | 'rst'; afterMs: number };

export interface HandshakeHooks {
  /**
   * Before the upstream is dialled: change `request` in place, wait (return a promise), or
   * return a verdict that replaces forwarding. The first verdict wins.
   */
  onRequest?(request: HandshakeRequest): void | HandshakeVerdict | Promise<void | HandshakeVerdict>;
  /** After the upstream answered, before the client sees it: change `response` in place, or wait. */
  onResponse?(response: HandshakeResponse, request: HandshakeRequest): void | Promise<void>;
}

// Placeholders, refined by the transport and messages issues.
export interface TransportHooks {}
export interface MessageHooks {}

export interface LayerHooks {
  handshake: HandshakeHooks;
  transport: TransportHooks;
  messages: MessageHooks;
}
