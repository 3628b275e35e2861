import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { PROXY_DEFAULTS } from '../app.js';
import { WsfaultError } from '../errors.js';
import { createLogger, type LogFormat } from '../log.js';
import { parseListen } from '../proxy/address.js';
import { loadConfigFile } from '../scenario/config.js';
import { parseDuration, parseSize } from '../scenario/units.js';
import type { Limits } from '../proxy/limits.js';
import { createWsfault, DEFAULTS } from '../wsfault.js';
import { checkReportFlags, endOfRun, reportOptions } from './run-report.js';
import { capYoungGeneration } from './young-generation.js';

export interface RunArgs {
  target?: string;
  listen: string;
  api: string;
  health?: string;
  seed?: number;
  scenario: string;
  scenarios?: string;
  config?: string;
  watch: boolean;
  'host-header': 'keep' | 'target';
  'api-token'?: string;
  'api-cors'?: string;
  'toxiproxy-api'?: string;
  'events-file'?: string;
  'head-timeout'?: string;
  'connect-timeout'?: string;
  'upstream-timeout'?: string;
  'max-head-size'?: string;
  'max-message-buffer'?: string;
  'log-level': string;
  'log-format'?: LogFormat;
  duration?: string;
  report?: string;
  'client-key'?: string;
  'merge-window'?: string;
  tls: boolean;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-ca-dir'?: string;
  'upstream-ca'?: string;
  'upstream-insecure': boolean;
}

/** The limit flags (docs/RELIABILITY.md), as durations and sizes like scenario files take them. */
function limitsFrom(argv: RunArgs): Partial<Limits> {
  const unit = (flag: keyof RunArgs, parse: (v: string) => number) => {
    const value = argv[flag] as string | undefined;
    if (value === undefined) return undefined;
    try {
      const n = parse(/^\d+$/.test(value) ? (Number(value) as never) : value);
      if (n > 0) return n;
    } catch {
      // reported below
    }
    throw new WsfaultError('WSFAULT_USAGE', `--${flag} "${value}" is not a positive ${parse === parseSize ? 'size (16KiB)' : 'duration (30s)'}`);
  };
  const limits: Partial<Limits> = {
    headTimeoutMs: unit('head-timeout', parseDuration),
    connectTimeoutMs: unit('connect-timeout', parseDuration),
    handshakeTimeoutMs: unit('upstream-timeout', parseDuration),
    maxHeadBytes: unit('max-head-size', parseSize),
    maxMessageBuffer: unit('max-message-buffer', parseSize),
  };
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

/** A flag given twice takes its last value (the image's entrypoint sets --listen; a user may override it). */
const last = (value: unknown) => (Array.isArray(value) ? value[value.length - 1] : value);

/**
 * `wsfault [run]`: start the proxy in front of --target (or the built-in echo server). This is
 * argument parsing, logging and signals; createWsfault() builds the program. The fixed ports
 * below are the CLI's own (SPEC §2: a command line wants a known port, a test a free one).
 */
export const runCommand: CommandModule<object, RunArgs> = {
  command: ['run', '$0'],
  describe: 'start the proxy (the default command)',
  builder: (yargs: Argv) =>
    yargs
      .option('target', { alias: 't', type: 'string', coerce: last, describe: 'upstream ws://, wss://, http:// or https:// host:port (default: built-in echo server)' })
      .option('listen', { alias: 'l', type: 'string', coerce: last, default: '127.0.0.1:7878', describe: 'where clients connect (HOST:PORT or :PORT)' })
      .option('api', { type: 'string', coerce: last, default: '127.0.0.1:7879', describe: 'control API address, or off' })
      .option('health', { type: 'string', coerce: last, describe: 'also answer GET /health (readiness) on HOST:PORT, apart from the API: a probe for --api off or an API with a token' })
      .option('scenario', { alias: 's', type: 'string', coerce: last, default: PROXY_DEFAULTS.scenario, describe: 'scenario active at start (NAME or FILE)' })
      .option('scenarios', { type: 'string', coerce: last, describe: 'directory of extra scenario files (*.yaml)' })
      .option('config', { alias: 'c', type: 'string', coerce: last, describe: 'YAML file with several proxies (SPEC §7)' })
      .option('watch', { type: 'boolean', default: false, describe: 'reload scenario files when they change' })
      .option('api-token', { type: 'string', coerce: last, describe: 'require Authorization: Bearer TOKEN on the API (env WSFAULT_API_TOKEN)' })
      .option('api-cors', { type: 'string', coerce: last, describe: 'allow browser code from ORIGIN to call the API' })
      .option('toxiproxy-api', { type: 'string', coerce: last, describe: 'also serve Toxiproxy 2.x\'s REST API at HOST:PORT (e.g. 127.0.0.1:8474)' })
      .option('events-file', { type: 'string', coerce: last, describe: 'append every event as one JSON line (NDJSON)' })
      .option('head-timeout', { type: 'string', coerce: last, describe: 'time a client has to send its request head (default 30s; then 408)' })
      .option('connect-timeout', { type: 'string', coerce: last, describe: 'time to connect to the upstream (default 10s; then 502)' })
      .option('upstream-timeout', { type: 'string', coerce: last, describe: 'time the upstream has to answer an upgrade (default 30s; then 504)' })
      .option('max-head-size', { type: 'string', coerce: last, describe: 'largest request or response head (default 16KiB; then 431)' })
      .option('max-message-buffer', { type: 'string', coerce: last, describe: 'most of one message a message fault may hold to see it whole (default 16MiB; a larger one passes unchanged)' })
      .option('tls', { type: 'boolean', default: false, describe: 'also serve wss:// and https:// on the same listener (a first byte 0x16 is TLS), certificates from the local test CA' })
      .option('tls-cert', { type: 'string', coerce: last, describe: 'serve this certificate (PEM, chain included) instead of the test CA\'s; with --tls-key' })
      .option('tls-key', { type: 'string', coerce: last, describe: 'the key of --tls-cert (PEM)' })
      .option('tls-ca-dir', { type: 'string', coerce: last, describe: 'where the test CA lives (default $XDG_STATE_HOME/wsfault/ca, else ~/.local/state/wsfault/ca)' })
      .option('upstream-ca', { type: 'string', coerce: last, describe: 'trust this PEM CA, besides the system CAs, for a wss:// or https:// target' })
      .option('upstream-insecure', { type: 'boolean', default: false, describe: 'do not verify the target\'s certificate (the error is still logged once per connection)' })
      .option('seed', { type: 'number', coerce: last, describe: 'seed for every random choice (default: random, printed)' })
      .option('host-header', { choices: ['keep', 'target'] as const, default: PROXY_DEFAULTS.hostHeader, describe: 'the Host header sent upstream' })
      .option('duration', { type: 'string', coerce: last, describe: 'stop after DUR (30s, 2m); exit 3 when an expect: of the scenario failed' })
      .option('report', { type: 'string', coerce: last, describe: 'write the reconnect report on exit: .json, .md or .xml (JUnit)' })
      .option('client-key', { type: 'string', coerce: last, describe: 'how the report tells clients apart: query:NAME, header:NAME, cookie:NAME, subprotocol, addr+ua (comma list, first match wins)' })
      .option('merge-window', { type: 'string', coerce: last, describe: "one client's retries this close after a TCP-level failure are one attempt (default 100ms)" })
      .option('log-level', { choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' })
      .option('log-format', { choices: ['pretty', 'json'] as const, describe: 'default: pretty on a TTY, json otherwise' })
      .check((argv) => {
        parseListen(argv.listen);
        if (argv.api !== 'off') parseListen(argv.api, '--api');
        if (argv.health !== undefined) parseListen(argv.health, '--health');
        if (argv['toxiproxy-api'] !== undefined) parseListen(argv['toxiproxy-api'], '--toxiproxy-api');
        if (argv.seed !== undefined && (!Number.isInteger(argv.seed) || argv.seed < 0)) throw new WsfaultError('WSFAULT_USAGE', '--seed must be a whole number ≥ 0');
        checkReportFlags(argv);
        return true;
      }) as unknown as Argv<RunArgs>,
  handler: async (argv: ArgumentsCamelCase<RunArgs>) => {
    const logger = await createLogger(argv['log-level'], argv['log-format']);
    const config = argv.config ? loadConfigFile(argv.config) : null;
    const api = config?.api ?? argv.api;
    // The young-generation cap needs node:v8 and node:perf_hooks. A plain pass-through's start
    // leaves the new space at its first size, so there the cap is set once the proxies listen and
    // those modules do not come before the first accept; the API's start (Fastify) grows the new
    // space past the cap, so with the API or a config file the cap comes first, as before.
    const lean = api === 'off' && !config;
    if (!lean) capYoungGeneration();
    const wsfault = await createWsfault({
      proxies: config
        ? config.proxies
        : [{ name: DEFAULTS.proxy, target: argv.target, listen: argv.listen, scenario: argv.scenario, hostHeader: argv['host-header'] }],
      scenarioDirs: [config?.scenarios, argv.scenarios].filter((d): d is string => d !== undefined),
      seed: argv.seed ?? config?.seed,
      // A flag overrides the config file's value.
      limits: { ...(config?.maxMessageBuffer !== undefined ? { maxMessageBuffer: config.maxMessageBuffer } : {}), ...limitsFrom(argv) },
      watch: argv.watch,
      eventsFile: argv['events-file'],
      api: api === 'off' ? false : api,
      health: argv.health,
      apiToken: argv['api-token'] ?? process.env.WSFAULT_API_TOKEN,
      apiCors: argv['api-cors'],
      toxiproxyApi: argv['toxiproxy-api'] ?? config?.toxiproxyApi,
      ...(argv.tls || argv['tls-cert'] ? { tls: { certFile: argv['tls-cert'], keyFile: argv['tls-key'], caDir: argv['tls-ca-dir'] } } : {}),
      upstreamCa: argv['upstream-ca'],
      upstreamInsecure: argv['upstream-insecure'],
      onWarning: (message) => logger.warn(message),
      report: reportOptions(argv, config?.report?.clientKey),
    });
    if (lean) capYoungGeneration();
    // createWsfault() resolves once the API and every proxy listen: the banner says all is up.
    process.stdout.write(wsfault.banner() + '\n');
    wsfault.app.bus.subscribe((event) => {
      if (event.type === 'scenario.changed' || event.type === 'phase.changed') logger.info(event, event.type);
    });

    // A bug in one connection's handling must not take every other connection down with it.
    process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception (connection kept serving)'));

    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) process.exit(0); // a second signal: do not wait any longer
      stopping = true;
      // The report is taken before the shutdown closes anything, so it shows the run as it was.
      let code = 1;
      try {
        code = endOfRun(wsfault.reporter, argv);
      } catch (error) {
        logger.error({ err: error }, `cannot write the report to ${argv.report}`);
      }
      logger.info({ signal }, `shutting down: Close 1001 to open WebSockets, at most ${DEFAULTS.graceMs / 1000} s`);
      await wsfault.stop();
      process.exit(code);
    };
    if (argv.duration) setTimeout(() => void shutdown('duration'), parseDuration(argv.duration)).unref();
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
  },
};
