import { WsfaultError } from './errors.js';
import { EventBus } from './events/bus.js';
import { startEchoServer, type EchoServer } from './echo/server.js';
import { parseListen, parseTarget, type Target } from './proxy/address.js';
import type { KillOptions } from './proxy/connection.js';
import { EngineFaultSource } from './proxy/engine-faults.js';
import type { Limits } from './proxy/limits.js';
import { Proxy } from './proxy/proxy.js';
import { ScenarioEngine, type ApplyMode } from './scenario/engine.js';
import { ScenarioLibrary } from './scenario/library.js';
import { loadScenarioObject } from './scenario/load.js';
import { randomSeed } from './scenario/prng.js';
import type { Scenario } from './scenario/types.js';
import { VERSION } from './version.js';
import { faultView, proxyView } from './views.js';
import type { ConnectionInfo, FaultView, ProxyView } from './wire.js';

/** A scenario as a user names it: NAME from the library, FILE (a path), an inline object, or one loaded already. */
export type ScenarioRef = string | object;

/** Loading freezes a scenario and records where it came from; a user's inline object has no `source` key (the schema forbids it). */
const isLoaded = (scenario: object): scenario is Scenario => Object.isFrozen(scenario) && typeof (scenario as Scenario).source === 'string' && Array.isArray((scenario as Scenario).phases);

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
}

/** One proxy with its scenario engine. */
export interface RunningProxy {
  readonly proxy: Proxy;
  readonly engine: ScenarioEngine;
  /** Where the active scenario came from when it was given as a file (for --watch). */
  scenarioFile: string | null;
  readonly echo: EchoServer | null;
}

/** SPEC §5: a kill that says nothing else is a Close 1001 without a reason. */
export const KILL_DEFAULTS = { how: 'close-frame', code: 1001, reason: '' } as const satisfies Required<KillOptions>;

/** The scenario a proxy starts with, and `POST /reset` and `DELETE /proxies/:name/scenario` go back to. */
export const PASSTHROUGH = 'passthrough';

/** What a proxy gets where its settings say nothing. */
export const PROXY_DEFAULTS = { scenario: PASSTHROUGH, hostHeader: 'keep' } as const;

/** SPEC §1: stopping sends Close 1001 to open WebSockets and waits at most this long. */
export const SHUTDOWN_GRACE_MS = 5_000;

/**
 * A running wsfault: its proxies and the operations on them. Every adapter (control API,
 * programmatic API, CLI) goes through these operations, so naming, defaults and scenario
 * resolution live here once. Unknown proxies, faults and connections are WSFAULT_NOT_FOUND.
 */
export interface App {
  readonly bus: EventBus;
  readonly seed: number;
  readonly library: ScenarioLibrary;
  /** The running objects, for the composition root and tests; adapters use the operations. */
  readonly proxies: ReadonlyMap<string, RunningProxy>;
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
  /** The start-up banner; `apiUrl` is where the control API listens (null: off). */
  banner(apiUrl?: string | null): string;
  stop(graceMs?: number): Promise<void>;
}

const isFile = (scenario: ScenarioRef): scenario is string => typeof scenario === 'string' && (scenario.includes('/') || /\.ya?ml$/.test(scenario));

/** Builds the proxies and engines; src/wsfault.ts adds the bus, events file, API and watchers around it. */
export async function startApp(options: AppOptions): Promise<App> {
  const bus = options.bus ?? new EventBus();
  const seed = options.seed ?? randomSeed();
  const library = new ScenarioLibrary(options.scenarioDirs ?? []);
  const resolveScenario = (scenario: ScenarioRef, where = 'scenario'): Scenario => {
    if (typeof scenario === 'string') return library.resolve(scenario);
    return isLoaded(scenario) ? scenario : loadScenarioObject(scenario, where, { source: 'api' });
  };
  // Check every setting and scenario before anything listens, so a mistake has no side effects.
  const plan = (given: ProxySettings) => {
    const settings = { ...given, scenario: given.scenario ?? PROXY_DEFAULTS.scenario, hostHeader: given.hostHeader ?? PROXY_DEFAULTS.hostHeader };
    return {
      settings,
      listen: parseListen(settings.listen),
      target: settings.target ? parseTarget(settings.target) : null,
      scenario: resolveScenario(settings.scenario, 'options.scenario'),
    };
  };
  const plans = options.proxies.map(plan);

  const proxies = new Map<string, RunningProxy>();
  const running = (name: string): RunningProxy => {
    const found = proxies.get(name);
    if (!found) throw new WsfaultError('WSFAULT_NOT_FOUND', `no proxy named "${name}"`);
    return found;
  };
  const view = (name: string) => {
    const { proxy, engine } = running(name);
    return proxyView(proxy, engine);
  };
  const stopOne = async (one: RunningProxy, graceMs: number) => {
    one.engine.stop();
    await one.proxy.stop(graceMs);
    await one.echo?.close();
  };
  const stopAll = (graceMs: number) => Promise.all([...proxies.values()].map((one) => stopOne(one, graceMs)));
  const launch = async ({ settings, listen, target: given, scenario }: ReturnType<typeof plan>): Promise<RunningProxy> => {
    const echo = given ? null : await startEchoServer();
    const target: Target = given ?? parseTarget(echo!.url);
    const engine = new ScenarioEngine({ proxy: settings.name, bus, seed, scenario });
    const faults = new EngineFaultSource(engine, settings.name, bus);
    const proxy = new Proxy({ name: settings.name, listen, target, bus, hostHeader: settings.hostHeader, limits: options.limits, faults });
    const one = { proxy, engine, echo, scenarioFile: isFile(settings.scenario) ? settings.scenario : null };
    try {
      await proxy.start();
    } catch (error) {
      engine.stop();
      await echo?.close();
      throw error;
    }
    proxies.set(settings.name, one);
    return one;
  };
  try {
    for (const p of plans) await launch(p);
  } catch (error) {
    await stopAll(0);
    throw error;
  }

  const app: App = {
    bus,
    seed,
    library,
    proxies,
    resolveScenario,
    use(name, scenario, { apply = 'all', where } = {}) {
      const one = running(name);
      const resolved = resolveScenario(scenario, where);
      one.scenarioFile = null;
      one.engine.use(resolved, apply);
      return view(name);
    },
    addFault(name, fault, { where = 'fault' } = {}) {
      const { engine } = running(name);
      const taken = new Set(engine.adhocFaults.map((f) => f.name));
      let n = 1;
      while (taken.has(`adhoc-${fault.type}-${n}`)) n++;
      const entry = { name: `adhoc-${fault.type}-${n}`, ...fault };
      const spec = loadScenarioObject({ name: 'adhoc', faults: [entry] }, where, { source: 'api' }).phases[0]!.faults[0]!;
      engine.addFault(spec);
      return faultView(spec);
    },
    removeFault(name, id) {
      if (!running(name).engine.removeFault(id)) throw new WsfaultError('WSFAULT_NOT_FOUND', `no ad-hoc fault "${id}"`);
    },
    connections: (name) => running(name).proxy.list(),
    kill(name, id, options = {}) {
      const { proxy } = running(name);
      const how = { how: options.how ?? KILL_DEFAULTS.how, code: options.code ?? KILL_DEFAULTS.code, reason: options.reason ?? KILL_DEFAULTS.reason };
      if (id !== 'all') return proxy.kill(id, how) ? [id] : [];
      const ids = [...proxy.connections.keys()];
      proxy.killAll(how);
      return ids;
    },
    reset() {
      const passthrough = library.get(PASSTHROUGH);
      for (const one of proxies.values()) {
        one.engine.clearFaults();
        one.scenarioFile = null;
        one.engine.use(passthrough);
      }
      return app.status();
    },
    setTarget(name, target) {
      running(name).proxy.setTarget(parseTarget(target));
      return view(name);
    },
    async setEnabled(name, enabled) {
      await running(name).proxy.setEnabled(enabled);
      return view(name);
    },
    has: (name) => proxies.has(name),
    status: ((name?: string) => (name === undefined ? [...proxies.keys()].map(view) : view(name))) as App['status'],
    async addProxy(settings) {
      if (proxies.has(settings.name)) throw new WsfaultError('WSFAULT_EXISTS', `a proxy named "${settings.name}" exists already`);
      await launch(plan(settings));
      return view(settings.name);
    },
    async removeProxy(name) {
      const one = running(name);
      proxies.delete(name);
      await stopOne(one, 1_000);
    },
    reloadScenarios() {
      try {
        library.reload();
      } catch (error) {
        return [(error as Error).message];
      }
      const problems: string[] = [];
      for (const one of proxies.values()) {
        try {
          const name = one.engine.scenario.name;
          const next = one.scenarioFile ? library.resolve(one.scenarioFile) : library.has(name) ? library.get(name) : null;
          if (next && JSON.stringify(next) !== JSON.stringify(one.engine.scenario)) one.engine.use(next, 'all');
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      return problems;
    },
    banner: (apiUrl = null) => {
      const lines = [`wsfault ${VERSION}  seed ${seed}`];
      for (const { proxy, engine, echo } of proxies.values()) {
        const label = proxies.size > 1 ? `proxy ${proxy.name}` : 'proxy';
        lines.push(`  ${label.padEnd(9)} ${proxy.url}  ->  ${proxy.target.url}${echo ? ' (built-in echo)' : ''}`);
        lines.push(`  ${'scenario'.padEnd(9)} ${engine.scenario.name}`);
        if (echo) lines.push(`  ${'try it'.padEnd(9)} open http://${proxy.url.slice('ws://'.length)}/ in a browser`);
      }
      if (apiUrl) lines.splice(lines.length > 2 ? 2 : lines.length, 0, `  ${'control'.padEnd(9)} ${apiUrl}   (API docs at /docs)`);
      return lines.join('\n');
    },
    stop: async (graceMs = SHUTDOWN_GRACE_MS) => {
      await stopAll(graceMs);
    },
  };
  return app;
}
