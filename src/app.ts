import { banner } from './banner.js';
import { WsfaultError } from './errors.js';
import { EventBus } from './events/bus.js';
import { formatHostPort, parseListen, parseTarget, type Target } from './proxy/address.js';
import type { KillOptions } from './proxy/connection.js';
import { EngineFaultSource } from './proxy/engine-faults.js';
import { Proxy } from './proxy/proxy.js';
import { ScenarioEngine } from './scenario/engine.js';
import { ScenarioLibrary } from './scenario/library.js';
import { loadScenarioObject } from './scenario/load.js';
import { randomSeed } from './scenario/prng.js';
import type { Scenario } from './scenario/types.js';
import { faultView, healthView, proxyHealth, proxyView } from './views.js';
import type { ProxyHealth } from './wire.js';
import type { App, AppOptions, ProxySettings, RunningProxy, ScenarioRef } from './app-types.js';

export type { App, AppOptions, FaultEntry, ProxySettings, RunningProxy, ScenarioRef } from './app-types.js';

/** Loading freezes a scenario and records where it came from; a user's inline object has no `source` key (the schema forbids it). */
const isLoaded = (scenario: object): scenario is Scenario => Object.isFrozen(scenario) && typeof (scenario as Scenario).source === 'string' && Array.isArray((scenario as Scenario).phases);

/** SPEC §5: a kill that says nothing else is a Close 1001 without a reason. */
export const KILL_DEFAULTS = { how: 'close-frame', code: 1001, reason: '' } as const satisfies Required<KillOptions>;

/** The scenario a proxy starts with, and `POST /reset` and `DELETE /proxies/:name/scenario` go back to. */
export const PASSTHROUGH = 'passthrough';

/** What a proxy gets where its settings say nothing. */
export const PROXY_DEFAULTS = { scenario: PASSTHROUGH, hostHeader: 'keep' } as const;

/** SPEC §1: stopping sends Close 1001 to open WebSockets and waits at most this long. */
export const SHUTDOWN_GRACE_MS = 5_000;

const isFile = (scenario: ScenarioRef): scenario is string => typeof scenario === 'string' && (scenario.includes('/') || /\.ya?ml$/.test(scenario));

/** The message of a listen failure, as the client of an operation should read it. */
function listenFailure(error: unknown, name: string, port: number): WsfaultError {
  if (error instanceof WsfaultError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new WsfaultError('WSFAULT_PORT_IN_USE', `proxy "${name}": port ${port} is already in use`);
  return new WsfaultError('WSFAULT_LISTEN_FAILED', `proxy "${name}" cannot listen (${code ?? (error as Error).message})`);
}

/**
 * Checks every setting and scenario and builds the App; nothing listens until `start()`, so the
 * composition root can open the control API first (its GET /health says `starting` meanwhile).
 */
export function createApp(options: AppOptions): App {
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
  /** Proxies on their way to listening (or that failed to, while start() unwinds), for readiness. */
  const pending = new Map<string, ProxyHealth>();
  const expect = ({ settings, listen }: ReturnType<typeof plan>) => pending.set(settings.name, { name: settings.name, state: 'starting', listen: `${listen.host}:${listen.port}` });
  plans.forEach(expect);
  let started = false;
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
    if (one.state === 'stopped') return;
    one.state = 'stopped';
    one.engine.stop();
    await one.proxy.stop(graceMs);
    await one.echo?.close();
  };
  const stopAll = (graceMs: number) => Promise.all([...proxies.values()].map((one) => stopOne(one, graceMs)));
  const launch = async (planned: ReturnType<typeof plan>): Promise<RunningProxy> => {
    const { settings, listen, target: given, scenario } = planned;
    expect(planned);
    // Loaded only without a target: the echo server brings `ws` (~60 ms of start-up).
    const echo = given ? null : await (await import('./echo/server.js')).startEchoServer();
    const target: Target = given ?? parseTarget(echo!.url);
    const engine = new ScenarioEngine({ proxy: settings.name, bus, seed, scenario });
    const faults = new EngineFaultSource(engine, settings.name, bus, (): string => formatHostPort(proxy.address.host, proxy.address.port));
    const proxy = new Proxy({ name: settings.name, listen, target, bus, hostHeader: settings.hostHeader, limits: options.limits, faults, tls: options.tls?.terminator, upstreamTrust: options.upstreamTrust });
    const one: RunningProxy = { proxy, engine, echo, scenarioFile: isFile(settings.scenario) ? settings.scenario : null, state: 'listening', error: null };
    try {
      await proxy.start();
    } catch (error) {
      engine.stop();
      await echo?.close();
      const failure = listenFailure(error, settings.name, listen.port);
      pending.set(settings.name, { ...pending.get(settings.name)!, state: 'failed', error: failure.message });
      throw failure;
    }
    pending.delete(settings.name);
    proxies.set(settings.name, one);
    return one;
  };

  const app: App = {
    bus,
    seed,
    library,
    tls: options.tls ?? null,
    proxies,
    async start() {
      if (started) throw new Error('the App is started already');
      started = true;
      try {
        for (const p of plans) await launch(p);
      } catch (error) {
        await stopAll(0);
        throw error;
      }
    },
    readiness: () => healthView([...[...proxies.values()].map((one) => proxyHealth(one.proxy, one.state, one.error)), ...pending.values()]),
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
      const one = running(name);
      if (!enabled) {
        // The listener closes at once (before the await): /health says disabled from now on; open connections stay.
        [one.state, one.error] = ['disabled', null];
        await one.proxy.setEnabled(false);
      } else if (one.state !== 'listening') {
        one.state = 'starting';
        try {
          await one.proxy.setEnabled(true);
          [one.state, one.error] = ['listening', null];
        } catch (error) {
          const failure = listenFailure(error, name, one.proxy.address.port);
          [one.state, one.error] = ['failed', failure.message];
          // The Proxy counts itself enabled after a failed listen: set it back, so the next PATCH listens again.
          void one.proxy.setEnabled(false);
          throw failure;
        }
      }
      return view(name);
    },
    has: (name) => proxies.has(name),
    status: ((name?: string) => (name === undefined ? [...proxies.keys()].map(view) : view(name))) as App['status'],
    async addProxy(settings) {
      if (proxies.has(settings.name) || pending.has(settings.name)) throw new WsfaultError('WSFAULT_EXISTS', `a proxy named "${settings.name}" exists already`);
      try {
        await launch(plan(settings));
      } catch (error) {
        pending.delete(settings.name); // no such proxy after all: it does not hold /health at 503
        throw error;
      }
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
    banner: (apiUrl = null, healthUrl = null) => banner(seed, [...proxies.values()], apiUrl, healthUrl, options.tls?.caPath),
    stop: async (graceMs = SHUTDOWN_GRACE_MS) => {
      await stopAll(graceMs);
    },
  };
  return app;
}

/** createApp() and start() in one, for a caller with nothing to start in between (no API). */
export async function startApp(options: AppOptions): Promise<App> {
  const app = createApp(options);
  await app.start();
  return app;
}
