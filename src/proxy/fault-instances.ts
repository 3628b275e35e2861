import type { FaultContext, HandshakeHooks, Layer, LayerHooks } from '../faults/hooks.js';

/** One fault in force on one connection: its identity and the hooks its create() returned. */
export interface FaultInstance<L extends Layer = Layer> {
  name: string;
  type: string;
  layer: L;
  hooks: LayerHooks[L];
  context: FaultContext;
}

/** The faults a connection has now, by layer; an empty layer costs its pipeline nothing. */
export interface FaultsInForce {
  handshake: FaultInstance<'handshake'>[];
  transport: FaultInstance<'transport'>[];
  messages: FaultInstance<'messages'>[];
}

export const NO_FAULTS: FaultsInForce = Object.freeze({ handshake: [], transport: [], messages: [] }) as unknown as FaultsInForce;

/** Gives each connection its faults; the proxy's scenario engine implements it. */
export interface FaultSource {
  /**
   * The faults for a connection once its request head is known (path, headers). `onApplied`
   * hears every fault that acts; `update` receives a new set when the scenario or phase changes.
   */
  forRequest(
    conn: string,
    request: { path: string; query: string; headers: [string, string][] },
    onApplied?: (name: string) => void,
    update?: (faults: FaultsInForce) => void,
  ): FaultsInForce;
  /** The connection has ended: release its per-connection state. */
  release(conn: string): void;
}

export type { HandshakeHooks };
