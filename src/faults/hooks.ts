/**
 * The hooks a fault instance returns from create(), one interface per layer. The proxy's
 * connection pipeline calls them; a layer with no active fault installs nothing and costs
 * nothing. These interfaces grow as the handshake, transport and messages layers land.
 */
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

// Placeholders, refined by the layer issues.
export interface HandshakeHooks {}
export interface TransportHooks {}
export interface MessageHooks {}

export interface LayerHooks {
  handshake: HandshakeHooks;
  transport: TransportHooks;
  messages: MessageHooks;
}
