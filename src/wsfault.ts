/**
 * The composition root: the one place that builds a running wsfault (bus, events file, proxies
 * and engines, control API, health listener, scenario watchers) and holds its defaults. The CLI,
 * startWsfault() and the tests all start wsfault through createWsfault().
 *
 * Order: the health listener, the control API and the Toxiproxy API listen first, then the
 * proxies. So once a proxy port accepts, the APIs answer, and GET /health says 503 `starting`
 * until every proxy listens.
 */
import { createApp, SHUTDOWN_GRACE_MS, type App, type ProxySettings, type ScenarioRef } from './app.js';
import type { ControlServer } from './control/server.js';
import type { ToxiproxyServer } from './toxiproxy/server.js';
import { EventBus } from './events/bus.js';
import { writeEventsTo } from './events/file.js';
import { startHealthServer, type HealthServer } from './health.js';
import type { Limits } from './proxy/limits.js';
import { watchScenarios } from './watch.js';
import { Reporter, type ReportOptions } from './report/reporter.js';
import { readUpstreamCa } from './proxy/upstream.js';

export const DEFAULTS = {
  /** The proxy of a single-proxy start (the one the CLI's flags describe). */
  proxy: 'default',
  /** A free port: a test never collides with another. The CLI's flags default to fixed ports. */
  listen: '127.0.0.1:0',
  /** The control API, like the proxy, on loopback and a free port; `false` for none. */
  api: '127.0.0.1:0',
  graceMs: SHUTDOWN_GRACE_MS,
} as const;

export interface CreateOptions {
  /** Several proxies (SPEC §7); absent: one named `default` from target, listen, scenario, hostHeader. */
  proxies?: ProxySettings[];
  /** Upstream URL; absent: the built-in echo server. */
  target?: string;
  listen?: string;
  /** A scenario NAME, FILE, or inline object (default passthrough; per-proxy defaults: PROXY_DEFAULTS). */
  scenario?: ScenarioRef;
  hostHeader?: 'keep' | 'target';
  /** Extra scenario directories. */
  scenarioDirs?: string[];
  /** Seed for every random choice; default: a random one (in the banner). */
  seed?: number;
  limits?: Partial<Limits>;
  /** Reload scenario files when they change. */
  watch?: boolean;
  /** Append every event, from the first, to this file as one JSON line (NDJSON). */
  eventsFile?: string;
  /** Control API address, or false for none. */
  api?: string | false;
  apiToken?: string;
  /** The one browser origin allowed to call the API. */
  apiCors?: string;
  /** A listener for GET /health only (`--health`): a probe that needs neither the API nor a proxy port. */
  health?: string;
  /** Also serve Toxiproxy 2.x's REST API here (SPEC §12), e.g. `127.0.0.1:8474`; absent or false: off. */
  toxiproxyApi?: string | false;
  /** The reconnect report (SPEC §11): `--client-key`, `--merge-window`, `report.clientKey`. */
  report?: ReportOptions;
  /** Serve TLS on every proxy's listener too (SPEC §10): true for the test CA, or a certificate of your own. */
  tls?: boolean | { certFile?: string; keyFile?: string; caDir?: string };
  /** A PEM file trusted, besides the system CAs, for a wss:// or https:// target. */
  upstreamCa?: string;
  /** Do not verify a wss:// or https:// target's certificate (the error is still reported, once per connection). */
  upstreamInsecure?: boolean;
  /** Hears --watch reload failures and an API reachable beyond loopback without a token. */
  onWarning?: (message: string) => void;
}

export interface RunningWsfault {
  readonly app: App;
  /** Where the control API listens, or null without one. */
  readonly apiUrl: string | null;
  /** Where the --health listener listens, or null without one. */
  readonly healthUrl: string | null;
  /** Where the Toxiproxy-compatible API listens, or null without one. */
  readonly toxiproxyUrl: string | null;
  /** The reconnect report's attempt log and builder (GET /report, chaos.report()). */
  readonly reporter: Reporter;
  banner(): string;
  /** Closes the API and the watchers, stops the proxies (Close 1001, at most `graceMs`), then the events file. */
  stop(graceMs?: number): Promise<void>;
}

export async function createWsfault(options: CreateOptions = {}): Promise<RunningWsfault> {
  const warn = options.onWarning ?? (() => {});
  const proxies = options.proxies ?? [
    {
      name: DEFAULTS.proxy,
      target: options.target,
      listen: options.listen ?? DEFAULTS.listen,
      scenario: options.scenario,
      hostHeader: options.hostHeader,
    },
  ];
  // The events file subscribes before anything starts, so it holds proxy.listening too.
  const bus = new EventBus();
  // The report hears the bus from the first connection on; `expect:` comes from the scenario in force.
  const reporter = new Reporter(bus, () => [...app.proxies.values()].find((one) => one.engine.scenario.expect)?.engine.scenario.expect ?? null, options.report);
  const stopEvents = options.eventsFile ? writeEventsTo(bus, options.eventsFile) : async () => {};
  let app: App;
  try {
    // Loaded only with TLS on: the X.509 library costs start-up time.
    const tls = options.tls ? await (await import('./tls/index.js')).createTls(options.tls === true ? {} : options.tls) : undefined;
    const upstreamTrust = { ...(options.upstreamCa ? { ca: readUpstreamCa(options.upstreamCa) } : {}), insecure: options.upstreamInsecure === true, warn };
    app = createApp({ bus, proxies, scenarioDirs: options.scenarioDirs, seed: options.seed, limits: options.limits, tls, upstreamTrust });
  } catch (error) {
    reporter.stop();
    await stopEvents();
    throw error;
  }

  const api = options.api === undefined ? DEFAULTS.api : options.api;
  let control: ControlServer | null = null;
  let health: HealthServer | null = null;
  let toxiproxy: ToxiproxyServer | null = null;
  try {
    if (options.health) health = await startHealthServer(app, options.health);
    if (api !== false) {
      // Loaded only when the API is on: Fastify and its plugins cost start-up time and memory,
      // and a library user with `api: false` should not carry them.
      const { startControlApi } = await import('./control/server.js');
      control = await startControlApi(app, api, { token: options.apiToken, corsOrigin: options.apiCors, warn, report: reporter });
    }
    if (options.toxiproxyApi) {
      // Loaded only when on, like the control API.
      const { startToxiproxyApi } = await import('./toxiproxy/server.js');
      toxiproxy = await startToxiproxyApi(app, options.toxiproxyApi);
    }
    await app.start();
  } catch (error) {
    await Promise.all([app.stop(0), control?.close(), health?.close(), toxiproxy?.close()]);
    await stopEvents();
    throw error;
  }
  const stopWatching = options.watch ? watchScenarios(app, options.scenarioDirs ?? [], warn) : () => {};

  return {
    app,
    apiUrl: control?.url ?? null,
    healthUrl: health?.url ?? null,
    toxiproxyUrl: toxiproxy?.url ?? null,
    reporter,
    banner: () => app.banner(control?.url ?? null, health?.url ?? null) + (toxiproxy ? `\n  ${'toxiproxy'.padEnd(9)} ${toxiproxy.url}   (Toxiproxy 2.x API)` : ''),
    async stop(graceMs = DEFAULTS.graceMs) {
      stopWatching();
      // The control API closes after the proxies, so /events subscribers see the shutdown's
      // closes before their streams end (and the API answers during the grace period).
      await Promise.all([app.stop(graceMs), health?.close(), toxiproxy?.close()]);
      await control?.close();
      // Last, so the file also holds the closes and proxy.stopped of the shutdown.
      await stopEvents();
    },
  };
}
