import type { Layer } from '../faults/hooks.js';
import type { Expectations } from '../report/expect-schema.js';

/** A scenario after loading: validated, defaults filled in, units as numbers, deeply frozen. */

export interface Match {
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** Glob on the TLS server name (SNI). */
  sni?: string;
  /** Glob on the client's IP address. */
  client?: string;
  /** Glob on the proxy's name or its listen address HOST:PORT. */
  listener?: string;
  /** Connection ordinals on the proxy: "2", "2-4", "5-". */
  connections?: string;
}

export interface FaultSpec {
  name: string;
  type: string;
  layer: Layer;
  /** Chance that a connection gets this fault at all (rolled once per connection). */
  probability: number;
  match?: Match;
  /** ms after the connection opened before the fault starts. */
  after?: number;
  afterMessages?: number;
  /** ms the fault lasts once started. */
  for?: number;
  /** Connections the fault touches at most (absent when the type owns `count`). */
  count?: number;
  /** The type's own parameters, defaults filled in, units as numbers. */
  params: Readonly<Record<string, unknown>>;
}

export interface Phase {
  name: string;
  durationMs: number;
  faults: readonly FaultSpec[];
}

export interface Scenario {
  name: string;
  description: string;
  seed?: number;
  match?: Match;
  compression: 'keep' | 'strip';
  /** The timeline; a scenario with plain `faults` has one endless phase named after it. */
  phases: readonly Phase[];
  loop: boolean;
  /** `expect:` (SPEC §11): what the reconnect report checks, durations in ms. */
  expect?: Expectations;
  /** Where it came from: a file path, `built-in`, or `api`. */
  source: string;
}

/** One error in a scenario or config file (SPEC §3: `file:line:col  path: message`). */
export interface ScenarioProblem {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}
