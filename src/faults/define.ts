import type { Static, TObject } from '../schema/type.js';
import type { FaultContext, Layer, LayerHooks } from './hooks.js';

/** A problem a fault finds in its own parameters beyond what JSON Schema can say. */
export interface ParamProblem {
  /** The parameter's key, for the error's path. */
  key: string;
  message: string;
}

/**
 * A fault type: its name, its layer, its parameters as a TypeBox schema (defaults included),
 * a one-line summary for the catalogue, `explain()` for one configured instance, and
 * `create()` giving a connection its hooks (required: a fault without an implementation does not
 * compile).
 */
export interface FaultDefinition<L extends Layer = Layer, P extends TObject = TObject> {
  type: string;
  layer: L;
  summary: string;
  params: P;
  /** Common fields this type gives its own meaning (inject-messages' `count` counts messages). */
  ownsCommon?: readonly string[];
  /**
   * Messages layer: the fault changes the byte stream of messages (drops, adds, alters or
   * re-frames them). A compressed stream cannot survive that (the peer's inflater shares a
   * window across messages), so the core strips the client's permessage-deflate offer unless
   * the scenario says `compression: keep`.
   */
  changesStream?: boolean;
  explain(params: Static<P>): string;
  check?(params: Static<P>): ParamProblem[];
  create(params: Static<P>, ctx: FaultContext): LayerHooks[L];
}

export function defineFault<L extends Layer, P extends TObject>(definition: FaultDefinition<L, P>): FaultDefinition<L, P> {
  return Object.freeze(definition);
}

/** Erased form the registry holds. */
export type AnyFaultDefinition = FaultDefinition<Layer, TObject>;

/** Milliseconds as a person reads them: 250ms, 5s, 2m. */
export function ms(value: number): string {
  if (value >= 60_000 && value % 60_000 === 0) return `${value / 60_000}m`;
  if (value >= 1_000 && value % 100 === 0) return `${value / 1_000}s`;
  return `${value}ms`;
}

/** Bytes as a person reads them: 512 B, 64 KiB, 1 MiB. */
export function bytes(value: number): string {
  if (value >= 1024 ** 2 && value % 1024 ** 2 === 0) return `${value / 1024 ** 2} MiB`;
  if (value >= 1024 && value % 1024 === 0) return `${value / 1024} KiB`;
  return `${value} B`;
}

export function directionText(direction: 'upstream' | 'downstream' | 'both'): string {
  return direction === 'both' ? 'both ways' : direction === 'upstream' ? 'client→server' : 'server→client';
}
