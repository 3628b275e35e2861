/**
 * The App's shapes: what a running wsfault is made of and the operations every adapter uses
 * (src/app.ts builds it).
 */
import type { EchoServer } from './echo/server.js';
import type { EventBus } from './events/bus.js';
import type { KillOptions } from './proxy/connection.js';
import type { Limits } from './proxy/limits.js';
import type { Proxy } from './proxy/proxy.js';
import type { Terminator } from './proxy/secure.js';
import type { UpstreamTrust } from './proxy/upstream.js';
import type { ApplyMode, ScenarioEngine } from './scenario/engine.js';
import type { ScenarioLibrary } from './scenario/library.js';
import type { Scenario } from './scenario/types.js';
import type { ConnectionInfo, FaultView, Health, ProxyState, ProxyView } from './wire.js';

/** A scenario as a user names it: NAME from the library, FILE (a path), an inline object, or one loaded already. */
export type ScenarioRef = string | object;

/** An ad-hoc fault: one entry as in a scenario file's `faults`. */
export interface FaultEntry {
  type: string;
  [field: string]: unknown;
}

export interface ProxySettings {
  name: string;
  /** Upstream URL; absent: the built-in echo server. */
  target?: string;
  /** `HOST:PORT` or `:PORT`. */
  listen: string;
  /** Scenario active at start (default passthrough). */
  scenario?: ScenarioRef;
  hostHeader?: 'keep' | 'target';
}

export interface AppOptions {
  proxies: ProxySettings[];
  /** Extra scenario directories (the built-in library is always there). */
  scenarioDirs?: string[];
  /** Seed for every random choice; default: a random one (printed). */
  seed?: number;
  limits?: Partial<Limits>;
  bus?: EventBus;
  /** --tls: every proxy also speaks TLS on its listener (SPEC §10). */
  tls?: AppTls;
  /** --upstream-ca, --upstream-insecure: trust for wss:// and https:// targets. */
  upstreamTrust?: UpstreamTrust;
}

/** TLS for clients as the App offers it: the terminator and the test CA (GET /tls/ca.pem). */
export interface AppTls {
  terminator: Terminator;
  caPath: string;
  caPem: string;
  /** Base64 SHA-256 of the CA's SubjectPublicKeyInfo. */
  caSpki: string;
}

/** One proxy with its scenario engine. */
export interface RunningProxy {
  readonly proxy: Proxy;
  readonly engine: ScenarioEngine;
  /** Where the active scenario came from when it was given as a file (for --watch). */
  scenarioFile: string | null;
  readonly echo: EchoServer | null;
  /** What its listener does (GET /health); the App sets it wherever it starts or stops listening. */
  state: ProxyState;
  /** Why it could not listen (state failed). */
  error: string | null;
}

/**
 * A running wsfault: its proxies and the operations on them. Every adapter (control API,
 * programmatic API, CLI) goes through these operations, so naming, defaults and scenario
 * resolution live here once. Unknown proxies, faults and connections are WSFAULT_NOT_FOUND.
 */
export interface App {
  readonly bus: EventBus;
  readonly seed: number;
  readonly library: ScenarioLibrary;
  /** The TLS set-up with --tls, else null. */
  readonly tls: AppTls | null;
  /** The running objects, for the composition root and tests; adapters use the operations. */
  readonly proxies: ReadonlyMap<string, RunningProxy>;
  /** Starts the proxies given at creation, in order; createWsfault() calls it once the control API listens. */
  start(): Promise<void>;
  /** SPEC §5 readiness: ok once every proxy listens, else the ones that do not and why. */
  readiness(): Health;
  /** NAME or FILE from the library, or an inline object validated as a scenario; `where` names it in errors. */
  resolveScenario(scenario: ScenarioRef, where?: string): Scenario;
  /** Switches a proxy's scenario (SPEC §3 apply: all|new). */
  use(proxy: string, scenario: ScenarioRef, options?: { apply?: ApplyMode; where?: string }): ProxyView;
  /** Adds a fault on top of the scenario, named `adhoc-TYPE-N` unless it has a name. */
  addFault(proxy: string, fault: FaultEntry, options?: { where?: string }): FaultView;
  removeFault(proxy: string, id: string): void;
  connections(proxy: string): ConnectionInfo[];
  /** Ends one connection or all; returns the ids being closed ([] for an unknown id). */
  kill(proxy: string, id: string | 'all', options?: Partial<KillOptions>): string[];
  /** SPEC §5 POST /reset: every proxy back to passthrough, ad-hoc faults removed. */
  reset(): ProxyView[];
  /** New connections dial `target` from now on; open ones keep theirs. */
  setTarget(proxy: string, target: string): ProxyView;
  /** Stops or resumes accepting; open connections are not touched. */
  setEnabled(proxy: string, enabled: boolean): Promise<ProxyView>;
  has(proxy: string): boolean;
  status(): ProxyView[];
  status(proxy: string): ProxyView;
  /** Starts one more proxy (the control API's POST /proxies). */
  addProxy(settings: ProxySettings): Promise<ProxyView>;
  /** Stops and forgets a proxy. */
  removeProxy(name: string): Promise<void>;
  /**
   * Re-reads the scenario directories; every proxy running a scenario from a changed file (or by
   * a changed name) switches to the new version. Returns what no longer validates: the running
   * version of those stays.
   */
  reloadScenarios(): string[];
  /** The start-up banner; `apiUrl` is where the control API listens, `healthUrl` the --health listener (null: off). */
  banner(apiUrl?: string | null, healthUrl?: string | null): string;
  stop(graceMs?: number): Promise<void>;
}
