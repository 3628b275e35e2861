import type { FaultContext, HandshakeHooks, Layer, LayerHooks } from '../faults/hooks.js';
import type { RequestSubject } from '../scenario/match.js';
import type { FaultSpec } from '../scenario/types.js';

/** One fault in force on one connection: its identity and the hooks its create() returned. */
export interface FaultInstance<L extends Layer = Layer> {
  name: string;
  type: string;
  layer: L;
  hooks: LayerHooks[L];
  context: FaultContext;
  /** The common fields (after, for, afterMessages) that time the fault. */
  spec: FaultSpec;
  /** The definition's capability: it changes the message stream (see FaultDefinition). */
  changesStream: boolean;
  /** The scenario's `compression` (stream-changing message faults strip permessage-deflate unless keep). */
  compression: 'keep' | 'strip';
}

/** The faults a connection has now, by layer; an empty layer costs its pipeline nothing. */
export interface FaultsInForce {
  handshake: FaultInstance<'handshake'>[];
  transport: FaultInstance<'transport'>[];
  messages: FaultInstance<'messages'>[];
  /** Decided at accept or at the ClientHello; used only on a TLS connection. */
  tls: FaultInstance<'tls'>[];
}

/** The one empty list every layer without a fault shares (frozen: nothing adds to a layer's list in place). */
export const NO_INSTANCES = Object.freeze([]) as unknown as never[];
export const NO_FAULTS: FaultsInForce = Object.freeze({ handshake: NO_INSTANCES, transport: NO_INSTANCES, messages: NO_INSTANCES, tls: NO_INSTANCES });

/** How a connection hears about its faults after the first decision. */
export interface FaultListener {
  /** A fault acted on this connection (for the connection list and the handshake event). */
  applied(name: string): void;
  /** The whole set changed (scenario switched with apply=all, or a phase began). */
  update(faults: FaultsInForce): void;
  /** A fault threw (in create() or a hook): the connection ends, the event names the fault. */
  failed(fault: { name: string; type: string }, error: unknown): void;
  /**
   * Whether a fault of `layer` with these hooks could still act on this connection, which may
   * be long past accept or its handshake: a switch with apply=all asks before it spends a
   * fault's `count` on it. Absent: it could.
   */
  canAct?(layer: Layer, hooks: LayerHooks[Layer]): boolean;
}

/** Gives each connection its faults; the proxy's scenario engine implements it. */
export interface FaultSource {
  /** At accept: the faults that act from the first byte (those without `match`). */
  forAccept(conn: string, listener: FaultListener): FaultsInForce;
  /** Once the request head is known: the faults that `match` it, in addition. */
  forRequest(conn: string, request: RequestSubject): FaultsInForce;
  /** Once a ClientHello is read: the TLS faults that `match` its server name or the client, in addition. */
  forHello?(conn: string, sni: string | null, client: string): FaultsInForce;
  /** The connection has ended: release its per-connection state. */
  release(conn: string): void;
}

export function mergeFaults(a: FaultsInForce, b: FaultsInForce): FaultsInForce {
  if (b === NO_FAULTS) return a;
  if (a === NO_FAULTS) return b;
  return { handshake: [...a.handshake, ...b.handshake], transport: [...a.transport, ...b.transport], messages: [...a.messages, ...b.messages], tls: [...a.tls, ...b.tls] };
}

export type { HandshakeHooks };
