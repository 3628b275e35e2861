import { watch, type FSWatcher } from 'node:fs';
import { WsfaultError } from './errors.js';
import { EventBus } from './events/bus.js';
import { startEchoServer, type EchoServer } from './echo/server.js';
import { parseListen, parseTarget, type Target } from './proxy/address.js';
import { EngineFaultSource } from './proxy/engine-faults.js';
import type { Limits } from './proxy/limits.js';
import { Proxy } from './proxy/proxy.js';
import { ScenarioEngine, type ApplyMode } from './scenario/engine.js';
import { ScenarioLibrary } from './scenario/library.js';
import { randomSeed } from './scenario/prng.js';
import type { Scenario } from './scenario/types.js';
import { VERSION } from './version.js';

export interface ProxySettings {
  name: string;
  /** Upstream URL; absent: the built-in echo server. */
  target?: string;
  /** `HOST:PORT` or `:PORT`. */
  listen: string;
  /** Scenario NAME or FILE active at start (default passthrough). */
  scenario?: string;
  hostHeader?: 'keep' | 'target';
}

export interface AppOptions {
  proxies: ProxySettings[];
  /** Extra scenario directories (the built-in library is always there). */
  scenarioDirs?: string[];
  /** Seed for every random choice; default: a random one (printed). */
  seed?: number;
  /** Reload scenario files when they change. */
  watch?: boolean;
  limits?: Partial<Limits>;
  bus?: EventBus;
  /** Where --watch reload failures are reported (they never stop the proxy). */
  onWarning?: (message: string) => void;
}

/** One proxy with its scenario engine. */
export interface RunningProxy {
  readonly proxy: Proxy;
  readonly engine: ScenarioEngine;
  /** Where the active scenario came from when it was given as a file (for --watch). */
  scenarioFile: string | null;
  readonly echo: EchoServer | null;
}

/** A running wsfault: its proxies, their engines, the scenario library and the event bus. */
export interface App {
  readonly bus: EventBus;
  readonly seed: number;
  readonly library: ScenarioLibrary;
  readonly proxies: Map<string, RunningProxy>;
  /** Switches a proxy's scenario (SPEC §3 apply: all|new). */
  use(proxy: string, scenario: Scenario, apply?: ApplyMode): void;
  /** Starts one more proxy (the control API's POST /proxies). */
  addProxy(settings: ProxySettings): Promise<RunningProxy>;
  /** Stops and forgets a proxy. */
  removeProxy(name: string): Promise<boolean>;
  /** The start-up banner; `apiUrl` is where the control API listens (null: off). */
  banner(apiUrl?: string | null): string;
  stop(graceMs?: number): Promise<void>;
}

const isFile = (nameOrFile: string) => nameOrFile.includes('/') || /\.ya?ml$/.test(nameOrFile);

export async function startApp(options: AppOptions): Promise<App> {
  const bus = options.bus ?? new EventBus();
  const seed = options.seed ?? randomSeed();
  const library = new ScenarioLibrary(options.scenarioDirs ?? []);
  // Check every flag and scenario before anything listens, so a mistake has no side effects.
  const plans = options.proxies.map((settings) => ({
    settings,
    listen: parseListen(settings.listen),
    target: settings.target ? parseTarget(settings.target) : null,
    scenario: library.resolve(settings.scenario ?? 'passthrough'),
  }));

  const proxies = new Map<string, RunningProxy>();
  const stopOne = async (running: RunningProxy, graceMs: number) => {
    running.engine.stop();
    await running.proxy.stop(graceMs);
    await running.echo?.close();
  };
  const stopAll = (graceMs: number) => Promise.all([...proxies.values()].map((running) => stopOne(running, graceMs)));
  const launch = async (plan: (typeof plans)[number]): Promise<RunningProxy> => {
    const echo = plan.target ? null : await startEchoServer();
    const target: Target = plan.target ?? parseTarget(echo!.url);
    const engine = new ScenarioEngine({ proxy: plan.settings.name, bus, seed, scenario: plan.scenario });
    const proxy = new Proxy({
      name: plan.settings.name,
      listen: plan.listen,
      target,
      bus,
      hostHeader: plan.settings.hostHeader,
      limits: options.limits,
      faults: new EngineFaultSource(engine, plan.settings.name, bus),
    });
    const running = { proxy, engine, echo, scenarioFile: isFile(plan.settings.scenario ?? '') ? plan.settings.scenario! : null };
    try {
      await proxy.start();
    } catch (error) {
      engine.stop();
      await echo?.close();
      throw error;
    }
    proxies.set(plan.settings.name, running);
    return running;
  };
  try {
    for (const plan of plans) await launch(plan);
  } catch (error) {
    await stopAll(0);
    throw error;
  }

  const watchers: FSWatcher[] = options.watch ? watchScenarios(options, library, proxies) : [];

  return {
    bus,
    seed,
    library,
    proxies,
    async addProxy(settings) {
      if (proxies.has(settings.name)) throw new WsfaultError('WSFAULT_EXISTS', `a proxy named "${settings.name}" exists already`);
      return launch({
        settings,
        listen: parseListen(settings.listen),
        target: settings.target ? parseTarget(settings.target) : null,
        scenario: library.resolve(settings.scenario ?? 'passthrough'),
      });
    },
    async removeProxy(name) {
      const running = proxies.get(name);
      if (!running) return false;
      proxies.delete(name);
      await stopOne(running, 1_000);
      return true;
    },
    use(name, scenario, apply = 'all') {
      const running = proxies.get(name);
      if (!running) throw new Error(`no proxy named ${name}`);
      running.scenarioFile = null;
      running.engine.use(scenario, apply);
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
    async stop(graceMs = 5_000) {
      for (const watcher of watchers) watcher.close();
      await stopAll(graceMs);
    },
  };
}

/**
 * --watch: when a scenario file changes, the library is re-read and every proxy running a
 * scenario from that file (or by that name) switches to the new version. A file that no longer
 * validates is reported and the running version stays.
 */
function watchScenarios(options: AppOptions, library: ScenarioLibrary, proxies: Map<string, RunningProxy>): FSWatcher[] {
  const warn = options.onWarning ?? (() => {});
  let timer: NodeJS.Timeout | null = null;
  const reload = () => {
    timer = null;
    try {
      library.reload();
    } catch (error) {
      return warn((error as Error).message);
    }
    for (const running of proxies.values()) {
      try {
        const next = running.scenarioFile ? library.resolve(running.scenarioFile) : library.has(running.engine.scenario.name) ? library.get(running.engine.scenario.name) : null;
        if (next && JSON.stringify(next) !== JSON.stringify(running.engine.scenario)) running.engine.use(next, 'all');
      } catch (error) {
        warn((error as Error).message);
      }
    }
  };
  // Editors write files in several steps: settle for a moment before reloading.
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, 100);
  };
  const paths = [...(options.scenarioDirs ?? []), ...[...proxies.values()].flatMap((r) => (r.scenarioFile ? [r.scenarioFile] : []))];
  return paths.map((path) => watch(path, { persistent: false }, changed));
}
