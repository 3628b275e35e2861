/**
 * The programmatic API (SPEC §9): start wsfault inside a test, switch scenarios, wait for
 * events, list and kill connections.
 *
 *   const chaos = await startWsfault({ target: 'ws://127.0.0.1:3000', scenario: 'passthrough', seed: 1 });
 *   await chaos.use('server-restart-1012');
 *   await chaos.waitFor('connection.open', { count: 2, timeout: 10_000 });
 *   await chaos.close();
 */
import { startApp, type App } from './app.js';
import { startControlApi, type ControlServer } from './control/server.js';
import type { EventType, WsfaultEvent } from './events/types.js';
import type { ConnectionInfo, KillOptions } from './proxy/connection.js';
import type { Limits } from './proxy/limits.js';
import type { ApplyMode } from './scenario/engine.js';
import { loadScenarioObject } from './scenario/load.js';
import type { FaultSpec, Scenario } from './scenario/types.js';

export type { WsfaultEvent, EventType } from './events/types.js';
export type { ConnectionInfo } from './proxy/connection.js';
export type { Scenario } from './scenario/types.js';

export interface WsfaultOptions {
  /** Upstream URL; absent: the built-in echo server. */
  target?: string;
  /** Where clients connect; default 127.0.0.1 on a free port. */
  listen?: string;
  /** A scenario name, a file, or an inline scenario object; default passthrough. */
  scenario?: string | object;
  seed?: number;
  /** Extra scenario directories. */
  scenarios?: string[];
  /** Control API address (default 127.0.0.1 on a free port), or false for none. */
  api?: string | false;
  apiToken?: string;
  limits?: Partial<Limits>;
}

export interface WaitOptions<T extends EventType> {
  /** How many matching events to wait for (default 1). */
  count?: number;
  /** Give up after this many ms (default 5000) with an error saying what was seen. */
  timeout?: number;
  /** Only events this returns true for. */
  where?: (event: WsfaultEvent<T>) => boolean;
  /** Count events from this seq on (default: events after the call; 0: everything seen). */
  since?: number;
}

export interface Wsfault {
  /** `ws://127.0.0.1:<port>`: where clients connect. */
  readonly url: string;
  /** The control API, or null when started with `api: false`. */
  readonly apiUrl: string | null;
  readonly seed: number;
  use(scenario: string | object, options?: { apply?: ApplyMode }): Promise<void>;
  addFault(fault: { type: string; [field: string]: unknown }): Promise<{ id: string }>;
  removeFault(id: string): Promise<void>;
  connections(): ConnectionInfo[];
  kill(id: string | 'all', options?: Partial<KillOptions>): number;
  on<T extends EventType>(type: T | '*', listener: (event: WsfaultEvent<T>) => void): () => void;
  events(types?: EventType[]): AsyncIterableIterator<WsfaultEvent>;
  waitFor<T extends EventType>(type: T, options?: WaitOptions<T>): Promise<WsfaultEvent<T>[]>;
  close(): Promise<void>;
}

const HISTORY = 10_000;

export async function startWsfault(options: WsfaultOptions = {}): Promise<Wsfault> {
  const inline = typeof options.scenario === 'object' ? loadScenarioObject(options.scenario, 'options.scenario', { source: 'api' }) : null;
  const app: App = await startApp({
    proxies: [{ name: 'default', target: options.target, listen: options.listen ?? '127.0.0.1:0', scenario: inline ? 'passthrough' : (options.scenario as string | undefined) }],
    scenarioDirs: options.scenarios,
    seed: options.seed,
    limits: options.limits,
  });
  const history: WsfaultEvent[] = [];
  app.bus.subscribe((event) => {
    history.push(event);
    if (history.length > HISTORY) history.splice(0, history.length - HISTORY);
  });
  const running = app.proxies.get('default')!;
  if (inline) app.use('default', inline);
  let control: ControlServer | null = null;
  if (options.api !== false) {
    try {
      control = await startControlApi(app, options.api ?? '127.0.0.1:0', { token: options.apiToken });
    } catch (error) {
      await app.stop(0);
      throw error;
    }
  }
  let lastSeq = 0;
  app.bus.subscribe((event) => (lastSeq = event.seq));

  const resolveScenario = (scenario: string | object): Scenario =>
    typeof scenario === 'string' ? app.library.resolve(scenario) : loadScenarioObject(scenario, 'scenario', { source: 'api' });

  return {
    url: running.proxy.url,
    apiUrl: control?.url ?? null,
    seed: app.seed,
    async use(scenario, { apply = 'all' } = {}) {
      app.use('default', resolveScenario(scenario), apply);
    },
    async addFault(fault) {
      const taken = new Set(running.engine.adhocFaults.map((f) => f.name));
      let n = 1;
      while (taken.has(`adhoc-${fault.type}-${n}`)) n++;
      const spec: FaultSpec = loadScenarioObject({ name: 'adhoc', faults: [{ name: `adhoc-${fault.type}-${n}`, ...fault }] }, 'fault', { source: 'api' }).phases[0]!.faults[0]!;
      running.engine.addFault(spec);
      return { id: spec.name };
    },
    async removeFault(id) {
      if (!running.engine.removeFault(id)) throw new Error(`no ad-hoc fault "${id}"`);
    },
    connections: () => running.proxy.list(),
    kill(id, kill = {}) {
      const how = { how: kill.how ?? 'close-frame', code: kill.code ?? 1001, reason: kill.reason ?? '' };
      if (id === 'all') return running.proxy.killAll(how);
      return running.proxy.kill(id, how) ? 1 : 0;
    },
    on(type, listener) {
      return app.bus.subscribe((event) => {
        if (type === '*' || event.type === type) listener(event as never);
      });
    },
    events(types) {
      return eventIterator(app, types);
    },
    waitFor(type, wait = {}) {
      const { count = 1, timeout = 5_000, where, since = lastSeq + 1 } = wait;
      type E = WsfaultEvent<typeof type>;
      const matches = (event: WsfaultEvent) => event.type === type && event.seq >= since && (!where || where(event as E));
      const found = history.filter(matches) as E[];
      if (found.length >= count) return Promise.resolve(found.slice(0, count));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          unsubscribe();
          reject(new Error(`waitFor('${type}'): saw ${found.length} of ${count} within ${timeout} ms`));
        }, timeout);
        const unsubscribe = app.bus.subscribe((event) => {
          if (!matches(event)) return;
          found.push(event as E);
          if (found.length < count) return;
          clearTimeout(timer);
          unsubscribe();
          resolve(found.slice(0, count));
        });
      });
    },
    async close() {
      await Promise.all([app.stop(1_000), control?.close()]);
    },
  };
}

/** An async iterator over live events (buffered between reads; ends when `return()` is called). */
function eventIterator(app: App, types?: EventType[]): AsyncIterableIterator<WsfaultEvent> {
  const queue: WsfaultEvent[] = [];
  let wake: (() => void) | null = null;
  let done = false;
  const unsubscribe = app.bus.subscribe((event) => {
    if (types && !types.includes(event.type)) return;
    queue.push(event);
    wake?.();
  });
  const iterator: AsyncIterableIterator<WsfaultEvent> = {
    async next() {
      while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (queue.length > 0) return { value: queue.shift()!, done: false };
      return { value: undefined, done: true };
    },
    async return() {
      done = true;
      unsubscribe();
      wake?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
