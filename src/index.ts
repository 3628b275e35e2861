/**
 * The programmatic API (SPEC §9): start wsfault inside a test, switch scenarios, wait for
 * events, list and kill connections.
 *
 *   const chaos = await startWsfault({ target: 'ws://127.0.0.1:3000', scenario: 'passthrough', seed: 1 });
 *   await chaos.use('server-restart-1012');
 *   await chaos.waitFor('connection.open', { count: 2, timeout: 10_000 });
 *   await chaos.close();
 */
import type { App, FaultEntry, ScenarioRef } from './app.js';
import type { EventType, WsfaultEvent } from './events/types.js';
import type { KillOptions } from './proxy/connection.js';
import type { Limits } from './proxy/limits.js';
import type { ApplyMode } from './scenario/engine.js';
import type { ConnectionInfo, FaultView } from './wire.js';
import { createWsfault, DEFAULTS } from './wsfault.js';

export type { ConnectionInfo, FaultView, ProxyView, WsfaultEvent, EventType } from './wire.js';
export type { Scenario } from './scenario/types.js';
export type { Report } from './report/schema.js';
import type { Report } from './report/schema.js';

// Faults of your own (docs/adding-a-fault.md): define one, register it, use it in scenarios.
export { defineFault } from './faults/define.js';
export type { FaultDefinition, ParamProblem } from './faults/define.js';
export { registerFault } from './faults/index.js';
export type * from './faults/hooks.js';

export interface WsfaultOptions {
  /** Upstream URL; absent: the built-in echo server. */
  target?: string;
  /** Where clients connect; default 127.0.0.1 on a free port. */
  listen?: string;
  /** A scenario name, a file, or an inline scenario object; default passthrough. */
  scenario?: ScenarioRef;
  seed?: number;
  /** Extra scenario directories. */
  scenarios?: string[];
  /** Control API address (default 127.0.0.1 on a free port), or false for none. */
  api?: string | false;
  apiToken?: string;
  /** Also serve Toxiproxy 2.x's REST API at HOST:PORT (SPEC §12). */
  toxiproxyApi?: string;
  limits?: Partial<Limits>;
  /** Append every event to this file as one JSON line (NDJSON), as `--events-file` does. */
  eventsFile?: string;
  /** How the reconnect report tells clients apart (`--client-key`), e.g. `query:client` (default addr+ua). */
  clientKey?: string;
  /** `--merge-window` in ms (default 100). */
  mergeWindow?: number;
  /** Also serve wss:// on the same port (SPEC §10): true for the test CA, or your own certificate (docs/tls.md). */
  tls?: boolean | { certFile?: string; keyFile?: string; caDir?: string };
  /** Trust this PEM CA file, besides the system's, for a wss:// or https:// target. */
  upstreamCa?: string;
  /** Do not verify a wss:// or https:// target (the error is still reported once per connection). */
  upstreamInsecure?: boolean;
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
  /** `wss://localhost:<port>` with `tls`, else null. */
  readonly secureUrl: string | null;
  /** The test CA (PEM) with `tls`, for your client's trust; else null. */
  readonly caPem: string | null;
  /** The control API, or null when started with `api: false`. */
  readonly apiUrl: string | null;
  readonly seed: number;
  use(scenario: ScenarioRef, options?: { apply?: ApplyMode }): Promise<void>;
  /** Adds a fault on top of the scenario; its id is `adhoc-TYPE-N` unless it has a `name`. */
  addFault(fault: FaultEntry): Promise<FaultView>;
  removeFault(id: string): Promise<void>;
  /** Back to passthrough with every ad-hoc fault removed (the API's POST /reset). */
  reset(): Promise<void>;
  connections(): ConnectionInfo[];
  /** Ends one connection or all (default: Close 1001); returns how many. */
  kill(id: string | 'all', options?: Partial<KillOptions>): number;
  on<T extends EventType>(type: T | '*', listener: (event: WsfaultEvent<T>) => void): () => void;
  events(types?: EventType[]): AsyncIterableIterator<WsfaultEvent>;
  waitFor<T extends EventType>(type: T, options?: WaitOptions<T>): Promise<WsfaultEvent<T>[]>;
  /** The reconnect report (SPEC §11) of the attempts since start or the last resetReport(). */
  report(): Report;
  /** Clears the attempt log: a fresh measurement starts now. */
  resetReport(): void;
  close(): Promise<void>;
}

const HISTORY = 10_000;

export async function startWsfault(options: WsfaultOptions = {}): Promise<Wsfault> {
  const { app, apiUrl, stop, reporter } = await createWsfault({
    target: options.target,
    listen: options.listen,
    scenario: options.scenario,
    scenarioDirs: options.scenarios,
    seed: options.seed,
    limits: options.limits,
    eventsFile: options.eventsFile,
    api: options.api,
    apiToken: options.apiToken,
    toxiproxyApi: options.toxiproxyApi,
    report: { clientKey: options.clientKey, mergeWindowMs: options.mergeWindow },
    ...(options.tls ? { tls: options.tls } : {}),
    upstreamCa: options.upstreamCa,
    upstreamInsecure: options.upstreamInsecure,
  });
  const history: WsfaultEvent[] = [];
  let lastSeq = 0;
  app.bus.subscribe((event) => {
    lastSeq = event.seq;
    history.push(event);
    if (history.length > HISTORY) history.splice(0, history.length - HISTORY);
  });
  const proxy = DEFAULTS.proxy;

  return {
    url: app.status(proxy).url,
    secureUrl: app.tls ? app.status(proxy).url.replace(/^ws:\/\/[^:]+/, 'wss://localhost') : null,
    caPem: app.tls?.caPem ?? null,
    apiUrl,
    seed: app.seed,
    async use(scenario, { apply } = {}) {
      app.use(proxy, scenario, { apply });
    },
    async addFault(fault) {
      return app.addFault(proxy, fault);
    },
    async removeFault(id) {
      app.removeFault(proxy, id);
    },
    async reset() {
      app.reset();
    },
    connections: () => app.connections(proxy),
    kill: (id, how) => app.kill(proxy, id, how).length,
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
    report: () => reporter.report(),
    resetReport: () => reporter.reset(),
    async close() {
      // A test's teardown should not wait the full shutdown grace for a peer that never answers.
      await stop(1_000);
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
